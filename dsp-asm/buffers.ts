// Buffer slots (docs/abi.md, "Buffers"): audio that JS loads into the module
// while it runs (DspModule.loadBuffer): samples, impulse responses,
// wavetables. A slot is two regions of `channels` x `capacity` f32 samples;
// the host fills the one the module is not reading, then the SDK switches
// to it at the start of a cycle (jw_buffer_ready), so reads never see a
// half-written buffer and the audio thread copies nothing.
//
// Create slots in the processor's constructor or init() (their memory is
// allocated then; the capacity is fixed). Reading: `frames`/`channels` say
// what is loaded; `read(ch, i)` and `readAt(ch, pos)` return 0 outside it,
// so a voice that plays past the end (or a slot that got shorter) is silent.
// `generation` counts hand-overs, for code that must notice new audio.

let slots = new Array<SampleSlot>();
let table: StaticArray<u32> | null = null;

export class SampleSlot {
  /** The name loadBuffer uses. */
  readonly key: string;
  /** Most channels the slot takes. */
  readonly maxChannels: i32;
  /** Most frames per channel the slot takes. */
  readonly capacity: i32;
  /** Channels loaded (0: nothing yet). */
  channels: i32 = 0;
  /** Frames per channel loaded. */
  frames: i32 = 0;
  /** Hand-overs so far (0: nothing loaded yet). */
  generation: i32 = 0;

  private keyBytes: ArrayBuffer;
  private region0: StaticArray<f32>;
  private region1: StaticArray<f32>;
  private data: usize = 0; // the region the module reads

  /** A slot named `key` (1-256 UTF-8 bytes, unique) of up to `channels` (1-64) x `capacity` frames. */
  constructor(key: string, channels: i32, capacity: i32) {
    if (table !== null) abort("SampleSlot: create slots in the constructor or init(), not later");
    if (channels < 1 || channels > 64) abort("SampleSlot: channels must be 1..64");
    if (capacity < 1) abort("SampleSlot: capacity must be at least one frame");
    const k = String.UTF8.encode(key);
    if (k.byteLength < 1 || k.byteLength > 256) abort("SampleSlot: a key is 1-256 UTF-8 bytes");
    this.key = key;
    this.keyBytes = k;
    this.maxChannels = channels;
    this.capacity = capacity;
    this.region0 = new StaticArray<f32>(channels * capacity);
    this.region1 = new StaticArray<f32>(channels * capacity);
    slots.push(this);
  }

  /** Sample `i` of channel `ch` (a channel beyond those loaded reads the last one, so mono plays on every side); 0 outside the audio. */
  @inline read(ch: i32, i: i32): f32 {
    if (<u32>i >= <u32>this.frames) return 0;
    const c = ch < this.channels ? ch : this.channels - 1;
    return load<f32>(this.data + ((<usize>c * <usize>this.capacity + <usize>i) << 2));
  }

  /** Channel `ch` at fractional frame `pos`, interpolated linearly (exact at whole frames); 0 outside the audio. */
  @inline readAt(ch: i32, pos: f64): f32 {
    const i = <i32>Math.floor(pos);
    const a = this.read(ch, i);
    const t = <f32>(pos - <f64>i);
    return t == 0 ? a : a + (this.read(ch, i + 1) - a) * t;
  }

  /** [audio-thread] Called by jw_buffer_ready: `region` now holds the audio. */
  ready(region: i32, channels: i32, frames: i32): void {
    this.data = changetype<usize>(region ? this.region1 : this.region0);
    this.channels = channels < 1 ? 1 : channels > this.maxChannels ? this.maxChannels : channels;
    this.frames = frames < 0 ? 0 : frames > this.capacity ? this.capacity : frames;
    this.generation++;
  }

  /** [worker] This slot's record for jw_buffer_table. */
  writeRecord(t: StaticArray<u32>, at: i32): void {
    unchecked((t[at] = <u32>changetype<usize>(this.keyBytes)));
    unchecked((t[at + 1] = <u32>this.keyBytes.byteLength));
    unchecked((t[at + 2] = <u32>this.maxChannels));
    unchecked((t[at + 3] = <u32>this.capacity));
    unchecked((t[at + 4] = <u32>changetype<usize>(this.region0)));
    unchecked((t[at + 5] = <u32>changetype<usize>(this.region1)));
  }
}

/** [worker] Number of slots (jw_buffer_count). */
export function bufferCount(): i32 {
  return slots.length;
}

/** [worker] The table jw_buffer_table returns, built on first use (after jw_init). */
export function bufferTable(): usize {
  let t = table;
  if (t === null) {
    t = new StaticArray<u32>(slots.length * 6);
    for (let i = 0; i < slots.length; i++) unchecked(slots[i]).writeRecord(t, i * 6);
    table = t;
  }
  return changetype<usize>(t);
}

/** [audio-thread] jw_buffer_ready: hands the region to its slot (unknown slots are ignored). */
export function bufferReady(slot: i32, region: i32, channels: i32, frames: i32): void {
  if (<u32>slot < <u32>slots.length) unchecked(slots[slot]).ready(region, channels, frames);
}
