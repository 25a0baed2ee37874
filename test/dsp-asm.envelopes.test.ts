/**
 * The SDK's control-rate building blocks: the one-pole smoother
 * (dsp-asm/smoother.ts) and the linear ADSR (dsp-asm/adsr.ts), against
 * TypeScript references evaluated in f32 (Math.fround after each operation).
 *
 * Both run on f32 + − × ÷ only, so they must match bit for bit. The one
 * exception is the smoother's coefficient, 1 − exp(−1/(t·sr)) computed in
 * f64: AssemblyScript's exp and V8's may differ in the last f64 bit, so it is
 * compared within 1 f32 ulp and the run uses the module's coefficient.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { countDiffering, f32, loadTestModule, ulps, type AsmModule } from './helpers/asm.js';

interface SmootherModule {
  run(from: number, to: number, seconds: number, sampleRate: number, n: number): number;
  coef(seconds: number, sampleRate: number): number;
  skip(from: number, to: number, seconds: number, sampleRate: number, n: number): number;
}
interface AdsrModule {
  gateBuffer(n: number): number;
  run(attack: number, decay: number, sustain: number, release: number, sampleRate: number): number;
  samples(seconds: number, sampleRate: number): number;
}

// ---- references --------------------------------------------------------------

function smootherCoef(seconds: number, sampleRate: number): number {
  const n = f32(seconds) * f32(sampleRate);
  return n > 0 ? f32(1 - Math.exp(-1 / n)) : 1;
}

function smootherRef(from: number, to: number, coef: number, n: number): Float32Array {
  const out = new Float32Array(n);
  let v = f32(from);
  const t = f32(to);
  for (let i = 0; i < n; i++) {
    let nv = f32(v + f32(f32(t - v) * coef));
    if (nv === v) nv = t;
    v = nv;
    out[i] = v;
  }
  return out;
}

function adsrSamples(seconds: number, sampleRate: number): number {
  const n = Math.round(f32(f32(seconds) * f32(sampleRate)));
  return n >= 1 ? Math.min(n, 2147483520) : 1;
}

/** The linear ADSR: each segment start → target in n samples, the n-th exactly the target. */
function adsrRef(gates: Int32Array, a: number, d: number, s: number, r: number, sr: number): Float32Array {
  const [na, nd, nr] = [adsrSamples(a, sr), adsrSamples(d, sr), adsrSamples(r, sr)];
  const sustain = Math.min(Math.max(f32(s), 0), 1);
  let stage: 'idle' | 'attack' | 'decay' | 'sustain' | 'release' = 'idle';
  let level = 0;
  let start = 0;
  let target = 0;
  let k = 0;
  let len = 1;
  const begin = (st: typeof stage, tg: number, n: number) => {
    [stage, start, target, k, len] = [st, level, tg, 0, n];
  };
  const out = new Float32Array(gates.length);
  for (let i = 0; i < gates.length; i++) {
    if (gates[i]! > 0) begin('attack', 1, na);
    else if (gates[i]! < 0 && stage !== 'idle') begin('release', 0, nr);
    if (stage !== 'idle' && stage !== 'sustain') {
      k++;
      if (k >= len) {
        level = target;
        if (stage === 'attack') begin('decay', sustain, nd);
        else stage = stage === 'decay' ? 'sustain' : 'idle';
      } else {
        level = f32(start + f32(f32(target - start) * f32(f32(k) / f32(len))));
      }
    }
    out[i] = level;
  }
  return out;
}

// ---- smoother -----------------------------------------------------------------

describe('dsp-asm Smoother', () => {
  let m: AsmModule<SmootherModule>;
  beforeAll(() => {
    m = loadTestModule<SmootherModule>('smoother');
  });
  const run = (from: number, to: number, s: number, sr: number, n: number) => m.f32s(m.exports.run(from, to, s, sr, n), n);

  it('computes coef = 1 − exp(−1/(t·sr)) within 1 ulp, and 1 for t = 0', () => {
    for (const [t, sr] of [[0.01, 48000], [0.001, 44100], [0.5, 96000], [2e-5, 48000]]) {
      expect(ulps(m.exports.coef(t!, sr!), smootherCoef(t!, sr!))).toBeLessThanOrEqual(1);
    }
    expect(m.exports.coef(0, 48000)).toBe(1);
  });

  it('glides bit-identically to the f32 reference and lands exactly on the target', () => {
    for (const [from, to, t, sr] of [[0, 1, 0.01, 48000], [1, 0.001, 0.005, 44100], [-3, 1000, 0.02, 48000], [20000, 20, 0.01, 96000]]) {
      const n = 48000;
      const actual = run(from!, to!, t!, sr!, n);
      expect(countDiffering(actual, smootherRef(from!, to!, m.exports.coef(t!, sr!), n))).toBe(0);
      expect(actual[n - 1]).toBe(f32(to!));
    }
  });

  it('covers 63.2% of a step after one time constant', () => {
    const y = run(0, 1, 0.01, 48000, 480);
    expect(y[479]!).toBeCloseTo(1 - Math.exp(-1), 3);
  });

  it('jumps with t = 0 and skip(n) equals n calls of next()', () => {
    expect(Array.from(run(0, 0.5, 0, 48000, 3))).toEqual([0.5, 0.5, 0.5]);
    const y = run(0.2, 0.9, 0.003, 48000, 1000);
    for (const n of [1, 10, 999]) expect(m.exports.skip(0.2, 0.9, 0.003, 48000, n)).toBe(y[n - 1]);
  });
});

