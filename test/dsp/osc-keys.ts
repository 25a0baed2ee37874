// Test module (OSC addressing): parameters named "note" and "midi" beside a
// MIDI input. Its output is the last note-on's key number.
import { Processor, register } from "../../dsp-asm";

class Keys extends Processor {
  key: f32 = 0;

  constructor() {
    super("keys", 0, 1);
    this.midiInputs = 1;
    this.addParam("note", "Note", 0, 127, 0);
    this.addParam("midi", "Midi", 0, 1, 0);
  }

  noteOn(note: i32, velocity: i32): void {
    this.key = <f32>note;
  }

  process(frames: i32): void {
    const out = this.output(0);
    for (let i = 0; i < frames; i++) unchecked((out[i] = this.key));
  }
}

register(new Keys());
export * from "../../dsp-asm/abi-midi";
