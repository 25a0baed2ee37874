// The jw_* exports of ABI v1 (docs/abi.md), delegating to the processor set
// with register(). A module re-exports them from its entry file:
//
//   export * from "../../dsp-asm/abi";        // no MIDI input
//   export * from "../../dsp-asm/abi-midi";   // the same plus jw_midi
//
// Everything exported here becomes a wasm export, so this file exports
// nothing but the jw_* functions.
import {
  current,
  isMidiExported,
  registered,
  JW_ERR_CHANNELS,
  JW_ERR_FRAMES,
  JW_ERR_MIDI,
  JW_ERR_NO_PROCESSOR,
  JW_ERR_PARAMS,
  JW_ERR_REINIT,
  JW_OK,
} from "./processor";
import { describeJson } from "./describe";
import { stateCount, stateTable } from "./state";
import { bufferCount, bufferReady, bufferTable } from "./buffers";
import { ringCount, ringTable } from "./rings";

let initialized: bool = false;
let describePtr: usize = 0;

/** [worker] The ABI version: 1. */
export function jw_abi(): i32 {
  return 1;
}

/** [worker] Allocates the channel buffers, runs the processor's init() and builds the describe JSON. */
export function jw_init(sampleRate: f32, maxFrames: i32): i32 {
  if (initialized) return JW_ERR_REINIT;
  const r = registered();
  if (r === null) return JW_ERR_NO_PROCESSOR;
  const p = r;
  if (<u32>p.numInputs > 64 || <u32>p.numOutputs > 64) return JW_ERR_CHANNELS;
  if (p.params.length > 1024) return JW_ERR_PARAMS;
  if (maxFrames < 1) return JW_ERR_FRAMES;
  if (<u32>p.midiInputs > 1 || <u32>p.midiOutputs > 1) return JW_ERR_MIDI;
  if (p.midiInputs > 0 && !isMidiExported()) return JW_ERR_MIDI;

  p.sampleRate = sampleRate;
  p.maxFrames = maxFrames;
  const ins = new StaticArray<Float32Array>(p.numInputs);
  for (let i = 0; i < p.numInputs; i++) ins[i] = new Float32Array(maxFrames);
  const outs = new StaticArray<Float32Array>(p.numOutputs);
  for (let i = 0; i < p.numOutputs; i++) outs[i] = new Float32Array(maxFrames);
  p.inputBuffers = ins;
  p.outputBuffers = outs;

  p.init(sampleRate, maxFrames);
  for (let i = 0; i < p.params.length; i++) p.paramChanged(i, p.params[i].value);
  describePtr = changetype<usize>(String.UTF8.encode(describeJson(p), true));
  initialized = true;
  return JW_OK;
}

/** [worker] Number of input channels. */
export function jw_inputs(): i32 {
  return current().numInputs;
}

/** [worker] Number of output channels. */
export function jw_outputs(): i32 {
  return current().numOutputs;
}

/** [worker] Byte offset of input channel `ch`'s buffer (0 for a channel that does not exist). */
export function jw_input(ch: i32): usize {
  const p = current();
  return <u32>ch < <u32>p.numInputs ? unchecked(p.inputBuffers[ch]).dataStart : 0;
}

/** [worker] Byte offset of output channel `ch`'s buffer (0 for a channel that does not exist). */
export function jw_output(ch: i32): usize {
  const p = current();
  return <u32>ch < <u32>p.numOutputs ? unchecked(p.outputBuffers[ch]).dataStart : 0;
}

/** [audio-thread] Runs the processor over `frames` samples (clamped to 1..maxFrames). */
export function jw_process(frames: i32): void {
  const p = current();
  if (frames > p.maxFrames) frames = p.maxFrames;
  if (frames < 1) return;
  p.started = true;
  p.process(frames);
}

/** [worker] Number of parameters. */
export function jw_param_count(): i32 {
  return current().params.length;
}

/**
 * [audio-thread] Sets parameter `index` to `value` clamped to its range;
 * ignores unknown indices and NaN. Calls paramChanged() when the value changes.
 */
export function jw_param_set(index: i32, value: f32): void {
  const p = current();
  if (<u32>index >= <u32>p.params.length) return;
  if (isNaN(value)) return;
  const prm = unchecked(p.params[index]);
  const v = value < prm.min ? prm.min : value > prm.max ? prm.max : value;
  if (v == prm.value) return;
  prm.value = v;
  p.paramChanged(index, v);
}

/** [worker] Current value of parameter `index` (NaN for an unknown index). */
export function jw_param_get(index: i32): f32 {
  const p = current();
  if (<u32>index >= <u32>p.params.length) return NaN;
  return unchecked(p.params[index]).value;
}

/** [worker] Byte offset of the NUL-terminated UTF-8 describe JSON (built in jw_init). */
export function jw_describe(): usize {
  return describePtr;
}

/** [worker] Where the host writes the transport before each block (0: the processor did not ask). */
export function jw_transport(): usize {
  const t = current().transport;
  return t === null ? 0 : t.ptr;
}

/** [worker] Number of declared state entries (Processor.keep), read after jw_init. */
export function jw_state_count(): i32 {
  return stateCount();
}

/** [worker] Byte offset of the declared-state table: jw_state_count() records {keyOffset, keyLength, offset, length}. */
export function jw_state_table(): usize {
  return stateTable();
}

/** [worker] Number of buffer slots (SampleSlot), read after jw_init. */
export function jw_buffer_count(): i32 {
  return bufferCount();
}

/** [worker] Byte offset of the buffer table: jw_buffer_count() records {keyOffset, keyLength, channels, frames, region0, region1}. */
export function jw_buffer_table(): usize {
  return bufferTable();
}

/** [audio-thread] Region `region` of slot `slot` now holds `frames` frames of `channels` channels (DspModule.loadBuffer). */
export function jw_buffer_ready(slot: i32, region: i32, channels: i32, frames: i32): void {
  bufferReady(slot, region, channels, frames);
}

/** [worker] Number of rings (ModuleRing), read after jw_init. */
export function jw_ring_count(): i32 {
  return ringCount();
}

/** [worker] Byte offset of the ring table: jw_ring_count() records {keyOffset, keyLength, direction, header, data, size}. */
export function jw_ring_table(): usize {
  return ringTable();
}
