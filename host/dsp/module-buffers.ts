/**
 * Buffers: audio from JS in a module's memory (DspModule.loadBuffer,
 * load({ buffers }), render({ buffers })). A module declares named slots,
 * each with two regions (jw_buffer_table); the host copies the audio into
 * the region the module is not reading, on the main thread, then hands it
 * over through the slot's queue, and the audio thread tells the module at
 * the start of the next cycle (jw_buffer_ready). See docs/abi.md, "Buffers".
 *
 * Rationale for the protocol: the module reads one region while the host
 * writes the other, so neither waits and nothing is copied on the audio
 * thread. While cycles run, a second hand-over of a slot waits for the
 * first to be taken (the module may still read the region it would
 * overwrite); while none run, the region not yet taken is rewritten.
 */
import { fail, JackError, require_ } from '../errors.js';
import { ABI_EXPORTS } from '../generated/manifest.js';
import { native } from '../native.js';
import { type NativeClient, type NativeDsp, type NativeDspInfo, type NativeInitialBuffer } from '../native.js';
import { deinterleave, interleave, Resampler, type Audio, type ResampleQuality } from '../sound-file.js';

/** Audio for a buffer slot: one Float32Array per channel, a single array (one channel), or decoded audio with its rate (what readSoundFile returns). */
export type BufferData = Float32Array | Float32Array[] | Audio;

/** Options for {@link DspModule.loadBuffer}. */
export interface LoadBufferOptions {
  /** Audio at another sample rate than the client's is SAMPLE_RATE_MISMATCH unless this asks to convert it (true: 'best'). Default false. */
  resample?: boolean | ResampleQuality;
  /** How long to wait for the audio thread to take the buffer, ms. Default 5000. */
  timeoutMs?: number;
}

/** A buffer slot a module declares, and what it holds. */
export interface BufferSlotInfo {
  /** The slot's key (loadBuffer's name). */
  readonly name: string;
  /** Most channels it takes. */
  readonly channels: number;
  /** Most frames per channel it takes (its capacity). */
  readonly capacity: number;
  /** Frames loaded (0: nothing yet). */
  readonly frames: number;
  /** Channels loaded (0: nothing yet). */
  readonly loadedChannels: number;
}

/** What loadBuffer did. */
export interface LoadBufferReport {
  name: string;
  channels: number;
  frames: number;
  /**
   * True when the module has it (the audio thread called jw_buffer_ready);
   * false when the client is not active: the module gets it at the start of
   * its first cycle, before anything else.
   */
  delivered: boolean;
}

/** What a swap or reset did with the loaded buffers. */
export interface BufferCarry {
  /** Slots the new instance took over (copied before it ran). */
  carried: string[];
  /** Slots whose audio the new instance could not take: "name (not declared)" or "name (holds 2 x 1000 frames; 2 x 48000 were loaded)". */
  dropped: string[];
}

interface SlotState {
  /** The region of the last hand-over posted (-1: none). */
  told: number;
  /** Its seq (0: none); the audio thread acknowledges it. */
  seq: number;
  channels: number;
  frames: number;
}

const TRAP_TEXT = (code: number): string => native.trapInfo(code).kind;

function isAudio(x: unknown): x is Audio {
  return typeof x === 'object' && x !== null && !(x instanceof Float32Array) && !Array.isArray(x) && 'channels' in x && 'sampleRate' in x;
}

/** A copy of a Float32Array's samples, by its internal length (not a `length` property it may carry). */
function copyChannel(c: unknown, who: string): Float32Array {
  require_(c instanceof Float32Array, `${who}: every channel must be a Float32Array`);
  try {
    return Float32Array.prototype.slice.call(c);
  } catch (err) {
    return fail('INVALID_ARGUMENT', `${who}: a channel cannot be read (${(err as Error).message})`);
  }
}

/**
 * Checks `data` and returns a copy of it as equal-length channels at
 * `sampleRate`. Rationale for the copy: the audio is taken when the call is
 * made, however long the load then waits (and nothing the caller does to
 * its arrays afterwards, or while it is read, can reach the native copy).
 * @throws INVALID_ARGUMENT, SAMPLE_RATE_MISMATCH
 */
