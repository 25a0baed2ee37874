// One-pole parameter smoother (f32): v += (target − v)·coef per sample, with
// coef = 1 − exp(−1/(time·sampleRate)), so v covers 63% of a step in `time`
// seconds (99% in about 4.6·time). When a step no longer changes v (the
// remaining difference is below v's precision), v snaps to the target.
import { keepField } from "./state";

export class Smoother {
  value: f32;
  target: f32;
  coef: f32 = 1;

  /** Declared state (Processor.keep): the current value (the target is the new code's). */
  keepState(key: string): void {
    keepField(key + ".value", this, offsetof<Smoother>("value"), 4);
  }

  constructor(initial: f32 = 0) {
    this.value = initial;
    this.target = initial;
  }

  /** Time constant in seconds (0 = no smoothing). */
  setTime(seconds: f32, sampleRate: f32): void {
    const n = <f64>seconds * <f64>sampleRate;
    this.coef = n > 0 ? <f32>(1.0 - Math.exp(-1.0 / n)) : 1;
  }

  /** Glides towards `target` from the current value. */
  @inline setTarget(target: f32): void {
    this.target = target;
  }

  /** Jumps to `value` (no glide). */
  reset(value: f32): void {
    this.value = value;
    this.target = value;
  }

  /** True once the value has reached the target. */
  @inline get settled(): bool {
    return this.value == this.target;
  }

  /** Advances one sample and returns the new value. */
  @inline next(): f32 {
    const v = this.value;
    const t = this.target;
    let nv = v + (t - v) * this.coef;
    if (nv == v) nv = t;
    this.value = nv;
    return nv;
  }

  /** Advances `frames` samples at once (same result as calling next() that often), returns the value. */
  skip(frames: i32): f32 {
    for (let i = 0; i < frames; i++) {
      if (this.value == this.target) break;
      this.next();
    }
    return this.value;
  }
}
