// The ABI exports of abi.ts plus jw_midi, for processors with a MIDI input
// (midiInputs = 1). Exporting jw_midi is what gives a module its MIDI input
// port in the host, so modules without MIDI export abi.ts instead.
import { current, markMidiExported } from "./processor";

export * from "./abi";

markMidiExported();

/** [audio-thread] One short MIDI message, before jw_process of the block that contains it. */
export function jw_midi(frameOffset: i32, status: i32, data1: i32, data2: i32): void {
  const p = current();
  p.midiFrame = frameOffset;
  p.midi(status & 0xff, data1 & 0x7f, data2 & 0x7f);
}