export function bufferChannels(data: BufferData, sampleRate: number, who: string, resample: LoadBufferOptions['resample'] = false,
                               howToResample = 'pass { resample: true } to convert it'): Float32Array[] {
  let list: unknown[];
  let rate = sampleRate;
  if (data instanceof Float32Array) list = [data];
  else if (Array.isArray(data)) list = Array.from(data as unknown[]);
  else if (isAudio(data)) {
    const chans: unknown = data.channels;
    rate = data.sampleRate;
    require_(Array.isArray(chans), `${who}: audio.channels must be an array of Float32Arrays`);
    require_(typeof rate === 'number' && Number.isInteger(rate) && rate > 0, `${who}: audio.sampleRate must be a positive integer, got ${String(rate)}`);
    list = Array.from(chans as unknown[]);
  } else {
    return fail('INVALID_ARGUMENT', `${who}: expected a Float32Array, an array of them (one per channel) or { sampleRate, channels }, got ${data === null ? 'null' : typeof data}`);
  }
  require_(list.length >= 1 && list.length <= 64, `${who}: expected 1-64 channels, got ${list.length}`);
  const channels = list.map((c) => copyChannel(c, who));
  const frames = (channels[0] as Float32Array).length;
  require_(channels.every((c) => c.length === frames), `${who}: the channels differ in length (${channels.map((c) => c.length).join(', ')} frames)`);
  require_(resample === false || resample === true || typeof resample === 'string', `${who}: resample must be a boolean or a quality ('best', 'medium', ...)`);
  if (rate === sampleRate) return channels;
  if (resample === false) fail('SAMPLE_RATE_MISMATCH', `${who}: the audio is at ${rate} Hz and the module runs at ${sampleRate} Hz; ${howToResample}`);
  const r = new Resampler(channels.length, rate, sampleRate, resample === true ? 'best' : resample);
  return deinterleave(r.process(interleave(channels), true), channels.length);
}

/** Finds a slot by key. @throws INVALID_ARGUMENT naming the slots there are */
function slotIndex(info: NativeDspInfo, name: unknown, who: string): number {
  require_(typeof name === 'string', `${who}: the buffer name must be a string, got ${typeof name}`);
  const k = info.buffers.findIndex((b) => b.key === name);
  if (k < 0) {
    fail('INVALID_ARGUMENT', info.buffers.length
      ? `${who}: the module has no buffer slot "${name}" (it declares ${info.buffers.map((b) => `"${b.key}"`).join(', ')})`
      : `${who}: the module declares no buffer slots (jw_buffer_table; the SDK's SampleSlot)`);
  }
  return k;
}

/** Checks that `channels` fit slot `k`. @throws INVALID_ARGUMENT */
function checkFits(info: NativeDspInfo, k: number, channels: Float32Array[], who: string): void {
  const b = info.buffers[k]!;
  const frames = (channels[0] as Float32Array).length;
  if (channels.length > b.channels) fail('INVALID_ARGUMENT', `${who}: buffer slot "${b.key}" takes at most ${b.channels} channel(s), got ${channels.length}`);
  if (frames > b.frames) {
    fail('INVALID_ARGUMENT', `${who}: buffer slot "${b.key}" holds at most ${b.frames} frames (the module declares its capacity), got ${frames}`);
  }
}

/** load({ buffers }) and render({ buffers }), taken when the call is made: name -> channels at `sampleRate`. */
export function snapshotBuffers(buffers: unknown, sampleRate: number, who: string): Map<string, Float32Array[]> {
  const out = new Map<string, Float32Array[]>();
  if (buffers === undefined) return out;
  require_(typeof buffers === 'object' && buffers !== null && !Array.isArray(buffers), `${who}: buffers must be an object { name: audio }`);
  for (const [name, data] of Object.entries(buffers as Record<string, BufferData>)) {
    out.set(name, bufferChannels(data, sampleRate, `${who}: buffers.${name}`, false, 'convert it first (new Resampler(...), or loadBuffer(name, audio, { resample: true }) once it runs)'));
  }
  return out;
}

