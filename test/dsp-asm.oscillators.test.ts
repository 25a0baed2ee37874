/**
 * The SDK oscillators (dsp-asm/osc.ts), compiled by asc and run in V8,
 * against TypeScript references that evaluate the same formulas in f32
 * (Math.fround after every operation, in AssemblyScript's evaluation order).
 *
 * Saw, square and triangle are pure f32 arithmetic (+ − × ÷ and compares,
 * which IEEE rounds identically everywhere), so they must match bit for bit.
 * The sine goes through AssemblyScript's Mathf.sin (a port of musl's sinf,
 * accurate to < 1 ulp but not always correctly rounded) while the reference
 * rounds V8's double Math.sin to f32, so it may differ by 1 ulp.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { countDiffering, f32, loadTestModule, maxUlps, powerSpectrum, type AsmModule } from './helpers/asm.js';

interface Osc {
  render(shape: number, freq: number, sampleRate: number, n: number, phase: number, pulseWidth: number): number;
  renderSwitchable(shape: number, freq: number, sampleRate: number, n: number, phase: number, pulseWidth: number): number;
}

const SAW = 0;
const SQUARE = 1;
const TRIANGLE = 2;
const SINE = 3;

// ---- reference ---------------------------------------------------------------

const TWO_PI = f32(2 * Math.PI);

function polyBlep(t: number, dt: number): number {
  if (t < dt) {
    const x = f32(t / dt);
    return f32(f32(f32(x + x) - f32(x * x)) - 1);
  }
  if (t > f32(1 - dt)) {
    const x = f32(f32(t - 1) / dt);
    return f32(f32(f32(f32(x * x) + x) + x) + 1);
  }
  return 0;
}

function polyBlamp(t: number, dt: number): number {
  let y: number;
  if (t < dt) y = f32(1 - f32(t / dt));
  else if (t > f32(1 - dt)) y = f32(1 + f32(f32(t - 1) / dt));
  else return 0;
  return f32(f32(f32(y * y) * y) / 3);
}

function reference(shape: number, freq: number, sampleRate: number, n: number, phase: number, pulseWidth: number): Float32Array {
  let inc = f32(f32(freq) / f32(sampleRate));
  if (!(inc > 0)) inc = 0;
  if (inc > 0.5) inc = 0.5;
  const ph = f32(phase);
  let t = f32(ph - Math.floor(ph));
  const pw = f32(pulseWidth);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let y: number;
    if (shape === SAW) {
      y = f32(f32(f32(t + t) - 1) - polyBlep(t, inc));
    } else if (shape === SQUARE) {
      let t2 = f32(t + f32(1 - pw));
      if (t2 >= 1) t2 = f32(t2 - 1);
      y = f32(f32((t < pw ? 1 : -1) + polyBlep(t, inc)) - polyBlep(t2, inc));
    } else if (shape === TRIANGLE) {
      let t2 = f32(t + 0.5);
      if (t2 >= 1) t2 = f32(t2 - 1);
      const naive = t < 0.5 ? f32(f32(4 * t) - 1) : f32(3 - f32(4 * t));
      y = f32(naive + f32(f32(4 * inc) * f32(polyBlamp(t, inc) - polyBlamp(t2, inc))));
    } else {
      y = f32(Math.sin(f32(TWO_PI * t)));
    }
    out[i] = y;
    let p = f32(t + inc);
    if (p >= 1) p = f32(p - 1);
    t = p;
  }
  return out;
}

/** Naive (aliasing) waveforms at the same f32 phase, for comparison. */
function naive(shape: number, inc: number, n: number): Float32Array {
  const out = new Float32Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    out[i] = shape === SAW ? 2 * t - 1 : shape === SQUARE ? (t < 0.5 ? 1 : -1) : t < 0.5 ? 4 * t - 1 : 3 - 4 * t;
    t = f32(t + inc);
    if (t >= 1) t = f32(t - 1);
  }
  return out;
}

// ---- tests -------------------------------------------------------------------

let m: AsmModule<Osc>;
beforeAll(() => {
  m = loadTestModule<Osc>('oscillators');
});

const render = (shape: number, freq: number, sr: number, n: number, phase = 0, pw = 0.5) =>
  m.f32s(m.exports.render(shape, freq, sr, n, phase, pw), n);
const renderSwitchable = (shape: number, freq: number, sr: number, n: number, phase = 0, pw = 0.5) =>
  m.f32s(m.exports.renderSwitchable(shape, freq, sr, n, phase, pw), n);

// Frequencies from sub-audio to near Nyquist, where the BLEP regions overlap.
const CASES: [freq: number, sr: number, phase: number][] = [
  [1, 48000, 0],
  [55, 44100, 0.25],
  [440, 48000, 0],
  [1234.5, 48000, 0.9],
  [7040, 44100, 0.5],
  [15000, 48000, 0.1],
  [23000, 48000, 0],
];

