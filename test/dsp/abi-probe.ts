// Test module: exercises the Processor/ABI glue. 2 inputs, 3 outputs, three
// params, a MIDI input and output. It logs what the SDK calls (allocating
// strings, which only a test module may do on the audio thread).
//   out0 = in0 + param(0), out1 = in1 * param(1)
//   out2 = 0 except note number / 128 at the frame of each note on, and
//          -(note / 128) at each note off
//   process() echoes each note on as midiOut(frame, 0x90, note + 12, velocity).
import { Processor, register, log, midiOut } from "../../dsp-asm";

class Probe extends Processor {
  events: StaticArray<i32> = new StaticArray<i32>(3 * 64);
  count: i32 = 0;

  constructor() {
    super('probe "quoted" \\ ünïcode 🎵\n', 2, 3);
    this.version = "0.0.1";
    this.midiInputs = 1;
    this.midiOutputs = 1;
    this.addParam("offset", "Offset", -1, 1, 0.25);
    this.addParam("scale", "Scale", 0, 10, 2, "x");
    this.addParam("tiny", "Tiny \"q\"", -0.1, 1e-7, 5); // default clamps to 1e-7
  }

  init(sampleRate: f32, maxFrames: i32): void {
    log("init " + sampleRate.toString() + " " + maxFrames.toString() + " in=" + this.input(1).length.toString());
    log("\ud83c\udfb5 lone \ud800 end"); // surrogate pair -> 4 bytes, lone surrogate -> U+FFFD
    log("é".repeat(200)); // 400 bytes: cut at 254 (127 whole characters)
  }

  paramChanged(index: i32, value: f32): void {
    log("param " + index.toString() + " " + value.toString() + (this.started ? " running" : " initial"));
  }

  noteOn(note: i32, velocity: i32): void {
    log("on " + note.toString() + " " + velocity.toString() + " @" + this.midiFrame.toString());
    this.push(note, velocity);
  }

  noteOff(note: i32): void {
    log("off " + note.toString() + " @" + this.midiFrame.toString());
    this.push(note, 0);
  }

  push(note: i32, velocity: i32): void {
    const c = this.count;
    this.events[3 * c] = this.midiFrame;
    this.events[3 * c + 1] = note;
    this.events[3 * c + 2] = velocity;
    this.count = c + 1;
  }

  process(frames: i32): void {
    const a = this.param(0), b = this.param(1);
    const in0 = this.input(0), in1 = this.input(1);
    const out0 = this.output(0), out1 = this.output(1), out2 = this.output(2);
    for (let i = 0; i < frames; i++) {
      out0[i] = in0[i] + a;
      out1[i] = in1[i] * b;
      out2[i] = 0;
    }
    for (let e = 0; e < this.count; e++) {
      const frame = this.events[3 * e], note = this.events[3 * e + 1], vel = this.events[3 * e + 2];
      out2[frame] = vel > 0 ? <f32>note / 128 : -(<f32>note / 128);
      if (vel > 0) midiOut(frame, 0x90, note + 12, vel);
    }
    this.count = 0;
  }
}

register(new Probe());
export * from "../../dsp-asm/abi-midi";