/** Writes a snapshot into region 0 of each slot of an instance that does not run yet; returns the hand-overs. */
export function writeInitialBuffers(dsp: NativeDsp, info: NativeDspInfo, buffers: Map<string, Float32Array[]>, who: string): { initial: NativeInitialBuffer[]; states: Map<number, SlotState> } {
  const initial: NativeInitialBuffer[] = [];
  const states = new Map<number, SlotState>();
  for (const [name, channels] of buffers) {
    const k = slotIndex(info, name, `${who}: buffers`);
    checkFits(info, k, channels, `${who}: buffers`);
    const frames = dsp.writeBuffer(k, 0, channels);
    initial.push([k, channels.length, frames, 1]);
    states.set(k, { told: 0, seq: 1, channels: channels.length, frames });
  }
  return { initial, states };
}

/** What ModuleBuffers needs from its module. */
export interface BufferHost {
  readonly name: string;
  readonly sampleRate: number;
  readonly active: boolean;
  readonly client: NativeClient;
  readonly id: number;
  /** The running instance. */
  dsp(): NativeDsp;
  info(): NativeDspInfo;
  assertLoaded(what: string): void;
}

/** The buffer slots of one running module: what each holds and the hand-over protocol. */
export class ModuleBuffers {
  #host: BufferHost;
  #states = new Map<number, SlotState>();

  constructor(host: BufferHost, initial: Map<number, SlotState> = new Map()) {
    this.#host = host;
    this.#states = initial;
  }

