/**
 * The SDK delay line (dsp-asm/delay.ts) against a TypeScript ring buffer
 * evaluated in f32. Linear interpolation is f32 − × + only, so results must
 * match bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { countDiffering, f32, loadTestModule, noise, type AsmModule } from './helpers/asm.js';

interface DelayModule {
  inputBuffer(n: number): number;
  delayBuffer(): number;
  run(maxDelay: number): number;
  runInt(maxDelay: number): number;
  runFeedback(maxDelay: number, d: number, fb: number): number;
}

/** Reference: y[n] = x[n − d] with x[n − i − 1] and x[n − i] mixed by frac(d); x before the start is 0. */
function reference(x: Float32Array, delays: Float32Array, maxDelay: number): Float32Array {
  const y = new Float32Array(x.length);
  const at = (n: number) => (n >= 0 ? x[n]! : 0);
  for (let n = 0; n < x.length; n++) {
    let d = delays[n]!;
    if (!(d >= 1)) d = 1;
    if (d > maxDelay) d = maxDelay;
    const i = Math.trunc(d);
    const f = f32(d - i);
    const a = at(n - i);
    const b = at(n - i - 1);
    y[n] = f32(a + f32(f32(b - a) * f));
  }
  return y;
}

let m: AsmModule<DelayModule>;
beforeAll(() => {
  m = loadTestModule<DelayModule>('delay');
});

function load(x: Float32Array, delays: Float32Array | number): void {
  m.write(m.exports.inputBuffer(x.length), x);
  m.write(m.exports.delayBuffer(), typeof delays === 'number' ? new Float32Array(x.length).fill(delays) : delays);
}
const run = (x: Float32Array, delays: Float32Array | number, maxDelay: number) => {
  load(x, delays);
  return m.f32s(m.exports.run(maxDelay), x.length);
};

describe('dsp-asm DelayLine', () => {
  it('delays by exactly N samples for integer N (tick and readInt)', () => {
    const x = noise(3000, 3);
    for (const N of [1, 2, 7, 64, 1000, 2047]) {
      const y = run(x, N, 2047);
      for (let i = 0; i < x.length; i++) {
        if (y[i] !== (i >= N ? x[i - N] : 0)) throw new Error(`N = ${N}: y[${i}] = ${y[i]}`);
      }
      load(x, N);
      expect(countDiffering(m.f32s(m.exports.runInt(2047), x.length), y)).toBe(0);
    }
    // An impulse comes out exactly N samples later.
    const imp = new Float32Array(200);
    imp[3] = 1;
    const y = run(imp, 100, 150);
    expect(Array.from(y).flatMap((v, i) => (v !== 0 ? [i] : []))).toEqual([103]);
  });

  it('interpolates fractional delays linearly, bit-identically to the reference', () => {
    const x = noise(5000, 11);
    const sweep = new Float32Array(5000);
    for (let i = 0; i < sweep.length; i++) sweep[i] = f32(1 + 300 * (0.5 + 0.5 * Math.sin(i / 300)));
    for (const delays of [sweep, new Float32Array(5000).fill(2.5), new Float32Array(5000).fill(f32(123.456))]) {
      expect(countDiffering(run(x, delays, 301), reference(x, delays, 301))).toBe(0);
    }
    // Half a sample between two samples is their mean.
    const ramp = Float32Array.from({ length: 50 }, (_, i) => i);
    const y = run(ramp, 3.5, 10);
    expect(y[20]).toBe(16.5);
  });

  it('clamps delays to 1..maxDelay', () => {
    const x = noise(3000, 5);
    const d = Float32Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 5000 : Number.NaN));
    const y = run(x, d, 500);
    expect(countDiffering(y, reference(x, d, 500))).toBe(0);
    expect(y[2999]).toBe(x[2998]); // NaN -> 1
    expect(y[2998]).toBe(x[2998 - 500]); // 5000 -> 500
  });

  it('feeds back: each echo is the previous one times the feedback', () => {
    const x = new Float32Array(1000);
    x[0] = 1;
    load(x, 0);
    const y = m.f32s(m.exports.runFeedback(200, 100, 0.5), 1000);
    for (let k = 1; k < 10; k++) expect(y[100 * k]).toBe(0.5 ** (k - 1));
    expect(y.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0)).toBe(9);
  });
});
