/**
 * Client.createWriteStream: audio from JS into input ports (of any client)
 * as a Node Writable, for as long as one likes, in constant memory. JS
 * writes interleaved frames into a RingBuffer; each cycle the audio thread
 * takes one cycle's worth to temporary output ports connected to the
 * destinations (shim/engine/audio-out.h). Backpressure: a write's callback
 * runs once all its frames are in the ring. Playback starts when the ring
 * holds `startFrames` (or at `startAt`, or when the stream ends). A cycle
 * the ring cannot fill (JS fell behind) is completed with silence and
 * counted exactly: `underrunFrames`, an 'underrun' event; the frames that
 * come later play on after the gap. 'finish' is emitted once the last frame
 * has been played, not just queued. Closing the client ends the stream
 * without an error ('close'), as it ends a read stream; what it had taken
 * and not played is counted (`unplayedFrames`).
 */
import { Writable } from 'node:stream';
import type { Client } from './client.js';
import { OUT_DONE, Output } from './client-out.js';
import { checkOptionKeys, fail, JackError, require_ } from './errors.js';
import type { Port } from './port.js';
import { kNative, type NativeClient } from './native.js';
import { RING_HEADER_BYTES, RingBuffer } from './ring-buffer.js';
import type { AudioBlock } from './client-stream.js';
import { interleave as interleaveChannels } from './sound-file.js';
import { checkAudioPorts } from './port-checks.js';

/** Options of {@link Client.createWriteStream}. */
export interface WriteStreamOptions {
  /** How much audio the ring between JS and the audio thread holds, seconds (default 1). */
  ringSeconds?: number;
  /** Frames the ring must hold before playback starts (default: a quarter of the ring); ending the stream starts it too. */
  startFrames?: number;
  /** The JACK frame time of the first frame (sample-accurate) instead of `startFrames`; a frame that has passed is a TOO_LATE error. */
  startAt?: number;
  /** Chunks buffered in the stream before write() returns false (default 4). */
  highWaterMark?: number;
}

/**
 * What a write stream takes: one Float32Array per port (equal lengths), an
 * AudioBlock (`{ channels }`, as a read stream gives), or one Float32Array
 * of interleaved frames.
 */
export type AudioChunk = Float32Array[] | Pick<AudioBlock, 'channels'> | Float32Array;

/** An audio stream from JS to the graph. */
export class AudioWriteStream extends Writable {
  readonly #client: Client;
  readonly #ring: RingBuffer;
  readonly #head: Int32Array;
  readonly #data: Float32Array;
  readonly #nch: number;
  readonly #limit: number;
  readonly #startAt: number | undefined;
  readonly #closed: () => boolean;
  readonly #timer: NodeJS.Timeout;
  #out: Output | undefined;
  #opening: Promise<void>;
  /** The chunk being moved into the ring (interleaved), how far, and its callback. */
  #pending: { data: Float32Array; at: number; cb: (err?: Error | null) => void } | undefined;
  #final: ((err?: Error | null) => void) | undefined;
  #underrunSeen = 0;
  #startSeen = false;
  #unplayed = 0;
  /** The client closed: the stream ends once the audio thread has stopped. */
  #ending = false;

  /** @internal */
  constructor(client: Client, dsts: Port[], ring: RingBuffer, limit: number, startFrames: number, startAt: number | undefined, highWaterMark: number, closed: () => boolean) {
    super({ objectMode: true, highWaterMark });
    this.#limit = limit;
    this.#client = client;
    this.#ring = ring;
    this.#head = new Int32Array(ring.shared, 0, 48);
    this.#data = new Float32Array(ring.shared, RING_HEADER_BYTES, ring.size / 4);
    this.#nch = dsts.length;
    this.#startAt = startAt;
    this.#closed = closed;
    this.#opening = Output.open(client, dsts, 'write', closed, { ring }, startAt, startFrames, false, 'Client.createWriteStream').then(
      (out) => {
        if (this.destroyed) void out.dispose();
        else this.#out = out;
      },
      (err: unknown) => {
        if (this.#closed()) this.destroy();
        else this.destroy(err as Error);
      },
    );
    const cycleMs = (1000 * client.blockSize) / client.sampleRate;
    this.#timer = setInterval(() => this.#tick(), Math.max(2, Math.min(20, cycleMs / 2)));
  }

