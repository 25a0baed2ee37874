// biquad: a stereo RBJ-cookbook filter. Shows a multi-channel effect (2 in,
// 2 out) whose parameters are turned into derived state (coefficients) in
// paramChanged(), once per change rather than per sample. Both channels share
// one design; each has its own state. Parameter changes take effect at the
// next block without smoothing (fine for settings, not for sweeps).
import { Processor, register, Biquad, LOWPASS } from "../../dsp-asm";

const TYPE = 0;

class StereoBiquad extends Processor {
  left: Biquad = new Biquad();
  right: Biquad = new Biquad();

  constructor() {
    super("biquad", 2, 2);
    // 0 lowpass, 1 highpass, 2 bandpass, 3 notch, 4 peaking, 5 lowshelf, 6 highshelf
    this.addParam("type", "Type", 0, 6, <f32>LOWPASS);
    this.addParam("cutoff", "Cutoff", 20, 20000, 1000, "Hz");
    this.addParam("q", "Q", 0.1, 20, 0.7071, "");
    this.addParam("gain", "Gain", -24, 24, 0, "dB");
    this.keep("left", this.left); // a hot-swap carries the filter memory over
    this.keep("right", this.right);
  }

  paramChanged(index: i32, value: f32): void {
    const type = <i32>Mathf.round(this.param(TYPE));
    this.left.set(type, this.param(1), this.param(2), this.param(3), this.sampleRate);
    // Same coefficients on the right channel.
    const r = this.right, l = this.left;
    r.b0 = l.b0; r.b1 = l.b1; r.b2 = l.b2; r.a1 = l.a1; r.a2 = l.a2;
  }

  process(frames: i32): void {
    this.left.processBlock(this.input(0), this.output(0), frames);
    this.right.processBlock(this.input(1), this.output(1), frames);
  }
}

register(new StereoBiquad());
export * from "../../dsp-asm/abi";
