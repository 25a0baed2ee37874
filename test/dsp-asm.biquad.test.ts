/**
 * The SDK biquads (dsp-asm/biquad.ts) against an independent TypeScript
 * implementation of the RBJ Audio EQ Cookbook.
 *
 * Design happens in f64 and is rounded to f32 once. AssemblyScript's
 * Math.cos/sin/pow (musl ports) and V8's (fdlibm ports) may differ in the
 * last bit of an f64 result, which can (rarely) move an f32 coefficient by
 * 1 ulp, so coefficients are compared within 1 ulp (in practice they match
 * exactly). Filtering is pure f32 arithmetic, so given the module's
 * coefficients the reference TDF-II recursion must match bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { amplitudeAt, countDiffering, f32, loadTestModule, maxUlps, noise, type AsmModule } from './helpers/asm.js';
import { TYPES, cookbook, magnitude, tdf2, type Coeffs } from './helpers/rbj.js';

interface BiquadModule {
  inputBuffer(n: number): number;
  design(type: number, freq: number, q: number, gainDb: number, sampleRate: number): number;
  run(type: number, freq: number, q: number, gainDb: number, sampleRate: number, block: number, perSample: number): number;
}

// ---- tests -------------------------------------------------------------------

let m: AsmModule<BiquadModule>;
beforeAll(() => {
  m = loadTestModule<BiquadModule>('biquad');
});

const design = (type: number, freq: number, q: number, gainDb: number, sr: number): Coeffs =>
  Array.from(m.f32s(m.exports.design(type, freq, q, gainDb, sr), 5)) as Coeffs;

function run(x: Float32Array, type: number, freq: number, q: number, gainDb: number, sr: number, block: number, perSample = false) {
  m.write(m.exports.inputBuffer(x.length), x);
  return m.f32s(m.exports.run(type, freq, q, gainDb, sr, block, perSample ? 1 : 0), x.length);
}

const DESIGNS: [freq: number, q: number, gainDb: number, sr: number][] = [
  [1000, Math.SQRT1_2, 6, 48000],
  [20, 0.5, -12, 44100],
  [100, 4, 3, 48000],
  [5000, 0.3, -24, 96000],
  [18000, 10, 12, 44100],
  [30000, 1, 6, 48000], // above Nyquist: clamped to 0.4999·sr
  [0, 0, 0, 48000], // freq and q clamped up
];

describe('dsp-asm biquad matches the RBJ cookbook', () => {
  it('designs all seven types within 1 ulp of the reference coefficients', () => {
    let exact = 0;
    let total = 0;
    for (let type = 0; type < TYPES.length; type++) {
      for (const [freq, q, g, sr] of DESIGNS) {
        const actual = design(type, freq, q, g, sr);
        const expected = cookbook(type, freq, q, g, sr).map(f32);
        const d = maxUlps(actual, expected);
        expect(d.ulps, `${TYPES[type]} ${freq} Hz q ${q}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1);
        total++;
        if (d.ulps === 0) exact++;
      }
    }
    expect(exact / total).toBeGreaterThan(0.9);
  });

  it('filters bit-identically to a TDF-II reference with the same coefficients', () => {
    const x = noise(5000, 7);
    for (let type = 0; type < TYPES.length; type++) {
      for (const [freq, q, g, sr] of DESIGNS.slice(0, 5)) {
        const c = design(type, freq, q, g, sr);
        for (const block of [64, 37, 5000]) {
          expect(countDiffering(run(x, type, freq, q, g, sr, block), tdf2(c, x, block)), `${TYPES[type]} block ${block}`).toBe(0);
        }
        expect(countDiffering(run(x, type, freq, q, g, sr, 0, true), tdf2(c, x, null)), `${TYPES[type]} per sample`).toBe(0);
      }
    }
  });
});

describe('dsp-asm biquad frequency response', () => {
  const sr = 48000;
  const N = 4800; // 10 Hz resolution: whole periods of every test frequency
  const FREQS = [50, 200, 1000, 3000, 10000, 20000];

  function measured(type: number, f0: number, q: number, g: number, freq: number): number {
    const len = 24000 + N;
    const x = new Float32Array(len);
    for (let i = 0; i < len; i++) x[i] = Math.sin((2 * Math.PI * freq * i) / sr);
    return amplitudeAt(run(x, type, f0, q, g, sr, 128), freq, sr, N);
  }

  for (let type = 0; type < TYPES.length; type++) {
    it(`${TYPES[type]}: filtered sine amplitude follows the analytic response`, () => {
      for (const [f0, q, g] of [[1000, Math.SQRT1_2, 6], [3000, 2, -9]] as const) {
        const c = cookbook(type, f0, q, g, sr);
        for (const freq of FREQS) {
          const expected = magnitude(c, freq, sr);
          const actual = measured(type, f0, q, g, freq);
          expect(Math.abs(actual - expected), `f0 ${f0} at ${freq} Hz: ${actual} vs ${expected}`).toBeLessThan(2e-3 * expected + 2e-5);
        }
      }
    });
  }

  it('hits the cookbook landmarks', () => {
    const db = (x: number) => 20 * Math.log10(x);
    // Lowpass/highpass with q = 1/√2: −3.01 dB at the cutoff.
    expect(db(measured(0, 1000, Math.SQRT1_2, 0, 1000))).toBeCloseTo(-3.0103, 2);
    expect(db(measured(1, 1000, Math.SQRT1_2, 0, 1000))).toBeCloseTo(-3.0103, 2);
    // Resonant lowpass: gain q at the cutoff.
    expect(measured(0, 1000, 4, 0, 1000)).toBeCloseTo(4, 2);
    // Bandpass: 0 dB peak at the centre whatever q.
    expect(measured(2, 1000, 0.5, 0, 1000)).toBeCloseTo(1, 3);
    expect(measured(2, 1000, 8, 0, 1000)).toBeCloseTo(1, 3);
    // Notch: nothing at the centre.
    expect(measured(3, 1000, 1, 0, 1000)).toBeLessThan(1e-3);
    // Peaking: the gain at the centre; shelves: the gain far on their side.
    expect(db(measured(4, 1000, 1, 6, 1000))).toBeCloseTo(6, 2);
    expect(db(measured(4, 1000, 1, -12, 1000))).toBeCloseTo(-12, 2);
    expect(db(measured(5, 1000, Math.SQRT1_2, 9, 50))).toBeCloseTo(9, 1);
    expect(db(measured(5, 1000, Math.SQRT1_2, 9, 20000))).toBeCloseTo(0, 1);
    expect(db(measured(6, 1000, Math.SQRT1_2, -9, 20000))).toBeCloseTo(-9, 1);
    expect(db(measured(6, 1000, Math.SQRT1_2, -9, 50))).toBeCloseTo(0, 1);
  });

  it('decays to exact zeros (no subnormal state) after the input stops', () => {
    const x = new Float32Array(48000);
    x[0] = 1;
    for (let type = 0; type < TYPES.length; type++) {
      const y = run(x, type, 1000, 10, 6, sr, 128);
      expect(Array.from(y.subarray(-128)).every((v) => v === 0), TYPES[type]).toBe(true);
    }
  });
});
