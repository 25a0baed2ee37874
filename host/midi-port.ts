/**
 * MIDI between JS and a client's own MIDI ports: `port.send(bytes, { frame })`
 * on a MIDI output port, `port.on('midi', (frame, bytes) => ...)` on a MIDI
 * input port. Each port used this way gets a stream in the engine: a
 * lock-free byte ring the audio thread writes into the port at the events'
 * frames, or fills from the port every cycle for JS to read (polled every
 * 5 ms). SysEx of any length fits (up to the ring's size); every message lost
 * on the audio thread is counted (`port.midiStats`).
 */
import { fail, require_ } from './errors.js';
import { kNative, type NativeClient, type NativePort } from './native.js';
import type { OwnPort } from './port.js';

/** Bytes each stream's ring holds (records of 12 bytes + the message). */
export const MIDI_STREAM_BYTES = 1 << 16;

/** A listener of `port.on('midi', ...)`: the JACK frame time of the message and its bytes. */
export type MidiListener = (frame: number, bytes: Uint8Array) => void;

/** What port.midiStats reports. */
export interface MidiPortStats {
  /** Messages that went through the audio thread (written to the port, or read from it). */
  messages: number;
  /** Messages lost there: the JACK buffer was full (output), or JS did not read in time (input). */
  dropped: number;
}

/** The length a MIDI message with this status byte has (0: SysEx, variable; -1: not a status JS may send). */
function lengthOf(status: number): number {
  if (status < 0x80) return -1;
  if (status < 0xc0) return 3;
  if (status < 0xe0) return 2;
  if (status < 0xf0) return 3;
  switch (status) {
    case 0xf0:
      return 0;
    case 0xf1:
    case 0xf3:
      return 2;
    case 0xf2:
      return 3;
    case 0xf6:
    case 0xf8:
    case 0xfa:
    case 0xfb:
    case 0xfc:
    case 0xfe:
    case 0xff:
      return 1;
    default:
      return -1; // 0xf4, 0xf5, 0xf7 alone, 0xf9, 0xfd: undefined
  }
}

/** A message's bytes, checked: a status byte, then the data bytes its status calls for (SysEx: F0 ... F7). */
export function checkMidiMessage(bytes: ArrayLike<number>, who: string): Uint8Array {
  const n = (bytes as { length?: unknown } | null | undefined)?.length;
  require_(typeof n === 'number' && Number.isInteger(n) && n >= 1, `${who}: expected a MIDI message (a status byte, then its data bytes), got ${String(bytes)}`);
  const b = Uint8Array.from(bytes as ArrayLike<number>);
  for (let i = 0; i < n; i++) {
    const v = (bytes as ArrayLike<number>)[i];
    require_(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255, `${who}: byte ${i} is ${String(v)}, not 0-255`);
  }
  const want = lengthOf(b[0] as number);
  require_(want >= 0, `${who}: ${(b[0] as number).toString(16).padStart(2, '0')} is not a status byte a message may start with`);
  if (want === 0) {
    require_(n >= 2 && b[n - 1] === 0xf7, `${who}: a SysEx message runs from F0 to F7`);
    for (let i = 1; i < n - 1; i++) require_((b[i] as number) < 0x80, `${who}: SysEx data byte ${i} is ${b[i]}, not < 0x80`);
  } else {
    require_(n === want, `${who}: status ${(b[0] as number).toString(16)} takes ${want} byte(s), got ${n}`);
    for (let i = 1; i < n; i++) require_((b[i] as number) < 0x80, `${who}: data byte ${i} is ${b[i]}, not < 0x80`);
  }
  require_(n + 12 <= MIDI_STREAM_BYTES, `${who}: a message of ${n} bytes does not fit the port's queue (${MIDI_STREAM_BYTES} bytes)`);
  return b;
}

interface OutStream {
  id: number;
  /** Unwrapped frame of the last timed message (they must not go back in time). */
  last: number | undefined;
}
interface InStream {
  id: number;
  listeners: Set<MidiListener>;
}

/** A client's MIDI streams. */
export class MidiStreams {
  #client: () => NativeClient;
  #lastFrameTime: () => number;
  #out = new Map<OwnPort, OutStream>();
  #in = new Map<OwnPort, InStream>();
  #timer: NodeJS.Timeout | undefined;

  constructor(client: () => NativeClient, lastFrameTime: () => number) {
    this.#client = client;
    this.#lastFrameTime = lastFrameTime;
  }

