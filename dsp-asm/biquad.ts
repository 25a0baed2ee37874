// Biquad filters from Robert Bristow-Johnson's Audio EQ Cookbook, run in
// transposed direct form II with f32 coefficients and state. Coefficients are
// designed in f64 (cos/sin/pow of Math) and rounded to f32 once.
//
// For every type: w0 = 2π·freq/sampleRate, alpha = sin(w0)/(2·q),
// A = 10^(gainDb/40) (peaking and shelves only); the shelves also take their
// slope from q (alpha = sin(w0)/(2q); q = 1/√2 is the cookbook's S = 1).
// Bandpass is the "constant 0 dB peak gain" variant.
import { keepField } from "./state";

export const LOWPASS: i32 = 0;
export const HIGHPASS: i32 = 1;
export const BANDPASS: i32 = 2;
export const NOTCH: i32 = 3;
export const PEAKING: i32 = 4;
export const LOWSHELF: i32 = 5;
export const HIGHSHELF: i32 = 6;

export class Biquad {
  // Normalised coefficients (a0 = 1).
  b0: f32 = 1;
  b1: f32 = 0;
  b2: f32 = 0;
  a1: f32 = 0;
  a2: f32 = 0;
  // TDF-II state.
  z1: f32 = 0;
  z2: f32 = 0;

  /** Declared state (Processor.keep): z1 and z2, not the coefficients. */
  keepState(key: string): void {
    keepField(key + ".z", this, offsetof<Biquad>("z1"), 8);
  }

  /**
   * Designs the filter. `freq` is clamped to [1e-5, 0.4999]·sampleRate and
   * `q` to >= 1e-3; `gainDb` only matters for PEAKING, LOWSHELF, HIGHSHELF.
   * Keeps the state, so it can be called between blocks.
   */
  set(type: i32, freq: f32, q: f32, gainDb: f32, sampleRate: f32): void {
    const fs = <f64>sampleRate;
    let f = <f64>freq;
    if (!(f >= fs * 1e-5)) f = fs * 1e-5;
    if (f > fs * 0.4999) f = fs * 0.4999;
    let qq = <f64>q;
    if (!(qq >= 1e-3)) qq = 1e-3;
    const w0 = (2.0 * Math.PI * f) / fs;
    const cw = Math.cos(w0);
    const sw = Math.sin(w0);
    const alpha = sw / (2.0 * qq);
    const A = Math.pow(10.0, <f64>gainDb / 40.0);
    let b0: f64, b1: f64, b2: f64, a0: f64, a1: f64, a2: f64;
    switch (type) {
      case HIGHPASS: {
        b0 = (1.0 + cw) / 2.0;
        b1 = -(1.0 + cw);
        b2 = (1.0 + cw) / 2.0;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
      }
      case BANDPASS: {
        b0 = alpha;
        b1 = 0.0;
        b2 = -alpha;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
      }
      case NOTCH: {
        b0 = 1.0;
        b1 = -2.0 * cw;
        b2 = 1.0;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
      }
      case PEAKING: {
        b0 = 1.0 + alpha * A;
        b1 = -2.0 * cw;
        b2 = 1.0 - alpha * A;
        a0 = 1.0 + alpha / A;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha / A;
        break;
      }
      case LOWSHELF: {
        const s = 2.0 * Math.sqrt(A) * alpha;
        b0 = A * (A + 1.0 - (A - 1.0) * cw + s);
        b1 = 2.0 * A * (A - 1.0 - (A + 1.0) * cw);
        b2 = A * (A + 1.0 - (A - 1.0) * cw - s);
        a0 = A + 1.0 + (A - 1.0) * cw + s;
        a1 = -2.0 * (A - 1.0 + (A + 1.0) * cw);
        a2 = A + 1.0 + (A - 1.0) * cw - s;
        break;
      }
      case HIGHSHELF: {
        const s = 2.0 * Math.sqrt(A) * alpha;
        b0 = A * (A + 1.0 + (A - 1.0) * cw + s);
        b1 = -2.0 * A * (A - 1.0 + (A + 1.0) * cw);
        b2 = A * (A + 1.0 + (A - 1.0) * cw - s);
        a0 = A + 1.0 - (A - 1.0) * cw + s;
        a1 = 2.0 * (A - 1.0 - (A + 1.0) * cw);
        a2 = A + 1.0 - (A - 1.0) * cw - s;
        break;
      }
      default: {
        // LOWPASS
        b0 = (1.0 - cw) / 2.0;
        b1 = 1.0 - cw;
        b2 = (1.0 - cw) / 2.0;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
      }
    }
    this.b0 = <f32>(b0 / a0);
    this.b1 = <f32>(b1 / a0);
    this.b2 = <f32>(b2 / a0);
    this.a1 = <f32>(a1 / a0);
    this.a2 = <f32>(a2 / a0);
  }

  /** Clears the state. */
  reset(): void {
    this.z1 = 0;
    this.z2 = 0;
  }

  /** One sample, TDF-II. */
  @inline process(x: f32): f32 {
    const y = this.b0 * x + this.z1;
    this.z1 = this.b1 * x - this.a1 * y + this.z2;
    this.z2 = this.b2 * x - this.a2 * y;
    return y;
  }

  /**
   * Zeroes state below 1e-15 in magnitude (−300 dB), so a decaying filter
   * never runs on subnormal floats (slow on x86 and never flushed in wasm).
   * Call once per block after per-sample process(); processBlock() does.
   */
  @inline flush(): void {
    if (Mathf.abs(this.z1) < 1e-15) this.z1 = 0;
    if (Mathf.abs(this.z2) < 1e-15) this.z2 = 0;
  }

  /**
   * Filters samples `from` to `to` (exclusive) of `buf` in place, as
   * process() per sample would, without flush() (call it once per block).
   * Rationale: z1 and z2 stay in locals for the whole range.
   */
  processRange(buf: Float32Array, from: i32, to: i32): void {
    from = max(from, 0);
    to = min(to, buf.length); // never past the array
    const b0 = this.b0, b1 = this.b1, b2 = this.b2, a1 = this.a1, a2 = this.a2;
    let z1 = this.z1, z2 = this.z2;
    const p = buf.dataStart;
    for (let k = from; k < to; k++) {
      const o = p + (<usize>k << 2);
      const x = load<f32>(o);
      const y = b0 * x + z1;
      z1 = b1 * x - a1 * y + z2;
      z2 = b2 * x - a2 * y;
      store<f32>(o, y);
    }
    this.z1 = z1;
    this.z2 = z2;
  }

  /** Filters `frames` samples of `input` into `output` (may be the same array), then flush(). */
  processBlock(input: Float32Array, output: Float32Array, frames: i32): void {
    frames = min(frames, min(input.length, output.length));
    const b0 = this.b0, b1 = this.b1, b2 = this.b2, a1 = this.a1, a2 = this.a2;
    let z1 = this.z1, z2 = this.z2;
    const ip = input.dataStart, op = output.dataStart;
    for (let i = 0; i < frames; i++) {
      const o = <usize>i << 2;
      const x = load<f32>(ip + o);
      const y = b0 * x + z1;
      z1 = b1 * x - a1 * y + z2;
      z2 = b2 * x - a2 * y;
      store<f32>(op + o, y);
    }
    this.z1 = z1;
    this.z2 = z2;
    this.flush();
  }
}