describe('dsp-asm oscillators match f32 references', () => {
  for (const [shape, name] of [[SAW, 'saw'], [SQUARE, 'square'], [TRIANGLE, 'triangle']] as const) {
    it(`PolyBLEP ${name} is bit-identical to the reference`, () => {
      for (const [freq, sr, phase] of CASES) {
        const expected = reference(shape, freq, sr, 4096, phase, 0.5);
        expect(countDiffering(render(shape, freq, sr, 4096, phase), expected), `${name} ${freq} Hz`).toBe(0);
        expect(countDiffering(renderSwitchable(shape, freq, sr, 4096, phase), expected), `Oscillator ${name} ${freq} Hz`).toBe(0);
      }
    });
  }

  it('pulse widths other than 0.5 are bit-identical too', () => {
    for (const pw of [0.1, 0.25, 0.75]) {
      const expected = reference(SQUARE, 440, 48000, 4096, 0, pw);
      expect(countDiffering(render(SQUARE, 440, 48000, 4096, 0, pw), expected)).toBe(0);
      expect(countDiffering(renderSwitchable(SQUARE, 440, 48000, 4096, 0, pw), expected)).toBe(0);
    }
  });

  it('sine is within 1 ulp of sin() rounded to f32 (musl sinf vs V8 sin)', () => {
    let differing = 0;
    for (const [freq, sr, phase] of CASES) {
      const expected = reference(SINE, freq, sr, 4096, phase, 0.5);
      const a = render(SINE, freq, sr, 4096, phase);
      expect(maxUlps(a, expected).ulps, `${freq} Hz`).toBeLessThanOrEqual(1);
      expect(maxUlps(renderSwitchable(SINE, freq, sr, 4096, phase), a).ulps).toBe(0);
      differing += countDiffering(a, expected);
    }
    // Nearly all samples are correctly rounded.
    expect(differing).toBeLessThan(CASES.length * 4096 * 0.01);
  });

  it('starts at phase 0 (or the reset phase) and advances by freq / sampleRate', () => {
    const s = render(SINE, 12000, 48000, 5); // quarter period per sample
    expect(Array.from(s.slice(0, 1))).toEqual([0]);
    expect(s[1]).toBe(1);
    expect(Math.abs(s[2]!)).toBeLessThan(1e-6);
    expect(s[3]).toBe(-1);
    // Negative and too-high frequencies clamp to 0 and Nyquist.
    expect(new Set(render(SAW, -5, 48000, 16, 0.3))).toEqual(new Set([f32(f32(0.3 + 0.3) - 1)]));
    expect(countDiffering(render(SAW, 30000, 48000, 64), reference(SAW, 24000, 48000, 64, 0, 0.5))).toBe(0);
  });
});

describe('dsp-asm oscillators are band-limited', () => {
  // sr = 48000, N = 4096 and f0 = 107·sr/N: the phase increment 107/4096 is
  // exact in f32, so N samples hold exactly 107 periods, the harmonics sit on
  // bins k·107 and every alias on some other bin.
  const N = 4096;
  const BIN = 107;
  const sr = 48000;
  const f0 = (BIN * sr) / N;

  function aliasRatio(x: Float32Array): { alias: number; harmonic: number } {
    const p = powerSpectrum(x);
    let alias = 0;
    let harmonic = 0;
    for (let k = 1; k <= N / 2; k++) {
      if (k % BIN === 0) harmonic += p[k]!;
      else alias += p[k]!;
    }
    return { alias, harmonic };
  }

  for (const [shape, name, minDb] of [
    // Measured: saw 16.4 dB, square 17.2 dB, triangle 13.5 dB less (relative) alias energy.
    [SAW, 'saw', 14],
    [SQUARE, 'square', 14],
    [TRIANGLE, 'triangle', 11],
  ] as const) {
    it(`PolyBLEP ${name} has far less aliasing energy than the naive ${name}`, () => {
      const inc = f32(f0 / sr);
      expect(inc).toBe(BIN / N);
      const blep = aliasRatio(render(shape, f0, sr, N));
      const raw = aliasRatio(naive(shape, inc, N));
      const improvementDb = 10 * Math.log10(raw.alias / raw.harmonic / (blep.alias / blep.harmonic));
      expect(improvementDb, `${name}: ${improvementDb.toFixed(1)} dB`).toBeGreaterThan(minDb);
    });
  }

  // PolyBLEP rolls the top octaves off gently: the harmonics stay within 1%
  // of the ideal below sr/16 and within 4% below sr/8, never above it.
  const droop = (k: number, ratio: number) => {
    expect(ratio, `harmonic ${k}`).toBeLessThan(1.001);
    expect(ratio, `harmonic ${k}`).toBeGreaterThan(k * f0 < sr / 16 ? 0.99 : 0.96);
  };

  it('PolyBLEP saw keeps the saw harmonics 2/(πk) below sr/8', () => {
    const p = powerSpectrum(render(SAW, f0, sr, N));
    for (let k = 1; k * f0 < sr / 8; k++) droop(k, (2 * Math.sqrt(p[k * BIN]!)) / N / (2 / (Math.PI * k)));
  });

  it('PolyBLEP square keeps the odd harmonics 4/(πk) below sr/8, no even ones', () => {
    const p = powerSpectrum(render(SQUARE, f0, sr, N));
    for (let k = 1; k * f0 < sr / 8; k += 2) droop(k, (2 * Math.sqrt(p[k * BIN]!)) / N / (4 / (Math.PI * k)));
    expect((2 * Math.sqrt(p[2 * BIN]!)) / N).toBeLessThan(1e-4);
  });

  it('triangle keeps the odd harmonics 8/(πk)² below sr/8 and has no DC drift over a long run', () => {
    const long = render(TRIANGLE, 20, 48000, 48000 * 10);
    let sum = 0;
    for (const v of long.subarray(-48000)) sum += v; // 20 whole periods
    expect(Math.abs(sum / 48000)).toBeLessThan(1e-4);
    expect(Math.max(...long.subarray(-48000))).toBeLessThanOrEqual(1);
    expect(Math.min(...long.subarray(-48000))).toBeGreaterThanOrEqual(-1);
    const p = powerSpectrum(render(TRIANGLE, f0, sr, N));
    for (let k = 1; k * f0 < sr / 8; k += 2) droop(k, (2 * Math.sqrt(p[k * BIN]!)) / N / (8 / (Math.PI * k) ** 2));
    expect((2 * Math.sqrt(p[2 * BIN]!)) / N).toBeLessThan(1e-4);
  });
});
