/**
 * The view of the engine's cycle-time statistics that Client.processTime
 * returns, and the fine histogram's bucket mapping (Engine::FineBucket in
 * shim/engine/engine.h is the same function).
 */
import type { ProcessTime } from './client-types.js';
import { require_ } from './errors.js';
import type { NativeCycleStats } from './native.js';

/** Buckets of the fine histogram: eight per octave, from 0 ns to 2^34 ns (about 17 s; longer cycles count in the last). */
export const CYCLE_BUCKETS = 256;

/** The fine-histogram bucket of a duration in ns (0-7 ns: one bucket each; then eight per octave). */
export function cycleBucket(ns: number): number {
  const n = Math.max(0, Math.floor(ns));
  if (n < 8) return n;
  const e = Math.floor(Math.log2(n));
  // Math.log2 can round up just below a power of two; correct it.
  const exp = 2 ** e > n ? e - 1 : e;
  const i = (exp - 2) * 8 + (Math.floor(n / 2 ** (exp - 3)) & 7);
  return Math.min(i, CYCLE_BUCKETS - 1);
}

/** The durations bucket i holds, ns: [low, high). */
export function cycleBucketNs(i: number): [number, number] {
  if (i < 8) return [i, i + 1];
  const exp = Math.floor(i / 8) + 2;
  const sub = i % 8;
  return [(8 + sub) * 2 ** (exp - 3), (9 + sub) * 2 ** (exp - 3)];
}

/** The p-th percentile (0-100) of the durations a fine histogram counts, ns (see ProcessTime.percentileUs). */
export function percentileNs(fine: readonly number[], p: number, maxNs: number): number {
  const total = fine.reduce((a, b) => a + b, 0);
  if (!total) return 0;
  const want = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < fine.length; i++) {
    seen += fine[i] as number;
    if (seen >= want) return Math.min(cycleBucketNs(i)[1], maxNs);
  }
  return maxNs;
}

export function processTimeOf(p: NativeCycleStats): ProcessTime {
  const { histogram, fine } = p;
  return {
    cycles: p.cycles,
    meanUs: p.cycles ? p.totalNs / p.cycles / 1000 : 0,
    minUs: p.minNs / 1000,
    maxUs: p.maxNs / 1000,
    cyclesOverPeriod: p.overPeriod,
    histogram,
    fineHistogram: fine,
    percentileUs(q: number): number {
      require_(typeof q === 'number' && q >= 0 && q <= 100, `percentileUs: p must be in [0, 100], got ${q}`);
      return percentileNs(fine, q, p.maxNs) / 1000;
    },
  };
}
