/**
 * Taps for user interfaces: Client.meter (peak and RMS levels) and
 * Client.scope (the latest window of samples). Both listen to output ports
 * (of any client) through temporary input ports. The audio thread does the
 * per-cycle work and hands it over through a ring: for a meter just each
 * channel's peak and RMS of the cycle (shim/engine/audio-stream.cc), for a
 * scope the samples. JS reads the ring on a timer and reports at the
 * interval asked for; a ring that ran full (JS was busy) drops whole cycles,
 * which are counted (`lostFrames`), and the readings go on.
 */
import { EventEmitter } from 'node:events';
import type { Client } from './client.js';
import { closeStream, openStreamRing } from './client-stream.js';
import { checkOptionKeys, fail, require_ } from './errors.js';
import { kNative, type NativeClient } from './native.js';
import type { OwnPort, Port } from './port.js';
import type { RingBuffer } from './ring-buffer.js';
import { checkAudioPorts } from './port-checks.js';

const HEADER = 16;

/** One meter reading: levels over the frames since the previous one. */
export interface MeterReading {
  /** JACK frame time of the first frame measured. */
  frame: number;
  /** Frames measured. */
  frames: number;
  /** Largest absolute sample, per port (linear; 20*log10 for dBFS). */
  peak: number[];
  /** Root mean square, per port (linear). */
  rms: number[];
}

/** Options of {@link Client.meter}. */
export interface MeterOptions {
  /** How often a reading is made, ms (default 50). */
  intervalMs?: number;
}

/** Options of {@link Client.scope}. */
export interface ScopeOptions {
  /** Samples per window (default 1024). */
  frames?: number;
  /** How often a window is given, ms (default 50): each 'window' event holds the latest `frames` samples. */
  intervalMs?: number;
}

/** One scope window: the latest `frames` samples of each port. */
export interface ScopeWindow {
  /** JACK frame time of the first sample. */
  frame: number;
  channels: Float32Array[];
}

/** The part Meter and Scope share: the ring, the timer, the temporary ports. */
abstract class Tap extends EventEmitter {
  /** Frames the audio thread dropped because the ring was full (JS was busy), in all. */
  lostFrames = 0;
  protected readonly client: Client;
  protected readonly ring: RingBuffer;
  readonly #ports: OwnPort[];
  readonly #id: number;
  readonly #closed: () => boolean;
  readonly #timer: NodeJS.Timeout;
  readonly #head = new Uint32Array(HEADER / 4);
  #open = true;

  constructor(client: Client, ring: RingBuffer, ports: OwnPort[], id: number, intervalMs: number, closed: () => boolean) {
    super();
    this.client = client;
    this.ring = ring;
    this.#ports = ports;
    this.#id = id;
    this.#closed = closed;
    this.#timer = setInterval(() => this.#tick(), intervalMs);
  }

  /** Whether it still listens (false after close(), or once its client closed or its server dropped it). */
  get open(): boolean {
    return this.#open && !this.#closed() && !(this.client[kNative] as NativeClient).isServerGone();
  }

  #tick(): void {
    if (!this.open) {
      this.close();
      return;
    }
    const ring = this.ring;
    while (ring.readSpace >= HEADER) {
      ring.readInto(this.#head);
      const [frame, frames, lost, nch] = this.#head as unknown as [number, number, number, number];
      if (lost > 0) this.lostFrames += lost;
      this.take(frame, frames, nch);
    }
    this.report();
  }

  /** Reads one cycle's payload from the ring. */
  protected abstract take(frame: number, frames: number, nch: number): void;
  /** Emits what the cycles taken since the last tick amount to. */
  protected abstract report(): void;

  /** Stops listening and removes the temporary ports. Safe to call twice. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#timer);
    closeStream(this.client, this.#id, this.#ports, true);
    this.emit('close');
  }
}

/** Peak and RMS levels of ports, measured on the audio thread ('level' events). */
export class Meter extends Tap {
  /** The latest reading (undefined before the first). */
  last: MeterReading | undefined;
  readonly #level = new Float32Array(2);
  #frame = 0;
  #frames = 0;
  #peak: number[] = [];
  #sum: number[] = [];

