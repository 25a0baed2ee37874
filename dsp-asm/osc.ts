// Oscillators (f32). Each keeps a phase in [0, 1) advanced by
// inc = frequency / sampleRate per sample; next() returns the sample at the
// current phase, then advances, so the first sample is at phase 0.
//
// Saw and square are band-limited with PolyBLEP (a 2-sample polynomial
// residual at each discontinuity). The triangle is the integral of the
// band-limited square done analytically: a naive triangle plus PolyBLAMP (the
// integrated PolyBLEP residual) at both corners, so it has no integrator
// leak or DC drift.
import { keepField } from "./state";

/** 2π rounded to f32. */
export const TWO_PI: f32 = 6.283185307179586;

/** PolyBLEP residual for a unit (−1 → +1) upward step at phase 0; t in [0,1), dt = phase increment. */
@inline export function polyBlep(t: f32, dt: f32): f32 {
  if (t < dt) {
    const x = t / dt;
    return x + x - x * x - 1.0;
  }
  if (t > 1.0 - dt) {
    const x = (t - 1.0) / dt;
    return x * x + x + x + 1.0;
  }
  return 0.0;
}

/** PolyBLAMP residual (integral of polyBlep in samples) for a slope change at phase 0. */
@inline export function polyBlamp(t: f32, dt: f32): f32 {
  if (t < dt) {
    const y: f32 = 1.0 - t / dt;
    return (y * y * y) / 3.0;
  }
  if (t > 1.0 - dt) {
    const y: f32 = 1.0 + (t - 1.0) / dt;
    return (y * y * y) / 3.0;
  }
  return 0.0;
}

/** Saw sample at phase t: rising −1..1, PolyBLEP at the wrap. */
@inline export function sawAt(t: f32, dt: f32): f32 {
  return (t + t - 1.0) - polyBlep(t, dt);
}

/** Pulse sample at phase t: +1 below pulse width pw, else −1; PolyBLEP at both edges. */
@inline export function squareAt(t: f32, dt: f32, pw: f32): f32 {
  let t2 = t + (1.0 - pw);
  if (t2 >= 1.0) t2 -= 1.0;
  return (t < pw ? <f32>1.0 : <f32>-1.0) + polyBlep(t, dt) - polyBlep(t2, dt);
}

/** Triangle sample at phase t: −1 at 0, +1 at 0.5; PolyBLAMP at both corners. */
@inline export function triangleAt(t: f32, dt: f32): f32 {
  let t2 = t + 0.5;
  if (t2 >= 1.0) t2 -= 1.0;
  const naive: f32 = t < 0.5 ? 4.0 * t - 1.0 : 3.0 - 4.0 * t;
  return naive + 4.0 * dt * (polyBlamp(t, dt) - polyBlamp(t2, dt));
}

/** Sine sample at phase t: sin(2π·t). */
@inline export function sineAt(t: f32): f32 {
  return Mathf.sin(TWO_PI * t);
}

/** Phase accumulator shared by the oscillators. */
export class Phasor {
  phase: f32 = 0;
  inc: f32 = 0;

  /**
   * Declared state (Processor.keep): the phase and its increment (the
   * frequency: a voice keeps its pitch until the new code sets one).
   */
  keepState(key: string): void {
    keepField(key + ".phase", this, offsetof<Phasor>("phase"), 8);
  }

  /** Sets the frequency; clamped to 0..sampleRate/2. */
  setFrequency(hz: f32, sampleRate: f32): void {
    let inc = hz / sampleRate;
    if (!(inc > 0)) inc = 0; // also NaN
    if (inc > 0.5) inc = 0.5;
    this.inc = inc;
  }

  /** Restarts at `phase` (0..1). */
  reset(phase: f32 = 0): void {
    this.phase = phase - Mathf.floor(phase);
  }

  @inline advance(): void {
    let p = this.phase + this.inc;
    if (p >= 1.0) p -= 1.0;
    this.phase = p;
  }