  #open(port: OwnPort, input: boolean, who: string): number {
    const id = this.#client().midiOpen(port[kNative] as NativePort, input, MIDI_STREAM_BYTES);
    if (id === null || id === undefined) fail('CLIENT_CLOSED', `${who}: the client is closed`);
    if (!id) fail('QUEUE_FULL', `${who}: could not hand the stream to the audio thread`);
    return id;
  }

  /** port.send */
  send(port: OwnPort, bytes: ArrayLike<number>, frame: number | undefined, who: string): void {
    const b = checkMidiMessage(bytes, who);
    require_(frame === undefined || (Number.isInteger(frame) && frame >= 0 && frame < 2 ** 32), `${who}: frame must be a JACK frame time (integer in [0, 2^32)), got ${String(frame)}`);
    let s = this.#out.get(port);
    if (!s) {
      s = { id: this.#open(port, false, who), last: undefined };
      this.#out.set(port, s);
    }
    let unwrapped: number | undefined;
    if (frame !== undefined) {
      const now = this.#lastFrameTime();
      const ahead = (frame - now) | 0;
      // Frame times wrap at 2^32; half of that ahead reads as the past.
      require_(ahead < 2 ** 30, `${who}: frame ${frame} is more than 2^30 frames (hours) ahead of the current frame time ${now}`);
      unwrapped = now + ahead;
      // Rationale: the audio thread takes messages in order, so one due
      // earlier than the one before it would wait behind it.
      if (s.last !== undefined && unwrapped < s.last) fail('INVALID_ARGUMENT', `${who}: frame ${frame} is before the frame of the message sent before it on this port (timed messages go in time order)`);
    }
    if (!this.#client().midiWrite(s.id, b, frame)) fail('QUEUE_FULL', `${who}: the port's queue to the audio thread is full (${MIDI_STREAM_BYTES} bytes waiting)`);
    if (unwrapped !== undefined) s.last = unwrapped;
  }

  /** port.on('midi') */
  listen(port: OwnPort, listener: MidiListener, who: string): void {
    require_(typeof listener === 'function', `${who}: the listener must be a function`);
    let s = this.#in.get(port);
    if (!s) {
      s = { id: this.#open(port, true, who), listeners: new Set() };
      this.#in.set(port, s);
    }
    s.listeners.add(listener);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#poll(), 5);
      this.#timer.unref();
    }
  }

  /** port.off('midi') */
  unlisten(port: OwnPort, listener: MidiListener): void {
    const s = this.#in.get(port);
    if (!s) return;
    s.listeners.delete(listener);
    if (s.listeners.size === 0) {
      this.#poll();
      this.#client().midiClose(s.id);
      this.#in.delete(port);
    }
    if (this.#in.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  stats(port: OwnPort): MidiPortStats {
    const s = this.#out.get(port) ?? this.#in.get(port);
    const r = s ? this.#client().midiStats(s.id) : null;
    return { messages: r?.passed ?? 0, dropped: r?.dropped ?? 0 };
  }

  #poll(): void {
    for (const [, s] of this.#in) {
      const data = this.#client().midiRead(s.id);
      if (!data || data.length === 0) continue;
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      let failure: { err: unknown } | undefined;
      for (let at = 0; at + 12 <= data.length; ) {
        const frame = view.getUint32(at, true);
        const len = view.getUint32(at + 8, true);
        const bytes = data.slice(at + 12, at + 12 + len);
        at += 12 + len;
        // Rationale: a listener that throws must not cost the others (or
        // the rest of this batch) their messages; its error is rethrown
        // once the batch is delivered, as an EventEmitter listener's would be.
        for (const l of [...s.listeners]) {
          try {
            l(frame, bytes);
          } catch (err) {
            failure ??= { err };
          }
        }
      }
      if (failure) {
        const { err } = failure;
        setImmediate(() => {
          throw err;
        });
      }
    }
  }

  /** The port was unregistered: its stream goes. */
  forget(port: OwnPort): void {
    for (const map of [this.#out, this.#in] as Map<OwnPort, { id: number }>[]) {
      const s = map.get(port);
      if (!s) continue;
      this.#client().midiClose(s.id);
      map.delete(port);
    }
    if (this.#in.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** The client closed: the engine dropped every stream. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#out.clear();
    this.#in.clear();
  }
}