  protected take(frame: number, frames: number, nch: number): void {
    if (this.#frames === 0) {
      this.#frame = frame;
      this.#peak = Array(nch).fill(0);
      this.#sum = Array(nch).fill(0);
    }
    for (let ch = 0; ch < nch; ch++) {
      this.ring.readInto(this.#level);
      this.#peak[ch] = Math.max(this.#peak[ch] as number, this.#level[0] as number);
      const rms = this.#level[1] as number;
      this.#sum[ch] = (this.#sum[ch] as number) + rms * rms * frames;
    }
    this.#frames += frames;
  }

  protected report(): void {
    if (this.#frames === 0) return;
    const frames = this.#frames;
    this.last = { frame: this.#frame, frames, peak: this.#peak, rms: this.#sum.map((s) => Math.sqrt(s / frames)) };
    this.#frames = 0;
    this.emit('level', this.last);
  }
}

/** The latest samples of ports, as an oscilloscope shows them ('window' events). */
export class Scope extends Tap {
  readonly frames: number;
  readonly #buf: Float32Array[];
  #filled = 0;
  #end = 0; // frame time after the newest sample
  #fresh = false;
  #scratch = new Float32Array(0);

  /** @internal */
  constructor(client: Client, ring: RingBuffer, ports: OwnPort[], id: number, intervalMs: number, closed: () => boolean, frames: number) {
    super(client, ring, ports, id, intervalMs, closed);
    this.frames = frames;
    this.#buf = ports.map(() => new Float32Array(frames));
  }

  protected take(frame: number, frames: number, nch: number): void {
    if (this.#scratch.length < frames) this.#scratch = new Float32Array(frames);
    const x = this.#scratch.subarray(0, frames);
    const keep = Math.min(frames, this.frames);
    for (let ch = 0; ch < nch; ch++) {
      this.ring.readInto(x);
      const b = this.#buf[ch] as Float32Array;
      // Shift the window left and append the newest samples.
      b.copyWithin(0, keep);
      b.set(x.subarray(frames - keep), this.frames - keep);
    }
    this.#filled = Math.min(this.frames, this.#filled + frames);
    this.#end = (frame + frames) >>> 0;
    this.#fresh = true;
  }

  /** The latest window (fewer samples until enough have come), copied. */
  latest(): ScopeWindow {
    const n = this.#filled;
    return { frame: (this.#end - n) >>> 0, channels: this.#buf.map((b) => b.slice(this.frames - n)) };
  }

  protected report(): void {
    if (!this.#fresh || this.#filled < this.frames) return;
    this.#fresh = false;
    this.emit('window', this.latest());
  }
}

function sources(srcs: Port[], what: string): void {
  require_(srcs.length > 0 && srcs.length <= 64, `${what}: give 1 to 64 ports`);
  checkAudioPorts(srcs, 'output', what, 'listen to output ports');
}

function intervalOf(v: unknown, what: string): number {
  require_(typeof v === 'number' && Number.isFinite(v) && v >= 5 && v <= 10000, `${what}: intervalMs must be from 5 to 10000, got ${String(v)}`);
  return v as number;
}

export function openMeter(client: Client, srcs: Port[], options: MeterOptions, closed: () => boolean): Meter {
  require_(typeof options === 'object' && options !== null, 'meter: options must be an object');
  checkOptionKeys(options, ['intervalMs'], 'meter');
  sources(srcs, 'meter');
  if (!client.active) fail('INVALID_ARGUMENT', `meter: client "${client.name}" must be active`);
  const intervalMs = intervalOf(options.intervalMs ?? 50, 'meter');
  // A second of cycles: room for the timer to be late.
  const cycles = Math.ceil(client.sampleRate / client.blockSize) + 4;
  const { ring, ports, id } = openStreamRing(client, srcs, cycles * (HEADER + 8 * srcs.length), 'meter', true, 'meter');
  return new Meter(client, ring, ports, id, intervalMs, closed);
}

export function openScope(client: Client, srcs: Port[], options: ScopeOptions, closed: () => boolean): Scope {
  require_(typeof options === 'object' && options !== null, 'scope: options must be an object');
  checkOptionKeys(options, ['frames', 'intervalMs'], 'scope');
  sources(srcs, 'scope');
  if (!client.active) fail('INVALID_ARGUMENT', `scope: client "${client.name}" must be active`);
  const { frames = 1024 } = options;
  require_(Number.isInteger(frames) && frames >= 16 && frames <= 2 ** 20, `scope: frames must be an integer from 16 to 2^20, got ${String(frames)}`);
  const intervalMs = intervalOf(options.intervalMs ?? 50, 'scope');
  // Half a second of audio, and at least two windows.
  const perSecond = client.sampleRate * 4 * srcs.length * (1 + HEADER / (4 * client.blockSize));
  const bytes = Math.max(Math.ceil(perSecond / 2), 2 * (frames * 4 * srcs.length + HEADER * Math.ceil(frames / client.blockSize)));
  const { ring, ports, id } = openStreamRing(client, srcs, bytes, 'scope', false, 'scope');
  return new Scope(client, ring, ports, id, intervalMs, closed, frames);
}