// ---- ADSR ---------------------------------------------------------------------

describe('dsp-asm Adsr (linear segments)', () => {
  let m: AsmModule<AdsrModule>;
  beforeAll(() => {
    m = loadTestModule<AdsrModule>('adsr');
  });
  function run(gates: Int32Array, a: number, d: number, s: number, r: number, sr = 48000) {
    m.write(m.exports.gateBuffer(gates.length), gates);
    return m.f32s(m.exports.run(a, d, s, r, sr), gates.length);
  }
  const schedule = (n: number, events: [frame: number, gate: 1 | -1][]) => {
    const g = new Int32Array(n);
    for (const [f, v] of events) g[f] = v;
    return g;
  };

  it('rounds segment times to whole samples (at least 1)', () => {
    for (const [t, sr] of [[0.01, 48000], [0.0104, 44100], [0, 48000], [1e-9, 48000], [3.3, 96000]]) {
      expect(m.exports.samples(t!, sr!)).toBe(adsrSamples(t!, sr!));
    }
    expect(m.exports.samples(0.01, 48000)).toBe(480);
  });

  it('matches the reference bit for bit through attack, decay, sustain, release and retriggers', () => {
    const cases: [Int32Array, number, number, number, number, number][] = [
      [schedule(12000, [[10, 1], [6000, -1]]), 0.01, 0.02, 0.6, 0.05, 48000],
      // gate off during attack, retrigger during release, retrigger during sustain
      [schedule(20000, [[0, 1], [100, -1], [900, 1], [5000, 1], [9000, -1], [9300, 1], [15000, -1]]), 0.005, 0.03, 0.25, 0.2, 44100],
      // zero times: one-sample segments
      [schedule(100, [[5, 1], [50, -1]]), 0, 0, 0.5, 0, 48000],
      [schedule(3000, [[0, 1], [2000, -1]]), 0.001, 0.002, 1, 0.003, 96000],
    ];
    for (const [gates, a, d, s, r, sr] of cases) {
      expect(countDiffering(run(gates, a, d, s, r, sr), adsrRef(gates, a, d, s, r, sr))).toBe(0);
    }
  });

  it('reaches 1 at the end of the attack and the sustain level exactly at sample attack + decay − 1', () => {
    const sustain = f32(0.6);
    const y = run(schedule(4000, [[0, 1]]), 0.01, 0.02, 0.6, 0.05); // 480 + 960 samples
    expect(y[0]).toBe(f32(1 / 480));
    expect(y[478]).toBeLessThan(1);
    expect(y[479]).toBe(1);
    expect(y[480]).toBeLessThan(1);
    expect(y[1438]).toBeGreaterThan(sustain);
    expect(y[1439]).toBe(sustain);
    expect(Array.from(y.subarray(1439)).every((v) => v === sustain)).toBe(true);
  });

  it('releases to exactly 0 in the release time from any level, then stays idle', () => {
    const y = run(schedule(8000, [[0, 1], [100, -1]]), 0.01, 0.02, 0.6, 0.05); // release 2400 samples
    const atOff = y[99]!;
    expect(atOff).toBeCloseTo(100 / 480, 6);
    expect(y[100]).toBe(f32(atOff + f32(f32(0 - atOff) * f32(1 / 2400))));
    expect(y[100 + 2398]).toBeGreaterThan(0);
    expect(y[100 + 2399]).toBe(0);
    expect(Array.from(y.subarray(2499)).every((v) => v === 0)).toBe(true);
  });

  it('retriggers from the current level without a jump', () => {
    const y = run(schedule(6000, [[0, 1], [2000, -1], [2600, 1]]), 0.01, 0.02, 0.6, 0.05);
    let maxStep = 0;
    for (let i = 1; i < y.length; i++) maxStep = Math.max(maxStep, Math.abs(y[i]! - y[i - 1]!));
    expect(maxStep).toBeLessThanOrEqual(1 / 480 + 1e-6); // never more than an attack step
    expect(y[2599]! > 0 && y[2600]! > y[2599]!).toBe(true);
  });
});
