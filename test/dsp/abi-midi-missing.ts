// Test module: declares a MIDI input but exports dsp-asm/abi (no jw_midi):
// jw_init must fail with JW_ERR_MIDI (5).
import { Processor, register } from "../../dsp-asm";

class NeedsMidi extends Processor {
  constructor() {
    super("needs-midi", 0, 1);
    this.midiInputs = 1;
  }
  process(frames: i32): void {}
}

register(new NeedsMidi());
export * from "../../dsp-asm/abi";
