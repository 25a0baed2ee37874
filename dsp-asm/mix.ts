// Gain and constant-power panning (f32).
import { dbToGain } from "./units";
import { Smoother } from "./smoother";

/** Multiplies `frames` samples of `buf` by `gain` in place. */
export function applyGain(buf: Float32Array, frames: i32, gain: f32): void {
  frames = min(frames, buf.length);
  for (let i = 0; i < frames; i++) unchecked((buf[i] = buf[i] * gain));
}

/** Adds `frames` samples of `src`·`gain` into `dst`. */
export function mixInto(dst: Float32Array, src: Float32Array, frames: i32, gain: f32): void {
  frames = min(frames, min(dst.length, src.length));
  for (let i = 0; i < frames; i++) unchecked((dst[i] = dst[i] + src[i] * gain));
}

/** A gain with a one-pole smoother on the linear factor (default 10 ms). */
export class Gain {
  smoother: Smoother = new Smoother(1);

  /** Declared state (Processor.keep): the smoothed gain. */
  keepState(key: string): void {
    this.smoother.keepState(key);
  }

  /** Smoothing time constant in seconds. */
  setTime(seconds: f32, sampleRate: f32): void {
    this.smoother.setTime(seconds, sampleRate);
  }

  /** Glides to `gain` (linear); with immediate = true jumps there. */
  setGain(gain: f32, immediate: bool = false): void {
    if (immediate) this.smoother.reset(gain);
    else this.smoother.setTarget(gain);
  }

  /** setGain(dbToGain(db)). */
  setDb(db: f32, immediate: bool = false): void {
    this.setGain(dbToGain(db), immediate);
  }

  /** One sample. */
  @inline process(x: f32): f32 {
    return x * this.smoother.next();
  }

  /** `frames` samples of `input` into `output` (may be the same array). */
  processBlock(input: Float32Array, output: Float32Array, frames: i32): void {
    frames = min(frames, min(input.length, output.length));
    const s = this.smoother;
    const ip = input.dataStart, op = output.dataStart;
    if (s.settled) {
      const g = s.value;
      for (let i = 0; i < frames; i++) {
        const o = <usize>i << 2;
        store<f32>(op + o, load<f32>(ip + o) * g);
      }
    } else {
      for (let i = 0; i < frames; i++) {
        const o = <usize>i << 2;
        store<f32>(op + o, load<f32>(ip + o) * s.next());
      }
    }
  }
}

/**
 * Constant-power pan: pan −1 (left) .. 0 (centre, both −3.01 dB) .. +1
 * (right); left = cos(θ), right = sin(θ) with θ = (pan + 1)·π/4, computed
 * in f64 and rounded to f32, so left² + right² = 1.
 */
export class Pan {
  left: f32 = <f32>Math.SQRT1_2;
  right: f32 = <f32>Math.SQRT1_2;

  set(pan: f32): void {
    let p = <f64>pan;
    if (!(p >= -1)) p = -1;
    if (p > 1) p = 1;
    const theta = (p + 1.0) * (Math.PI / 4.0);
    this.left = <f32>Math.cos(theta);
    this.right = <f32>Math.sin(theta);
  }

  @inline leftOf(x: f32): f32 {
    return x * this.left;
  }

  @inline rightOf(x: f32): f32 {
    return x * this.right;
  }

  /** Pans mono `input` into `outL`/`outR`. */
  processBlock(input: Float32Array, outL: Float32Array, outR: Float32Array, frames: i32): void {
    frames = min(frames, min(input.length, min(outL.length, outR.length)));
    const l = this.left, r = this.right;
    for (let i = 0; i < frames; i++) {
      const x = unchecked(input[i]);
      unchecked((outL[i] = x * l));
      unchecked((outR[i] = x * r));
    }
  }
}
