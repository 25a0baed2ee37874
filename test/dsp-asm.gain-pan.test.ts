/**
 * The SDK's gain and constant-power pan (dsp-asm/mix.ts) against f32
 * TypeScript references. Pan gains come from f64 cos/sin rounded to f32 (AS
 * musl ports vs V8 fdlibm ports: within 1 ulp, in practice equal); applying
 * gains is a single f32 multiply (bit-identical).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { countDiffering, f32, loadTestModule, noise, ulps, type AsmModule } from './helpers/asm.js';

interface MixModule {
  inputBuffer(n: number): number;
  otherBuffer(): number;
  pan(p: number): number;
  panBlock(p: number): number;
  gainRun(fromDb: number, toDb: number, seconds: number, sampleRate: number, block: number): number;
  gainOf(db: number): number;
  applyGainRun(gain: number): number;
  mixIntoRun(gain: number): number;
}

let m: AsmModule<MixModule>;
beforeAll(() => {
  m = loadTestModule<MixModule>('mix');
});

const panGains = (p: number) => Array.from(m.f32s(m.exports.pan(p), 2)) as [number, number];
const mulRef = (x: Float32Array, g: number) => x.map((v) => f32(v * g));

describe('dsp-asm Pan (constant power)', () => {
  it('gives cos/sin of (pan + 1)·π/4 within 1 ulp', () => {
    for (const p of [-1, -0.75, -0.3, 0, 0.1, 0.5, 1]) {
      const [l, r] = panGains(p);
      const theta = (f32(p) + 1) * (Math.PI / 4);
      expect(ulps(l, f32(Math.cos(theta))), `left at ${p}`).toBeLessThanOrEqual(1);
      expect(ulps(r, f32(Math.sin(theta))), `right at ${p}`).toBeLessThanOrEqual(1);
    }
  });

  it('keeps the power constant, is −3.01 dB per side at the centre and hard at the ends', () => {
    for (let p = -1; p <= 1; p += 0.125) {
      const [l, r] = panGains(p);
      expect(Math.abs(l * l + r * r - 1)).toBeLessThan(1e-6);
    }
    const [l, r] = panGains(0);
    expect(l).toBe(r);
    expect(20 * Math.log10(l)).toBeCloseTo(-3.0103, 3);
    expect(panGains(-1)).toEqual([1, 0]);
    expect(panGains(1)[0]).toBeLessThan(1e-7);
    expect(panGains(1)[1]).toBe(1);
    expect(panGains(-7)).toEqual(panGains(-1)); // clamped
    expect(panGains(Number.NaN)).toEqual(panGains(-1));
  });

  it('pans a block by plain multiplication', () => {
    const x = noise(1000, 9);
    m.write(m.exports.inputBuffer(1000), x);
    const out = m.f32s(m.exports.panBlock(0.3), 2000);
    const [l, r] = panGains(0.3);
    expect(countDiffering(out.subarray(0, 1000), mulRef(x, l))).toBe(0);
    expect(countDiffering(out.subarray(1000), mulRef(x, r))).toBe(0);
  });
});

describe('dsp-asm gain', () => {
  it('applyGain and mixInto are single f32 multiplies (and adds)', () => {
    const x = noise(777, 1);
    const o = noise(777, 2);
    m.write(m.exports.inputBuffer(777), x);
    m.write(m.exports.otherBuffer(), o);
    expect(countDiffering(m.f32s(m.exports.applyGainRun(0.3), 777), mulRef(x, f32(0.3)))).toBe(0);
    const mixed = o.map((v, i) => f32(v + f32(x[i]! * f32(-1.7))));
    expect(countDiffering(m.f32s(m.exports.mixIntoRun(-1.7), 777), mixed)).toBe(0);
  });

  it('Gain glides from one dB value to another through its smoother, then multiplies exactly', () => {
    const n = 20000;
    const x = noise(n, 4);
    m.write(m.exports.inputBuffer(n), x);
    const [from, to, t, sr] = [0, -12, 0.01, 48000];
    const y = m.f32s(m.exports.gainRun(from, to, t, sr, 128), n);
    // Reference: the smoother of test/dsp-asm.envelopes.test.ts, coefficient 1 − exp(−1/(t·sr)).
    const coef = f32(1 - Math.exp(-1 / (f32(t) * sr)));
    let v = m.exports.gainOf(from);
    const target = m.exports.gainOf(to);
    const expected = new Float32Array(n);
    let settled = false;
    for (let start = 0; start < n; start += 128) {
      settled = v === target; // processBlock checks once per block
      for (let i = start; i < Math.min(n, start + 128); i++) {
        if (!settled) {
          let nv = f32(v + f32(f32(target - v) * coef));
          if (nv === v) nv = target;
          v = nv;
        }
        expected[i] = f32(x[i]! * v);
      }
    }
    expect(countDiffering(y, expected)).toBe(0);
    expect(settled).toBe(true);
    expect(y[n - 1]).toBe(f32(x[n - 1]! * target));
    expect(target).toBeCloseTo(10 ** (-12 / 20), 6);
  });
});
