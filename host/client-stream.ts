/**
 * Client.createReadStream: audio from output ports (of any client) to JS as
 * a Node Readable (and async iterator) of blocks, for as long as one likes,
 * in constant memory. Temporary input ports are connected to the sources;
 * each cycle the audio thread writes their samples into a RingBuffer
 * (shim/engine/audio-stream.h); JS takes whole cycle records from it and
 * cuts them into blocks. A cycle that does not fit in the ring (JS fell
 * behind) is dropped by the audio thread and counted; the stream reports it
 * exactly: `lostFrames`, an 'overrun' event, and a block that ends early.
 * Closing the client ends the stream.
 */
import { Readable } from 'node:stream';
import type { Client } from './client.js';
import { checkOptionKeys, fail, JackError, require_ } from './errors.js';
import { kNative, type NativeClient, type NativePort } from './native.js';
import type { OwnPort, Port } from './port.js';
import { markTemporary, refuseWhileFreewheeling, releasePorts } from './port-release.js';
import { RingBuffer } from './ring-buffer.js';
import { checkAudioPorts } from './port-checks.js';

/** Options of {@link Client.createReadStream}. */
export interface ReadStreamOptions {
  /** Frames per block (default 1024); a block ends early only at a loss or a jump of JACK's frame time. */
  blockFrames?: number;
  /** How much audio the ring between the audio thread and JS holds, seconds (default 2). */
  ringSeconds?: number;
  /** Blocks buffered in the stream before it stops taking from the ring (default 16). */
  highWaterMark?: number;
  /** The JACK frame time of the first frame (sample-accurate); earlier cycles are skipped. A frame that has passed is TOO_LATE. */
  startAt?: number;
  /** End the stream after this many frames (default: never); the last block may be shorter. */
  frames?: number;
}

/** One block of a read stream. */
export interface AudioBlock {
  /** JACK frame time of the first sample. */
  frame: number;
  /** One array per source port. */
  channels: Float32Array[];
}

const HEADER = 16; // per cycle record: frame, frames, lost before it, channels (u32 each)
let streamSeq = 0;

/** An audio stream from the graph to JS. */
export class AudioReadStream extends Readable {
  /** Frames the audio thread dropped because the ring was full (JS fell behind), in all. */
  lostFrames = 0;
  readonly #client: Client;
  readonly #ring: RingBuffer;
  readonly #ports: OwnPort[];
  readonly #id: number;
  readonly #blockFrames: number;
  readonly #timer: NodeJS.Timeout;
  readonly #closed: () => boolean;
  /** Cycles taken from the ring, not yet in a block. */
  #chunks: AudioBlock[] = [];
  #queued = 0;
  #nextFrame: number | undefined;
  #paused = false;
  #startAt: number | undefined;
  /** Frames still to give (Infinity: no end). */
  #left: number;
  #ending = false;

  /** @internal */
  constructor(client: Client, ports: OwnPort[], ring: RingBuffer, id: number, blockFrames: number, highWaterMark: number, closed: () => boolean, startAt?: number, frames?: number) {
    super({ objectMode: true, highWaterMark });
    this.#startAt = startAt;
    this.#left = frames ?? Infinity;
    this.#client = client;
    this.#ports = ports;
    this.#ring = ring;
    this.#id = id;
    this.#blockFrames = blockFrames;
    this.#closed = closed;
    const cycleMs = (1000 * client.blockSize) / client.sampleRate;
    this.#timer = setInterval(() => this.#drain(), Math.max(2, Math.min(20, cycleMs / 2)));
  }

  /** @internal */
  override _read(): void {
    this.#paused = false;
    this.#drain();
  }

