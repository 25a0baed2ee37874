// tempo-delay: a stereo feedback delay whose time is a note value at the
// song's tempo. Shows reading the transport (useTransport): the tempo comes
// from JACK's timebase master (any client, e.g. client.setTimebase), or from
// the "bpm" parameter when nobody provides one. The delay follows a tempo
// change at the first block that sees it (the time jumps there, sample-exact;
// each echo already in the line keeps its place).
import { Processor, register, DelayLine, Smoother } from "../../dsp-asm";

const DIVISION = 0;
const FEEDBACK = 1;
const MIX = 2;
const BPM = 3;
// Beats per echo for each "division": 1/4, 1/8, dotted 1/8, 1/8 triplet, 1/16.
const BEATS: StaticArray<f64> = [1.0, 0.5, 0.75, 1.0 / 3.0, 0.25];
const MAX_SECONDS: f32 = 4;

class TempoDelay extends Processor {
  lineL: DelayLine = new DelayLine(1);
  lineR: DelayLine = new DelayLine(1);
  feedback: Smoother = new Smoother(0);
  mix: Smoother = new Smoother(0);
  /** The delay in samples used by the last block (for tests and meters). */
  delaySamples: i32 = 0;

  constructor() {
    super("tempo-delay", 2, 2);
    this.addParam("division", "Division", 0, 4, 1); // 0 1/4, 1 1/8, 2 dotted 1/8, 3 1/8 triplet, 4 1/16
    this.addParam("feedback", "Feedback", 0, 0.95, 0.35);
    this.addParam("mix", "Mix", 0, 1, 0.35);
    this.addParam("bpm", "Tempo without a timebase master", 20, 300, 120, "bpm");
    this.useTransport();
  }

  init(sampleRate: f32, maxFrames: i32): void {
    const n = <i32>Mathf.ceil(MAX_SECONDS * sampleRate) + 1;
    this.lineL = new DelayLine(n);
    this.lineR = new DelayLine(n);
    this.feedback.setTime(0.01, sampleRate);
    this.mix.setTime(0.01, sampleRate);
    this.keep("lineL", this.lineL);
    this.keep("lineR", this.lineR);
    this.keep("feedback", this.feedback);
    this.keep("mix", this.mix);
  }

  paramChanged(index: i32, value: f32): void {
    if (index == FEEDBACK) {
      if (this.started) this.feedback.setTarget(value);
      else this.feedback.reset(value);
    } else if (index == MIX) {
      if (this.started) this.mix.setTarget(value);
      else this.mix.reset(value);
    }
  }

  process(frames: i32): void {
    // The tempo at this block's first sample.
    const t = this.transport!;
    const bpm: f64 = t.hasTempo && t.bpm > 0 ? t.bpm : <f64>this.param(BPM);
    const beats = unchecked(BEATS[<i32>Mathf.round(this.param(DIVISION))]);
    let d = <i32>Math.round((60.0 / bpm) * beats * <f64>this.sampleRate);
    const max = this.lineL.maxDelay;
    d = d < 1 ? 1 : d > max ? max : d;
    this.delaySamples = d;
    const inL = this.input(0), inR = this.input(1);
    const outL = this.output(0), outR = this.output(1);
    const lineL = this.lineL, lineR = this.lineR;
    const feedback = this.feedback, mix = this.mix;
    for (let i = 0; i < frames; i++) {
      const fb = feedback.next();
      const wet = mix.next();
      const dry: f32 = 1.0 - wet;
      const xl = unchecked(inL[i]);
      const xr = unchecked(inR[i]);
      const yl = lineL.readInt(d);
      const yr = lineR.readInt(d);
      lineL.write(xl + fb * yl);
      lineR.write(xr + fb * yr);
      unchecked((outL[i] = dry * xl + wet * yl));
      unchecked((outR[i] = dry * xr + wet * yr));
    }
  }
}

register(new TempoDelay());
export * from "../../dsp-asm/abi";
