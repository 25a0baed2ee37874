// Delay line (f32 ring buffer, power-of-two size) with fractional reads by
// linear interpolation. Allocates in its constructor only: create it in
// Processor.init(), where the sample rate is known.
//
// Read-before-write convention: read(d) returns the input from d samples
// before the sample the next write() stores, so `y = line.read(d);
// line.write(x)` (= tick(x, d)) gives y[n] = x[n − d]. That order also makes
// feedback natural: `y = line.read(d); line.write(x + fb * y)`.
import { keepBytes, keepField } from "./state";

export class DelayLine {
  private data: Float32Array;
  private mask: i32;
  private w: i32 = 0;
  /** Longest delay read() accepts, in samples. */
  readonly maxDelay: i32;

  /** Declared state (Processor.keep): the samples and the write position. */
  keepState(key: string): void {
    keepBytes(key + ".data", this.data.dataStart, <usize>this.data.byteLength);
    keepField(key + ".w", this, offsetof<DelayLine>("w"), 4);
  }

  /** A line for delays of 1..maxDelay samples. */
  constructor(maxDelay: i32) {
    if (maxDelay < 1) maxDelay = 1;
    // Room for x[n − maxDelay − 1], the far end of an interpolated read.
    let size = 2;
    while (size < maxDelay + 2) size <<= 1;
    this.data = new Float32Array(size);
    this.mask = size - 1;
    this.maxDelay = maxDelay;
  }

  /** Stores the next input sample. */
  @inline write(x: f32): void {
    const w = this.w;
    unchecked((this.data[w] = x));
    this.w = (w + 1) & this.mask;
  }

  /** x[n − d] for an integer delay d, clamped to 1..maxDelay. */
  @inline readInt(d: i32): f32 {
    d = d < 1 ? 1 : d > this.maxDelay ? this.maxDelay : d;
    return unchecked(this.data[(this.w - d) & this.mask]);
  }

  /**
   * x[n − d] for a fractional delay d, clamped to 1..maxDelay:
   * with i = floor(d), f = d − i, a = x[n − i], b = x[n − i − 1]: a + (b − a)·f.
   */
  @inline read(d: f32): f32 {
    const maxD = <f32>this.maxDelay;
    if (!(d >= 1)) d = 1;
    if (d > maxD) d = maxD;
    const i = <i32>d;
    const f = d - <f32>i;
    const j = this.w - i;
    const a = unchecked(this.data[j & this.mask]);
    const b = unchecked(this.data[(j - 1) & this.mask]);
    return a + (b - a) * f;
  }

  /** read(d) then write(x): returns x delayed by d samples. */
  @inline tick(x: f32, d: f32): f32 {
    const y = this.read(d);
    this.write(x);
    return y;
  }

  /** Fills the line with silence. */
  clear(): void {
    this.data.fill(0);
    this.w = 0;
  }
}