  /** Frames of silence played because JS had not written them in time, in all. */
  get underrunFrames(): number {
    return this.#out?.underrunFrames ?? 0;
  }
  /** Frames played so far. */
  get playedFrames(): number {
    return this.#out?.played ?? 0;
  }
  /** JACK frame time of the first frame played (undefined until it starts). */
  get startFrame(): number | undefined {
    return this.#out?.started ? this.#out.startFrame : undefined;
  }
  /** JACK frame time after the last frame played (undefined until 'finish'). */
  get endFrame(): number | undefined {
    return this.#out?.state === OUT_DONE ? this.#out.endFrame : undefined;
  }
  /** The channels (destination ports). */
  get channels(): number {
    return this.#nch;
  }
  /** Frames the stream had taken (in its ring, or of the chunk being moved in) and did not play, as it stopped early (its client closed, destroy(), an error). */
  get unplayedFrames(): number {
    return this.#unplayed;
  }

  /** @internal */
  override _write(chunk: AudioChunk, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let data: Float32Array;
    try {
      data = toInterleaved(chunk, this.#nch);
    } catch (err) {
      cb(err as Error);
      return;
    }
    this.#pending = { data, at: 0, cb };
    this.#pump();
  }

  /** @internal */
  override _final(cb: (err?: Error | null) => void): void {
    this.#final = cb;
    this.#tick();
  }

  /** Moves what fits of the pending chunk into the ring. */
  #pump(): void {
    const p = this.#pending;
    if (!p) return;
    const nch = this.#nch;
    const frameBytes = 4 * nch;
    const mask = this.#ring.size - 1;
    const fmask = (this.#ring.size >> 2) - 1;
    const w = Atomics.load(this.#head, 0);
    const r = Atomics.load(this.#head, 16);
    // The ring is a power of two; the stream holds no more than it was asked to.
    const space = Math.min((r - w - 1) & mask, this.#limit - ((w - r) & mask));
    const frames = Math.min(Math.floor(space / frameBytes), (p.data.length - p.at) / nch);
    if (frames > 0) {
      const n = frames * nch;
      const data = this.#data;
      const idx = w >> 2;
      const first = Math.min(n, fmask + 1 - idx);
      data.set(p.data.subarray(p.at, p.at + first), idx);
      if (n > first) data.set(p.data.subarray(p.at + first, p.at + n), 0);
      p.at += n;
      // The frames are in place before the audio thread can see the index.
      Atomics.store(this.#head, 0, (w + frames * frameBytes) & mask);
    }
    if (p.at === p.data.length) {
      this.#pending = undefined;
      p.cb();
    }
  }

  #tick(): void {
    if (this.destroyed || this.#ending) return;
    if (this.#closed()) {
      // Rationale: closing the client is the caller's own act: with nobody
      // listening for 'error' the stream just ends (a read stream does; an
      // 'error' event nobody hears would be thrown), but a listener (a
      // writer awaiting 'drain' with once(), pipeline, finished) is told
      // CLIENT_CLOSED, or it would wait for good. Counted once the audio
      // thread has stopped (the client's close() resolves), so it is exact.
      this.#ending = true;
      clearInterval(this.#timer);
      const end = () =>
        this.destroy(this.listenerCount('error') > 0 ? new JackError('CLIENT_CLOSED', `write stream: client "${this.#client.name}" closed before the stream finished`) : undefined);
      this.#client.close().then(end, end);
      return;
    }
    if ((this.#client[kNative] as NativeClient).isServerGone()) {
      this.destroy(new JackError('SERVER_GONE', 'write stream: the JACK server shut down its client before the stream finished'));
      return;
    }
    if (!this.#client.active) {
      this.destroy(new JackError('INVALID_ARGUMENT', `write stream: client "${this.#client.name}" was deactivated before the stream finished`));
      return;
    }
    this.#pump();
    const out = this.#out;
    if (!out) return;
    if (!this.#startSeen && (out.started || out.late)) {
      this.#startSeen = true;
      if (out.late) {
        this.destroy(new JackError('TOO_LATE', `write stream: startAt frame ${String(this.#startAt)} had passed when playback could begin (frame ${out.endFrame})`));
        return;
      }
      this.emit('start', { frame: out.startFrame });
    }
    const under = out.underrunFrames;
    if (under !== this.#underrunSeen) {
      this.emit('underrun', { frames: under - this.#underrunSeen, underrunFrames: under });
      this.#underrunSeen = under;
    }
    if (this.#final && !this.#pending) {
      out.end();
      if (out.state === OUT_DONE) {
        const cb = this.#final;
        this.#final = undefined;
        clearInterval(this.#timer);
        out.dispose().then(() => cb(), cb);
      }
    }
  }

  /** @internal */
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.#timer);
    const p = this.#pending;
    this.#pending = undefined;
    // What is left in the ring once the output has stopped, and of the chunk being moved in.
    const done = (e: Error | null) => {
      const frameBytes = 4 * this.#nch;
      const inRing = ((Atomics.load(this.#head, 0) - Atomics.load(this.#head, 16)) & (this.#ring.size - 1)) / frameBytes;
      this.#unplayed = inRing + (p ? (p.data.length - p.at) / this.#nch : 0);
      callback(e);
      // The write being moved in ends too, so the chunks buffered behind it
      // get their callbacks (ERR_STREAM_DESTROYED) instead of none.
      p?.cb();
    };
    const out = this.#out;
    if (out) out.dispose().then(() => done(err), (e: unknown) => done(err ?? (e as Error)));
    else {
      void this.#opening.then(() => this.#out?.dispose());
      done(err);
    }
  }
}

/** A chunk as interleaved frames. @throws INVALID_ARGUMENT */
function toInterleaved(chunk: AudioChunk, nch: number): Float32Array {
  if (chunk instanceof Float32Array) {
    if (chunk.length % nch !== 0) fail('INVALID_ARGUMENT', `write stream: an interleaved chunk must hold whole frames of ${nch} channels, got ${chunk.length} samples`);
    return chunk;
  }
  const channels = Array.isArray(chunk) ? chunk : (chunk as { channels?: unknown } | null)?.channels;
  if (!Array.isArray(channels) || channels.length !== nch || !channels.every((c) => c instanceof Float32Array)) {
    fail('INVALID_ARGUMENT', `write stream: a chunk must be ${nch} Float32Array(s) (one per port), an AudioBlock, or one interleaved Float32Array`);
  }
  const frames = (channels[0] as Float32Array).length;
  if (!channels.every((c: Float32Array) => c.length === frames)) fail('INVALID_ARGUMENT', `write stream: the channels of a chunk differ in length (${channels.map((c: Float32Array) => c.length).join(', ')})`);
  return interleaveChannels(channels);
}

/** Opens a write stream into `dsts` (resolved ports). */
export function openWriteStream(client: Client, dsts: Port[], options: WriteStreamOptions, closed: () => boolean): AudioWriteStream {
  require_(dsts.length > 0 && dsts.length <= 64, 'createWriteStream: destinations must be an array of 1 to 64 ports');
  require_(typeof options === 'object' && options !== null, 'createWriteStream: options must be an object');
  checkOptionKeys(options, ['ringSeconds', 'startFrames', 'startAt', 'highWaterMark'], 'createWriteStream');
  if (!client.active) fail('INVALID_ARGUMENT', `createWriteStream: client "${client.name}" must be active`);
  const { ringSeconds = 1, startAt, highWaterMark = 4 } = options;
  require_(Number.isFinite(ringSeconds) && ringSeconds >= 0.01 && ringSeconds <= 60, `createWriteStream: ringSeconds must be from 0.01 to 60, got ${String(ringSeconds)}`);
  require_(Number.isInteger(highWaterMark) && highWaterMark >= 1, `createWriteStream: highWaterMark must be a positive integer, got ${String(highWaterMark)}`);
  require_(startAt === undefined || (Number.isInteger(startAt) && startAt >= 0 && startAt < 2 ** 32), `createWriteStream: startAt must be a JACK frame time (an integer from 0 to 2^32-1), got ${String(startAt)}`);
  checkAudioPorts(dsts, 'input', 'createWriteStream', 'stream into input ports');
  if (startAt !== undefined && ((startAt - client.lastFrameTime) | 0) < 0) {
    fail('TOO_LATE', `createWriteStream: startAt frame ${startAt} has passed (the frame time is ${client.lastFrameTime})`);
  }
  const frameBytes = 4 * dsts.length;
  const bytes = Math.min(2 ** 30 - 1, Math.max(4 * client.blockSize * frameBytes, Math.ceil(ringSeconds * client.sampleRate) * frameBytes));
  const ring = new RingBuffer(bytes + 1);
  const ringFrames = Math.floor(bytes / frameBytes);
  const { startFrames = Math.max(1, Math.floor(ringFrames / 4)) } = options;
  require_(Number.isInteger(startFrames) && startFrames >= 1 && startFrames <= ringFrames, `createWriteStream: startFrames must be an integer from 1 to the ring's ${ringFrames} frames, got ${String(startFrames)}`);
  return new AudioWriteStream(client, dsts, ring, ringFrames * frameBytes, startFrames, startAt, highWaterMark, closed);
}
