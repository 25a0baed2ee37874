// The Processor base class: what a DSP author subclasses. The ABI glue in
// abi.ts (and abi-midi.ts) calls into the registered processor; see
// docs/abi.md for the contract with the host.
//
// Lifecycle (one instance per module instance):
//   1. module start:  the author's top-level `register(new MyProcessor())`
//                     runs the constructor. Declare channels, params and MIDI
//                     ports there (allocation is fine).
//   2. jw_init:       the SDK allocates the input/output buffers (maxFrames f32
//                     each), calls init(sampleRate, maxFrames), then
//                     paramChanged(i, default) for every param, and builds the
//                     describe JSON. Allocate delay lines, tables etc. here.
//   3. audio thread:  jw_param_set -> paramChanged, jw_midi -> midi ->
//                     noteOn/noteOff, jw_process -> process(frames).
//                     Never allocate here (the stub runtime never frees, and
//                     memory.grow fails on the audio thread).

import { keepArrayBytes, keepBytes } from "./state";
import { Transport } from "./transport";

/** One parameter, as declared with `Processor.addParam`. */
export class Param {
  /** Current value, always within [min, max]. */
  value: f32;
  constructor(
    public id: string,
    public name: string,
    public min: f32,
    public max: f32,
    public def: f32,
    public unit: string,
  ) {
    this.value = def;
  }
}

export abstract class Processor {
  /** Module name and version for jw_describe. */
  name: string;
  version: string = "1.0.0";
  /** Audio channel counts, 0..64. */
  numInputs: i32;
  numOutputs: i32;
  /**
   * MIDI ports for jw_describe. A module with midiInputs = 1 must export the
   * ABI from dsp-asm/abi-midi (which adds jw_midi); jw_init fails with
   * JW_ERR_MIDI otherwise. midiOutputs = 1 is needed for midiOut().
   */
  midiInputs: i32 = 0;
  midiOutputs: i32 = 0;
  /** Set by jw_init before init() is called. */
  sampleRate: f32 = 0;
  maxFrames: i32 = 0;
  /** False until the first jw_process: parameters set before that can jump instead of being smoothed. */
  started: bool = false;
  /** Frame offset (within the next block) of the MIDI event being handled by midi()/noteOn()/noteOff(). */
  midiFrame: i32 = 0;

  params: Array<Param> = new Array<Param>();
  /** The transport at the start of the block being processed, after useTransport() (null before). */
  transport: Transport | null = null;
  // Allocated in jw_init (never null afterwards).
  inputBuffers: StaticArray<Float32Array> = new StaticArray<Float32Array>(0);
  outputBuffers: StaticArray<Float32Array> = new StaticArray<Float32Array>(0);

  constructor(name: string, inputs: i32, outputs: i32) {
    this.name = name;
    this.numInputs = inputs;
    this.numOutputs = outputs;
  }

  /**
   * Declares parameter number `params.length` and returns its index. Call in
   * the constructor. `def` is clamped into [min, max].
   */
  addParam(id: string, name: string, min: f32, max: f32, def: f32, unit: string = ""): i32 {
    const d = def < min ? min : def > max ? max : def;
    this.params.push(new Param(id, name, min, max, d, unit));
    return this.params.length - 1;
  }

  // ---- hooks -------------------------------------------------------------

  /** Called once from jw_init after the audio buffers exist. Allocate here. */
  init(sampleRate: f32, maxFrames: i32): void {}

  /** Reads `frames` samples from input(ch), writes `frames` samples to output(ch). */
  abstract process(frames: i32): void;

  /**
   * A parameter changed: called from jw_init for every default (after
   * init()), and from jw_param_set whenever the (clamped) value differs from
   * the current one. `this.param(index)` already returns `value`.
   */
  paramChanged(index: i32, value: f32): void {}

  /**
   * One short MIDI message (running status is never seen: `status` is always
   * a status byte). `this.midiFrame` holds the event's frame offset in the
   * next block. The default dispatches note on/off (note on with velocity 0
   * is a note off) and ignores everything else.
   */
  midi(status: i32, data1: i32, data2: i32): void {
    const type = status & 0xf0;
    if (type == 0x90) {
      if (data2 > 0) this.noteOn(data1, data2);
      else this.noteOff(data1);
    } else if (type == 0x80) {
      this.noteOff(data1);
    }
  }