  /** The slots, with what each holds. */
  list(): BufferSlotInfo[] {
    return this.#host.info().buffers.map((b, k) => {
      const s = this.#states.get(k);
      return Object.freeze({ name: b.key, channels: b.channels, capacity: b.frames, frames: s?.frames ?? 0, loadedChannels: s?.channels ?? 0 });
    });
  }

  #acked(k: number, s: SlotState): boolean {
    const st = this.#host.client.dspStatus(this.#host.id);
    return s.seq === 0 || !st || st.bufferAcks[k] === s.seq;
  }

  /** Waits until hand-over `s` of slot `k` is taken: 'taken', or 'idle' once no cycles run (the client was deactivated). */
  async #waitAck(k: number, s: SlotState, timeoutMs: number, who: string, stuck: string): Promise<'taken' | 'idle'> {
    const client = this.#host.client;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#acked(k, s)) return 'taken';
      if (!client.isOpen()) fail('CLIENT_CLOSED', `${who}: the client closed`);
      if (client.isServerGone()) fail('SERVER_GONE', `${who}: the JACK server went away`);
      this.#host.assertLoaded(who);
      if (!this.#host.active) return 'idle';
      if (Date.now() > deadline) fail('AUDIO_THREAD_STUCK', `${who}: ${stuck}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Implements DspModule.loadBuffer with audio taken at the call (run one at a time with swaps and resets). */
  async load(name: string, channels: Float32Array[], timeoutMs: number): Promise<LoadBufferReport> {
    const who = `loadBuffer(${this.#host.name})`;
    this.#host.assertLoaded('DspModule.loadBuffer');
    const info = this.#host.info();
    const k = slotIndex(info, name, who);
    checkFits(info, k, channels, who);
    const prev = this.#states.get(k) ?? { told: -1, seq: 0, channels: 0, frames: 0 };
    // While cycles run, the module may still read the region a hand-over not
    // yet taken would make free: wait for it.
    if (this.#host.active && !this.#acked(k, prev)) {
      await this.#waitAck(k, prev, timeoutMs, who,
        `the audio thread did not take the previous buffer of slot "${name}" within ${timeoutMs} ms (is the server running cycles?); this one was not loaded (try again)`);
    }
    this.#host.assertLoaded('DspModule.loadBuffer');
    const client = this.#host.client;
    const trapBefore = client.dspStatus(this.#host.id)?.trap ?? 0;
    let next: SlotState;
    if (this.#acked(k, prev)) {
      // The module reads `told`: write the other region and queue a hand-over.
      const region = prev.told < 0 ? 0 : 1 - prev.told;
      const frames = this.#host.dsp().writeBuffer(k, region, channels);
      next = { told: region, seq: (prev.seq % 0xffffffff) + 1, channels: channels.length, frames };
      if (!client.dspPostBuffer(this.#host.id, k, region, channels.length, frames, next.seq)) fail('QUEUE_FULL', `${who}: the buffer queue to the audio thread is full`);
    } else {
      // No cycles run and a hand-over waits: the module still reads the
      // region before it, so rewrite the waiting one's and let it carry this audio.
      const frames = this.#host.dsp().writeBuffer(k, prev.told, channels);
      next = { told: prev.told, seq: prev.seq, channels: channels.length, frames };
      if (!client.dspPostBuffer(this.#host.id, k, prev.told, channels.length, frames, prev.seq, true)) fail('AUDIO_THREAD_STUCK', `${who}: cycles started while the buffer was written`);
    }
    this.#states.set(k, next);
    const report = { name, channels: channels.length, frames: next.frames, delivered: false };
    if (!this.#host.active) return report;
    const r = await this.#waitAck(k, next, timeoutMs, who,
      `the audio thread did not take the buffer within ${timeoutMs} ms (is the server running cycles?); it is in place and the module gets it when cycles run again`);
    if (r === 'idle') return report;
    const st = client.dspStatus(this.#host.id);
    if (st && st.trap && !trapBefore && ABI_EXPORTS[st.where]?.name === 'jw_buffer_ready') {
      // Rationale: not kept, or reset() would hand it over again and trap
      // again; the slot keeps what it had (still whole in the other region).
      this.#states.set(k, { told: prev.told, seq: next.seq, channels: prev.channels, frames: prev.frames });
      throw new JackError('DSP_TRAP', `${who}: module "${this.#host.name}" trapped in jw_buffer_ready when given buffer "${name}" (${TRAP_TEXT(st.trap)}); it is silent until reset(), and the slot keeps ${prev.frames ? 'the buffer loaded before' : 'nothing'}`);
    }
    return { ...report, delivered: true };
  }

  /** After a swap or reset whose new instance trapped in jw_buffer_ready at its first cycle: the buffers carried are not kept. */
  dropAfterTrap(carry: BufferCarry): void {
    for (const name of carry.carried) carry.dropped.push(`${name} (the new code trapped in jw_buffer_ready)`);
    carry.carried = [];
    this.#states = new Map();
  }

  /**
   * For a swap or reset: copies what each slot holds into region 0 of the
   * same-named slot of `next` (not running yet), where it fits. Returns the
   * hand-overs for dspSwap, the report, and the states to adopt with it.
   */
  carryTo(next: NativeDsp, nextInfo: NativeDspInfo): { initial: NativeInitialBuffer[]; report: BufferCarry; states: Map<number, SlotState> } {
    const initial: NativeInitialBuffer[] = [];
    const states = new Map<number, SlotState>();
    const report: BufferCarry = { carried: [], dropped: [] };
    const info = this.#host.info();
    for (const [k, s] of this.#states) {
      if (s.seq === 0 || s.told < 0) continue;
      const key = info.buffers[k]!.key;
      const nk = nextInfo.buffers.findIndex((b) => b.key === key);
      const nb = nextInfo.buffers[nk];
      if (!nb) {
        report.dropped.push(`${key} (not declared)`);
        continue;
      }
      if (nb.channels < s.channels || nb.frames < s.frames) {
        report.dropped.push(`${key} (holds ${nb.channels} x ${nb.frames} frames; ${s.channels} x ${s.frames} were loaded)`);
        continue;
      }
      next.copyBuffer(nk, this.#host.dsp(), k, s.told, s.channels, s.frames);
      initial.push([nk, s.channels, s.frames, s.seq]);
      states.set(nk, { told: 0, seq: s.seq, channels: s.channels, frames: s.frames });
      report.carried.push(key);
    }
    return { initial, report, states };
  }

  /** Takes over the states carryTo made, once the swap went through. */
  adopt(states: Map<number, SlotState>): void {
    this.#states = states;
  }
}

