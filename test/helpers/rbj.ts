/**
 * Reference biquads for the tests: Robert Bristow-Johnson's Audio EQ
 * Cookbook designed in f64 and a transposed direct form II run in f32
 * (Math.fround after each operation).
 */
const f32 = Math.fround;

export const TYPES = ['lowpass', 'highpass', 'bandpass', 'notch', 'peaking', 'lowshelf', 'highshelf'] as const;
export type Coeffs = [b0: number, b1: number, b2: number, a1: number, a2: number];

export function cookbook(type: number, freq: number, q: number, gainDb: number, sampleRate: number): Coeffs {
  const fs = f32(sampleRate);
  let f = f32(freq);
  if (!(f >= fs * 1e-5)) f = fs * 1e-5;
  if (f > fs * 0.4999) f = fs * 0.4999;
  let Q = f32(q);
  if (!(Q >= 1e-3)) Q = 1e-3;
  const w0 = (2 * Math.PI * f) / fs;
  const cos = Math.cos(w0);
  const sin = Math.sin(w0);
  const alpha = sin / (2 * Q);
  const A = Math.pow(10, f32(gainDb) / 40);
  const sq = 2 * Math.sqrt(A) * alpha;
  let c: [number, number, number, number, number, number];
  switch (TYPES[type]) {
    case 'highpass': c = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha]; break;
    case 'bandpass': c = [alpha, 0, -alpha, 1 + alpha, -2 * cos, 1 - alpha]; break;
    case 'notch': c = [1, -2 * cos, 1, 1 + alpha, -2 * cos, 1 - alpha]; break;
    case 'peaking': c = [1 + alpha * A, -2 * cos, 1 - alpha * A, 1 + alpha / A, -2 * cos, 1 - alpha / A]; break;
    case 'lowshelf':
      c = [
        A * (A + 1 - (A - 1) * cos + sq), 2 * A * (A - 1 - (A + 1) * cos), A * (A + 1 - (A - 1) * cos - sq),
        A + 1 + (A - 1) * cos + sq, -2 * (A - 1 + (A + 1) * cos), A + 1 + (A - 1) * cos - sq,
      ];
      break;
    case 'highshelf':
      c = [
        A * (A + 1 + (A - 1) * cos + sq), -2 * A * (A - 1 + (A + 1) * cos), A * (A + 1 + (A - 1) * cos - sq),
        A + 1 - (A - 1) * cos + sq, 2 * (A - 1 - (A + 1) * cos), A + 1 - (A - 1) * cos - sq,
      ];
      break;
    default: c = [(1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha];
  }
  const [b0, b1, b2, a0, a1, a2] = c;
  return [b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0];
}

/** |H(e^jw)| of (f64) coefficients at `freq`. */
export function magnitude([b0, b1, b2, a1, a2]: Coeffs, freq: number, sampleRate: number): number {
  const w = (2 * Math.PI * freq) / sampleRate;
  const [c1, s1, c2, s2] = [Math.cos(w), Math.sin(w), Math.cos(2 * w), Math.sin(2 * w)];
  const nr = b0 + b1 * c1 + b2 * c2, ni = -(b1 * s1 + b2 * s2);
  const dr = 1 + a1 * c1 + a2 * c2, di = -(a1 * s1 + a2 * s2);
  return Math.hypot(nr, ni) / Math.hypot(dr, di);
}

/** TDF-II in f32, optionally zeroing |state| < 1e-15 after every `block` samples. */
export function tdf2([b0, b1, b2, a1, a2]: Coeffs, x: Float32Array, block: number | null): Float32Array {
  const y = new Float32Array(x.length);
  const tiny = f32(1e-15);
  let z1 = 0;
  let z2 = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const yi = f32(f32(b0 * xi) + z1);
    z1 = f32(f32(f32(b1 * xi) - f32(a1 * yi)) + z2);
    z2 = f32(f32(b2 * xi) - f32(a2 * yi));
    y[i] = yi;
    if (block !== null && ((i + 1) % block === 0 || i === x.length - 1)) {
      if (Math.abs(z1) < tiny) z1 = 0;
      if (Math.abs(z2) < tiny) z2 = 0;
    }
  }
  return y;
}
