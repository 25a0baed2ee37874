// The jw_* exports of a Faust program without MIDI input (docs/faust.md);
// the generated entry file re-exports them. Everything exported here becomes
// a wasm export.
import * as rt from "./runtime";

/** [worker] The ABI version: 1. */
export function jw_abi(): i32 {
  return 1;
}
/** [worker] Allocates the Faust instance(s) and buffers, and runs Faust's init. */
export function jw_init(sampleRate: f32, maxFrames: i32): i32 {
  return rt.init(sampleRate, maxFrames);
}
/** [worker] */
export function jw_inputs(): i32 {
  return rt.inputs();
}
/** [worker] */
export function jw_outputs(): i32 {
  return rt.outputs();
}
/** [worker] */
export function jw_input(ch: i32): i32 {
  return rt.inputAt(ch);
}
/** [worker] */
export function jw_output(ch: i32): i32 {
  return rt.outputAt(ch);
}
/** [audio-thread] Faust's compute, for one instance or every sounding voice. */
export function jw_process(frames: i32): void {
  rt.process(frames);
}
/** [worker] */
export function jw_param_count(): i32 {
  return rt.paramCount();
}
/** [audio-thread] */
export function jw_param_set(index: i32, value: f32): void {
  rt.setParam(index, value);
}
/** [worker] */
export function jw_param_get(index: i32): f32 {
  return rt.getParam(index);
}
/** [worker] The describe document built by the host from Faust's JSON. */
export function jw_describe(): i32 {
  return rt.describe();
}
