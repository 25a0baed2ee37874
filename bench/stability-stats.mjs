// The figures bench/stability.mjs reports, from its rounds: per peer, xruns
// and how many more than the C floor had in the same rounds, callbacks over
// the period, and the callback-time distribution from the pooled histogram
// (the engine's eight buckets per octave: cycleBucket). Pure, so it is
// tested (test/bench.report.test.ts).
import { cycleBucket, percentileNs } from '../dist/host/index.js';

/** A raw peer's callback times (ns, one per cycle) as the figures the jackwasm peer reports itself. */
export function fromTimes(times, periodNs) {
  const fine = new Array(256).fill(0);
  let min = Infinity, max = 0, total = 0, over = 0;
  for (const t of times) {
    fine[cycleBucket(t)]++;
    if (t < min) min = t;
    if (t > max) max = t;
    if (t > periodNs) over++;
    total += t;
  }
  return { fine, minNs: times.length ? min : 0, maxNs: max, meanNs: times.length ? Math.round(total / times.length) : 0, overPeriod: over };
}

/**
 * rounds: [{ [peerKey]: { xruns, cycles, fine, minNs, maxNs, overPeriod, gc? } | { error } }],
 * with the floor under the key 'c'. Returns one entry per peer.
 */
export function summarize(rounds, peers) {
  const floorRounds = rounds.map((round) => round.c).filter((x) => x && !x.error);
  const floorXruns = floorRounds.map((x) => x.xruns);
  // What the floor itself varies between rounds: differences within it are the driver's, not a client's.
  const floorNoise = floorXruns.length ? Math.max(...floorXruns) - Math.min(...floorXruns) : 0;
  return peers.map((peer) => {
    const all = rounds.map((round) => round[peer.key]).filter((x) => x && !x.error);
    const errors = rounds.map((round) => round[peer.key]?.error).filter(Boolean);
    if (!all.length) return { peer: peer.key, label: peer.label, error: errors[0] ?? 'not run' };
    const fine = new Array(256).fill(0);
    for (const x of all) x.fine.forEach((n, i) => (fine[i] += n));
    const maxNs = Math.max(...all.map((x) => x.maxNs));
    const aboveFloorPerRound = rounds.flatMap((round) => (round[peer.key] && !round[peer.key].error && round.c && !round.c.error ? [round[peer.key].xruns - round.c.xruns] : []));
    const above = aboveFloorPerRound.reduce((a, d) => a + d, 0);
    return {
      peer: peer.key,
      label: peer.label,
      xruns: all.reduce((a, x) => a + x.xruns, 0),
      xrunsPerRound: all.map((x) => x.xruns),
      attributableXruns: peer.key === 'c' ? 0 : Math.max(0, above),
      aboveFloorPerRound: peer.key === 'c' ? [] : aboveFloorPerRound,
      floorNoise,
      callbacksOverPeriod: all.reduce((a, x) => a + x.overPeriod, 0),
      cycles: all.reduce((a, x) => a + x.cycles, 0),
      callbackUs: {
        min: Math.min(...all.map((x) => x.minNs)) / 1000,
        median: percentileNs(fine, 50, maxNs) / 1000,
        p99: percentileNs(fine, 99, maxNs) / 1000,
        max: maxNs / 1000,
      },
      ...(errors.length ? { errors } : {}),
      ...(all[0].gc ? { gc: { collections: all.reduce((a, x) => a + x.gc.count, 0), seconds: all.reduce((a, x) => a + x.gc.ms, 0) / 1000 } } : {}),
    };
  });
}

/**
 * The target: jackwasm with a garbage-heavy main thread never took longer
 * than the period, and had no more xruns than the floor, beyond the floor's
 * own variation between rounds.
 */
export function stabilityTarget(results) {
  const gc = results.find((x) => x.peer === 'jackwasmGc');
  if (!gc || gc.error) return { met: false, measured: `not measured${gc?.error ? `: ${gc.error}` : ''}` };
  const met = gc.callbacksOverPeriod === 0 && gc.attributableXruns <= gc.floorNoise;
  return { met, attributableXruns: gc.attributableXruns, floorNoise: gc.floorNoise, callbacksOverPeriod: gc.callbacksOverPeriod };
}