  /** Takes every complete cycle record from the ring, while the stream wants more. */
  #drain(): void {
    if (this.destroyed || this.#paused) return;
    if ((this.#client[kNative] as NativeClient).isServerGone()) {
      // The server dropped the client: what was taken is lost with the stream.
      this.destroy(new JackError('SERVER_GONE', `read stream: the JACK server shut down client "${this.#client.name}"; the stream was cut off`));
      return;
    }
    if (this.#closed()) {
      // The client closed: the stream ends, as a file does; what was taken is still read.
      clearInterval(this.#timer);
      this.push(null);
      return;
    }
    const head = new Uint32Array(HEADER / 4);
    const headBytes = new Uint8Array(head.buffer);
    while (this.#ring.readSpace >= HEADER && !this.#ending) {
      this.#ring.peekInto(headBytes);
      const frame = head[0] as number;
      const frames = head[1] as number;
      const lost = head[2] as number;
      const nch = head[3] as number;
      // The audio thread publishes a record whole, so it is all there.
      this.#ring.readAdvance(HEADER);
      if (lost > 0 || (this.#nextFrame !== undefined && frame !== this.#nextFrame)) {
        // A loss or a jump of frame time ends the block early.
        if (this.#queued > 0 && !this.#push(this.#queued)) this.#paused = true;
        if (lost > 0) {
          this.lostFrames += lost;
          this.emit('overrun', { lostFrames: lost, beforeFrame: frame });
        }
      }
      let channels: Float32Array[] = [];
      for (let ch = 0; ch < nch; ch++) {
        const x = new Float32Array(frames);
        this.#ring.readInto(new Uint8Array(x.buffer));
        channels.push(x);
      }
      this.#nextFrame = (frame + frames) >>> 0;
      let first = frame;
      if (this.#startAt !== undefined) {
        const skip = (this.#startAt - frame) | 0; // frame times wrap at 2^32
        if (skip < 0) {
          this.destroy(new JackError('TOO_LATE', `read stream: startAt frame ${this.#startAt} had passed when the stream began (frame ${frame})`));
          return;
        }
        if (skip >= frames) continue; // before the start
        channels = channels.map((x) => x.subarray(skip));
        first = this.#startAt;
        this.#startAt = undefined;
      }
      let n = channels[0]?.length ?? 0;
      if (n > this.#left) {
        n = this.#left;
        channels = channels.map((x) => x.subarray(0, n));
      }
      this.#chunks.push({ frame: first, channels });
      this.#queued += n;
      this.#left -= n;
      while (this.#queued >= this.#blockFrames) if (!this.#push(this.#blockFrames)) this.#paused = true;
      if (this.#left === 0) {
        this.#end();
        return;
      }
      if (this.#paused) return;
    }
  }

  /** Gives what is queued, then ends the stream (no more is taken from the ring). */
  #end(): void {
    if (this.#ending) return;
    this.#ending = true;
    clearInterval(this.#timer);
    if (this.#queued > 0) this.#push(this.#queued);
    this.push(null);
  }

  /**
   * Ends the stream cleanly: the frames already taken from the ring are
   * still read, then 'end' (unlike destroy(), pipelines finish normally).
   */
  stop(): void {
    if (!this.destroyed) this.#end();
  }

  /** Pushes a block of the first `n` queued frames; false when the stream wants no more for now. */
  #push(n: number): boolean {
    const channels = this.#ports.map(() => new Float32Array(n));
    const frame = (this.#chunks[0] as AudioBlock).frame;
    let fill = 0;
    while (fill < n) {
      const c = this.#chunks[0] as AudioBlock;
      const len = (c.channels[0] as Float32Array).length;
      const take = Math.min(len, n - fill);
      c.channels.forEach((x, ch) => (channels[ch] as Float32Array).set(x.subarray(0, take), fill));
      fill += take;
      if (take === len) this.#chunks.shift();
      else {
        c.channels = c.channels.map((x) => x.subarray(take));
        c.frame = (c.frame + take) >>> 0;
      }
    }
    this.#queued -= n;
    return this.push({ frame, channels } satisfies AudioBlock);
  }

  /** @internal */
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.#timer);
    closeStream(this.#client, this.#id, this.#ports, true);
    callback(err);
  }
}

/** Opens a read stream of `srcs` (resolved ports). */
export function openReadStream(client: Client, srcs: Port[], options: ReadStreamOptions, closed: () => boolean): AudioReadStream {
  require_(srcs.length > 0 && srcs.length <= 64, 'createReadStream: sources must be an array of 1 to 64 ports');
  require_(typeof options === 'object' && options !== null, 'createReadStream: options must be an object');
  checkOptionKeys(options, ['blockFrames', 'ringSeconds', 'highWaterMark', 'startAt', 'frames'], 'createReadStream');
  if (!client.active) fail('INVALID_ARGUMENT', `createReadStream: client "${client.name}" must be active`);
  const { blockFrames = 1024, ringSeconds = 2, highWaterMark = 16, startAt, frames } = options;
  require_(startAt === undefined || (Number.isInteger(startAt) && startAt >= 0 && startAt < 2 ** 32), `createReadStream: startAt must be a JACK frame time (an integer from 0 to 2^32-1), got ${String(startAt)}`);
  require_(frames === undefined || (Number.isSafeInteger(frames) && frames > 0), `createReadStream: frames must be a positive integer, got ${String(frames)}`);
  if (startAt !== undefined && ((startAt - client.lastFrameTime) | 0) < 0) fail('TOO_LATE', `createReadStream: startAt frame ${startAt} has passed (the frame time is ${client.lastFrameTime})`);
  require_(Number.isInteger(blockFrames) && blockFrames >= client.blockSize && blockFrames <= 2 ** 20, `createReadStream: blockFrames must be an integer from the period (${client.blockSize}) to 2^20, got ${String(blockFrames)}`);
  require_(Number.isFinite(ringSeconds) && ringSeconds >= 0.05 && ringSeconds <= 60, `createReadStream: ringSeconds must be from 0.05 to 60, got ${String(ringSeconds)}`);
  require_(Number.isInteger(highWaterMark) && highWaterMark >= 1, `createReadStream: highWaterMark must be a positive integer, got ${String(highWaterMark)}`);
  checkAudioPorts(srcs, 'output', 'createReadStream', 'stream from output ports');
  const perCycle = HEADER + srcs.length * client.blockSize * 4;
  const bytes = Math.max(2 * perCycle, Math.ceil(ringSeconds * client.sampleRate * srcs.length * 4 * (1 + HEADER / (4 * client.blockSize))));
  const { ring, ports, id } = openStreamRing(client, srcs, bytes, 'stream', false, 'createReadStream');
  return new AudioReadStream(client, ports, ring, id, blockFrames, highWaterMark, closed, startAt, frames);
}

/**
 * @internal Removes engine stream `id`, then (once the engine let go) unclaims
 * `ports` and, when `temporary`, unregisters them. streamClose fails only
 * while the engine's queue is full for a moment: it is tried again.
 */
export function closeStream(client: Client, id: number, ports: OwnPort[], temporary: boolean): void {
  const n = client[kNative] as NativeClient;
  const done = (): void => {
    if (temporary) releasePorts(client, ports);
  };
  const attempt = (): void => {
    if (client.closed || n.isServerGone() || n.streamClose(id)) done();
    else setTimeout(attempt, 5).unref();
  };
  attempt();
}

/** @internal A stream ring the audio thread fills from temporary input ports connected to `srcs` (samples, or with `meter` levels). */
export function openStreamRing(client: Client, srcs: Port[], bytes: number, tag: string, meter: boolean, what: string): { ring: RingBuffer; ports: OwnPort[]; id: number } {
  refuseWhileFreewheeling(client, what);
  const ring = new RingBuffer(Math.min(bytes, 2 ** 30));
  const name = `${tag}_${++streamSeq}`;
  const ports = markTemporary(srcs.map((_, i) => client.inports.register(`${name}_${i + 1}`)));
  try {
    srcs.forEach((s, i) => client.connect(s, ports[i] as OwnPort));
    // The ring's size is rounded up to a power of two; the audio thread fills only `bytes` of it.
    const id = (client[kNative] as NativeClient).streamOpen(ports.map((p) => p[kNative] as NativePort), new Uint8Array(ring.shared), meter, Math.min(bytes, ring.size - 1));
    if (!id) fail('QUEUE_FULL', `${what}: the audio thread is not taking changes (too many at once)`);
    return { ring, ports, id };
  } catch (err) {
    releasePorts(client, ports);
    throw err;
  }
}
