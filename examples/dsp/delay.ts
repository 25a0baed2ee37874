// delay: a stereo feedback delay. Shows allocation in init() (DelayLine needs
// the sample rate to size itself), per-sample smoothing of a parameter that
// would otherwise click (the delay time, read fractionally so it glides like
// a tape delay) and the read-before-write feedback pattern.
import { Processor, register, DelayLine, Smoother } from "../../dsp-asm";

const TIME = 0;
const FEEDBACK = 1;
const MIX = 2;
const MAX_SECONDS: f32 = 2;

class Delay extends Processor {
  // Created in init(); the placeholders keep the fields non-null.
  lineL: DelayLine = new DelayLine(1);
  lineR: DelayLine = new DelayLine(1);
  time: Smoother = new Smoother(0); // in samples
  feedback: Smoother = new Smoother(0);
  mix: Smoother = new Smoother(0);

  constructor() {
    super("delay", 2, 2);
    this.addParam("time", "Time", 1, 2000, 300, "ms");
    this.addParam("feedback", "Feedback", 0, 0.95, 0.4, "");
    this.addParam("mix", "Mix", 0, 1, 0.5, "");
  }

  init(sampleRate: f32, maxFrames: i32): void {
    const n = <i32>Mathf.ceil(MAX_SECONDS * sampleRate) + 1;
    this.lineL = new DelayLine(n);
    this.lineR = new DelayLine(n);
    this.time.setTime(0.05, sampleRate);
    this.feedback.setTime(0.01, sampleRate);
    this.mix.setTime(0.01, sampleRate);
    // A hot-swap keeps the echoes that are under way.
    this.keep("lineL", this.lineL);
    this.keep("lineR", this.lineR);
    this.keep("time", this.time);
    this.keep("feedback", this.feedback);
    this.keep("mix", this.mix);
  }

  paramChanged(index: i32, value: f32): void {
    let s = this.mix;
    let v = value;
    if (index == TIME) {
      s = this.time;
      v = (value * this.sampleRate) / 1000; // ms -> samples (exact for whole-sample times)
    } else if (index == FEEDBACK) {
      s = this.feedback;
    }
    if (this.started) s.setTarget(v);
    else s.reset(v);
  }

  process(frames: i32): void {
    const inL = this.input(0), inR = this.input(1);
    const outL = this.output(0), outR = this.output(1);
    const lineL = this.lineL, lineR = this.lineR;
    const time = this.time, feedback = this.feedback, mix = this.mix;
    for (let i = 0; i < frames; i++) {
      const d = time.next();
      const fb = feedback.next();
      const wet = mix.next();
      const dry: f32 = 1.0 - wet;
      const xl = unchecked(inL[i]);
      const xr = unchecked(inR[i]);
      const yl = lineL.read(d);
      const yr = lineR.read(d);
      lineL.write(xl + fb * yl);
      lineR.write(xr + fb * yr);
      unchecked((outL[i] = dry * xl + wet * yl));
      unchecked((outR[i] = dry * xr + wet * yr));
    }
  }
}

register(new Delay());
export * from "../../dsp-asm/abi";
