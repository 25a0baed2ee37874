/** The view of the engine's cycle-time statistics that Client.processTime returns. */
import type { ProcessTime } from './client-types.js';
import { require_ } from './errors.js';

export function processTimeOf(p: { cycles: number; totalNs: number; maxNs: number; histogram: number[] }): ProcessTime {
  const histogram = p.histogram;
  return {
    cycles: p.cycles,
    meanUs: p.cycles ? p.totalNs / p.cycles / 1000 : 0,
    maxUs: p.maxNs / 1000,
    histogram,
    percentileUs(q: number): number {
      require_(typeof q === 'number' && q >= 0 && q <= 100, `percentileUs: p must be in [0, 100], got ${q}`);
      const total = histogram.reduce((a, b) => a + b, 0);
      let seen = 0;
      for (let i = 0; i < histogram.length; i++) {
        seen += histogram[i] as number;
        if (total && seen >= (q / 100) * total) return 2 ** i / 1000;
      }
      return 0;
    },
  };
}