  /**
   * Writes the phase of samples `from` to `to` (exclusive) into `buf` (each
   * sample's phase, as next() would use it) and advances past them.
   */
  writePhases(buf: Float32Array, from: i32, to: i32): void {
    from = max(from, 0);
    to = min(to, buf.length); // never past the array
    let t = this.phase;
    const dt = this.inc;
    const p = buf.dataStart;
    for (let k = from; k < to; k++) {
      store<f32>(p + (<usize>k << 2), t);
      t += dt;
      if (t >= 1.0) t -= 1.0;
    }
    this.phase = t;
  }
}

/** Sine: sin(2π·phase), via AssemblyScript's Mathf.sin. */
export class SineOsc extends Phasor {
  @inline next(): f32 {
    const y = sineAt(this.phase);
    this.advance();
    return y;
  }
}

/** Rising saw, −1..1, PolyBLEP at the wrap. */
export class SawOsc extends Phasor {
  @inline next(): f32 {
    const y = sawAt(this.phase, this.inc);
    this.advance();
    return y;
  }
}

/** Pulse/square, +1 for phase < pulseWidth else −1, PolyBLEP at both edges. */
export class SquareOsc extends Phasor {
  /** Fraction of the period at +1, 0.01..0.99 (0.5 = square). */
  pulseWidth: f32 = 0.5;

  @inline next(): f32 {
    const y = squareAt(this.phase, this.inc, this.pulseWidth);
    this.advance();
    return y;
  }
}

/** Triangle, −1 at phase 0, +1 at phase 0.5; PolyBLAMP at both corners. */
export class TriangleOsc extends Phasor {
  @inline next(): f32 {
    const y = triangleAt(this.phase, this.inc);
    this.advance();
    return y;
  }
}

/** Waveform numbers for Oscillator.shape. */
export const SHAPE_SAW: i32 = 0;
export const SHAPE_SQUARE: i32 = 1;
export const SHAPE_TRIANGLE: i32 = 2;
export const SHAPE_SINE: i32 = 3;

/** An oscillator whose waveform is chosen at run time (SHAPE_*); one shared phase. */
export class Oscillator extends Phasor {
  shape: i32 = SHAPE_SAW;
  pulseWidth: f32 = 0.5;

  @inline next(): f32 {
    const t = this.phase;
    const dt = this.inc;
    let y: f32;
    switch (this.shape) {
      case SHAPE_SQUARE:
        y = squareAt(t, dt, this.pulseWidth);
        break;
      case SHAPE_TRIANGLE:
        y = triangleAt(t, dt);
        break;
      case SHAPE_SINE:
        y = sineAt(t);
        break;
      default:
        y = sawAt(t, dt);
    }
    this.advance();
    return y;
  }

  /**
   * Writes samples `from` to `to` (exclusive) of `buf`: the samples next()
   * would give, one after another. Rationale: the phase stays in a local
   * for the whole range and the waveform is chosen once (next() per sample
   * keeps the phase in memory, a store and a load on its recursion).
   */
  render(buf: Float32Array, from: i32, to: i32): void {
    this.writePhases(buf, from, to);
    this.shapePhases(buf, from, to);
  }

  /** Turns the phases in `buf` from `from` to `to` (exclusive; from writePhases) into this oscillator's waveform, in place. */
  shapePhases(buf: Float32Array, from: i32, to: i32): void {
    from = max(from, 0);
    to = min(to, buf.length); // never past the array
    const dt = this.inc;
    const p = buf.dataStart;
    switch (this.shape) {
      case SHAPE_SQUARE: {
        const pw = this.pulseWidth;
        for (let k = from; k < to; k++) {
          const o = p + (<usize>k << 2);
          store<f32>(o, squareAt(load<f32>(o), dt, pw));
        }
        break;
      }
      case SHAPE_TRIANGLE: {
        for (let k = from; k < to; k++) {
          const o = p + (<usize>k << 2);
          store<f32>(o, triangleAt(load<f32>(o), dt));
        }
        break;
      }
      case SHAPE_SINE: {
        for (let k = from; k < to; k++) {
          const o = p + (<usize>k << 2);
          store<f32>(o, sineAt(load<f32>(o)));
        }
        break;
      }
      default: {
        for (let k = from; k < to; k++) {
          const o = p + (<usize>k << 2);
          store<f32>(o, sawAt(load<f32>(o), dt));
        }
      }
    }
  }
}
