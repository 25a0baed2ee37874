// The jw_* exports of a Faust program with MIDI input: polyphonic programs
// and programs whose controls carry [midi:ctrl N] or [midi:pitchwheel].
export * from "./abi";
import * as rt from "./runtime";

/** [audio-thread] One MIDI message, applied at frame `frameOffset` of the coming jw_process block. */
export function jw_midi(frameOffset: i32, status: i32, data1: i32, data2: i32): void {
  rt.queueMidi(frameOffset, status, data1, data2);
}