  /** Note on, velocity 1..127 (any channel). */
  noteOn(note: i32, velocity: i32): void {}

  /** Note off (or note on with velocity 0), any channel. */
  noteOff(note: i32): void {}

  /**
   * Asks the host for the transport and tempo before every block (call in
   * the constructor); process() then reads `this.transport!`.
   */
  useTransport(): Transport {
    let t = this.transport;
    if (t === null) this.transport = t = new Transport();
    return t;
  }

  // ---- declared state (hot-swap) -----------------------------------------

  /**
   * Declares `obj` (an SDK building block: an oscillator, Biquad, Smoother,
   * Adsr, DelayLine, Voices, ...) as state named `key`, so that swap()
   * carries it to the next version of this module. Call in init(), after
   * creating it. Keys are unique and contain no '.'.
   */
  keep<T>(key: string, obj: T): void {
    if (isDefined(obj.keepState)) obj.keepState(key);
    else ERROR("keep(): this type does not declare its state (use keepArray or keepTyped for plain data)");
  }

  /**
   * Declares a StaticArray as state: its numbers, or for an array of SDK
   * building blocks each element as "<key>.<index>".
   */
  keepArray<T>(key: string, a: StaticArray<T>): void {
    if (isReference<T>()) {
      for (let i = 0; i < a.length; i++) this.keep(key + "." + i.toString(), unchecked(a[i]));
    } else {
      keepArrayBytes(key, a);
    }
  }

  /** Declares the data of a typed array (Float32Array, ...) as state. */
  keepTyped(key: string, a: ArrayBufferView): void {
    keepBytes(key, a.dataStart, <usize>a.byteLength);
  }

  // ---- accessors for process() --------------------------------------------

  /** Input channel `ch`'s buffer (maxFrames samples). Unchecked: 0 <= ch < numInputs. */
  @inline input(ch: i32): Float32Array {
    return unchecked(this.inputBuffers[ch]);
  }

  /** Output channel `ch`'s buffer (maxFrames samples). Unchecked: 0 <= ch < numOutputs. */
  @inline output(ch: i32): Float32Array {
    return unchecked(this.outputBuffers[ch]);
  }

  /** Current value of parameter `index`. Unchecked: 0 <= index < params.length. */
  @inline param(index: i32): f32 {
    return unchecked(this.params[index]).value;
  }

  /** Number of declared parameters. */
  @inline get paramCount(): i32 {
    return this.params.length;
  }
}

// ---- registration -----------------------------------------------------------

/** jw_init result codes (any non-zero code is a load error in the host). */
export const JW_OK: i32 = 0;
/** No processor: the module never called register(). */
export const JW_ERR_NO_PROCESSOR: i32 = 1;
/** numInputs or numOutputs outside 0..64. */
export const JW_ERR_CHANNELS: i32 = 2;
/** More than 1024 parameters. */
export const JW_ERR_PARAMS: i32 = 3;
/** maxFrames < 1. */
export const JW_ERR_FRAMES: i32 = 4;
/** midiInputs/midiOutputs outside 0..1, or midiInputs = 1 without dsp-asm/abi-midi. */
export const JW_ERR_MIDI: i32 = 5;
/** jw_init called twice. */
export const JW_ERR_REINIT: i32 = 6;

let active: Processor | null = null;
let midiExported: bool = false;

/** Makes `p` the module's processor. Call once at the top level of the module. */
export function register(p: Processor): void {
  active = p;
}

/** @internal The registered processor (null before register()). */
export function registered(): Processor | null {
  return active;
}

/** @internal The registered processor, without a null check (only after a successful jw_init). */
@inline export function current(): Processor {
  return changetype<Processor>(active);
}

/** @internal Called by abi-midi.ts at module start: jw_midi is exported. */
export function markMidiExported(): void {
  midiExported = true;
}

/** @internal */
export function isMidiExported(): bool {
  return midiExported;
}
