/**
 * Audio from JS into the graph: the engine's outputs (shim/engine/audio-out.h)
 * as JS sees them. An output writes to its own output ports each cycle,
 * from buffers copied in (Client.play) or from a ring JS fills
 * (Client.createWriteStream, Client.process); JS follows it through a
 * 64-byte control block in shared memory, and ends it by removing it.
 */
import type { Client } from './client.js';
import { fail } from './errors.js';
import { kNative, type NativeClient, type NativePort } from './native.js';
import type { OwnPort, Port } from './port.js';
import { markTemporary, refuseWhileFreewheeling, releasePorts } from './port-release.js';
import type { RingBuffer } from './ring-buffer.js';

/** The control block's layout (shim/engine/audio-out.h's OutControl). */
const FLAGS = 0; // u32 index
const STATE = 1;
const START_FRAME = 2;
const END_FRAME = 3;
const PLAYED = 2; // u64 index (byte 16)
const UNDERRUN = 3;
const UNDERRUNS = 4;
const LOOPS = 5;
const LATE = 12; // u32 index (byte 48)
const STARTED = 13;
const ENDED = 1;
const STOP = 2;
export const OUT_WAITING = 0;
export const OUT_PLAYING = 1;
export const OUT_DONE = 2;

let outSeq = 0;

/** @internal One engine output, seen from JS. */
export class Output {
  readonly control = new SharedArrayBuffer(64);
  readonly #u32 = new Uint32Array(this.control);
  readonly #u64 = new BigUint64Array(this.control);
  readonly ports: OwnPort[];
  readonly #client: Client;
  readonly #closed: () => boolean;
  #id = 0;

  private constructor(client: Client, ports: OwnPort[], closed: () => boolean) {
    this.#client = client;
    this.ports = ports;
    this.#closed = closed;
  }

  /**
   * Registers temporary output ports connected to `dsts` (`tag` names them)
   * and starts the engine output.
   */
  static async open(client: Client, dsts: Port[], tag: string, closed: () => boolean, source: { ring?: RingBuffer; buffers?: Float32Array[] }, startAt: number | undefined, startFrames: number, loop: boolean, what: string): Promise<Output> {
    refuseWhileFreewheeling(client, what);
    const name = `${tag}_${++outSeq}`;
    const ports = markTemporary(dsts.map((_, i) => client.outports.register(`${name}_${i + 1}`)));
    const out = new Output(client, ports, closed);
    try {
      dsts.forEach((d, i) => client.connect(ports[i] as OwnPort, d));
      // Rationale: jack_connect returns once the server has the connection, so
      // the first cycle that runs the output already has it (checked: 40 plays
      // in a row each arrive whole at periods 64, 256 and 1024).
      client.assertUsable(what);
      out.start(source, startAt, startFrames, loop, what);
      return out;
    } catch (err) {
      await out.dispose();
      throw err;
    }
  }

  /** An output on ports the caller owns (Client.process): started now, not unregistered by dispose(). */
  static onPorts(client: Client, ports: OwnPort[], closed: () => boolean, ring: RingBuffer, startFrames: number, what: string): Output {
    // Rationale: two writers on one output port would overwrite each other's samples.
    for (const p of ports) if ((p[kNative] as NativePort).inUse()) fail('INVALID_ARGUMENT', `${what}: "${p.name}" is already written by a DSP module or another output; give a port of its own`);
    const out = new Output(client, [], closed);
    out.#own = ports;
    out.start({ ring }, undefined, startFrames, false, what);
    return out;
  }

  #own: OwnPort[] | undefined;

  private start(source: { ring?: RingBuffer; buffers?: Float32Array[] }, startAt: number | undefined, startFrames: number, loop: boolean, what: string): void {
    const n = this.#client[kNative] as NativeClient;
    const own = this.#own ?? this.ports;
    const ring = source.ring ? new Uint8Array(source.ring.shared) : null;
    const id = n.outOpen(own.map((p) => p[kNative] as NativePort), new Uint8Array(this.control), ring, source.buffers ?? null, startAt, startFrames, loop);
    if (!id) fail('QUEUE_FULL', `${what}: the audio thread is not taking changes (too many at once)`);
    this.#id = id;
  }

  get state(): number {
    return Atomics.load(this.#u32, STATE);
  }
  /** Whether the first frame has played (then startFrame is valid). */
  get started(): boolean {
    return Atomics.load(this.#u32, STARTED) !== 0;
  }
  /** Frame time of the first frame played (once started). */
  get startFrame(): number {
    return Atomics.load(this.#u32, START_FRAME);
  }
  /** Frame time after the last frame played (once done). */
  get endFrame(): number {
    return Atomics.load(this.#u32, END_FRAME);
  }
  get played(): number {
    return Number(Atomics.load(this.#u64, PLAYED));
  }
  get underrunFrames(): number {
    return Number(Atomics.load(this.#u64, UNDERRUN));
  }
  get underruns(): number {
    return Number(Atomics.load(this.#u64, UNDERRUNS));
  }
  get loops(): number {
    return Number(Atomics.load(this.#u64, LOOPS));
  }
  /** startAt had passed when the output could start (nothing played). */
  get late(): boolean {
    return Atomics.load(this.#u32, LATE) !== 0;
  }
  /** No more frames will come: once the ring is empty, the output is done. */
  end(): void {
    Atomics.or(this.#u32, FLAGS, ENDED);
  }
  /** Ends the output at the next cycle. */
  stop(): void {
    Atomics.or(this.#u32, FLAGS, STOP);
  }

  /**
   * Ends the output and removes it, then the temporary ports. Rationale:
   * JACK keeps an output port's buffer from cycle to cycle; removed from the
   * engine while still connected, the port would repeat its last cycle once.
   * So the output is stopped first, and removed only after the audio thread
   * has written a cycle of silence to it. (Not jack_port_disconnect: with a
   * connection inside the client it can fail an assertion in jackd 1.9.21.)
   */
  async dispose(): Promise<void> {
    const n = this.#client[kNative] as NativeClient;
    const id = this.#id;
    this.#id = 0;
    // Nothing to undo once the client closed or its server dropped it.
    if (this.#closed() || n.isServerGone()) return;
    if (id) {
      this.stop();
      const cycleMs = (1000 * this.#client.blockSize) / this.#client.sampleRate;
      await new Promise((r) => setTimeout(r, 2 * cycleMs + 2));
      // False only while the engine's queue is full for a moment.
      while (!this.#closed() && !n.isServerGone() && !n.outClose(id)) await new Promise((r) => setTimeout(r, 5));
    }
    if (!this.#closed()) releasePorts(this.#client, this.ports);
  }
}
