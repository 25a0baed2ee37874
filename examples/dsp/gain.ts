// gain: the smallest useful module. Shows the shape of every module: a
// Processor subclass declaring channels and a parameter, register(), and the
// ABI re-export. One parameter, "gain" in dB, smoothed (10 ms) while running
// so changes do not click; values set before the first block apply at once.
import { Processor, register, Gain, dbToGain } from "../../dsp-asm";

class GainProcessor extends Processor {
  gain: Gain = new Gain();

  constructor() {
    super("gain", 1, 1);
    this.addParam("gain", "Gain", -60, 24, 0, "dB");
  }

  init(sampleRate: f32, maxFrames: i32): void {
    this.gain.setTime(0.01, sampleRate);
    this.keep("gain", this.gain); // a hot-swap carries the smoothed gain over
  }

  paramChanged(index: i32, value: f32): void {
    this.gain.setGain(dbToGain(value), !this.started);
  }

  process(frames: i32): void {
    this.gain.processBlock(this.input(0), this.output(0), frames);
  }
}

register(new GainProcessor());
export * from "../../dsp-asm/abi";
