// The jackwasm peer of bench/stability.mjs: the example gain module
// (examples/dsp/gain.ts at -6.02 dB, a gain of 0.5) from system:capture_1
// to system:playback_1, in a client of this Node process. Counts xruns from
// one second after it connects until `seconds` later, while the main thread
// idles or runs a garbage-heavy loop (see below).
// Prints { cycles, xruns, seconds, minNs, maxNs, overPeriod, fine, gc: { count, ms } }:
// the engine's own cycle-time statistics (Client.processTime) and what V8's
// collector did meanwhile.
//   node stability-node.mjs <server> <client-name> <seconds> <cache-dir> idle|gc
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { Client, compile } from '../../dist/host/index.js';

const [server, name, secondsArg, cacheDir, mode] = process.argv.slice(2);
const seconds = Number(secondsArg);
const root = new URL('../..', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const gc = { count: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

const gain = await compile(new Uint8Array(readFileSync(`${root}build/examples/gain.wasm`)), { name: 'gain', cacheDir });
const client = await Client.open(name, { serverName: server });
let counting = false;
let xruns = 0;
client.on('xrun', () => {
  if (counting) xruns++;
});
// Loaded before activation, so no cycle is timed without the module.
const mod = await client.load(gain, { name: 'gain', params: { gain: 20 * Math.log10(0.5) } });
client.activate();
client.connect('system:capture_1', mod.inputs[0]);
client.connect(mod.outputs[0], 'system:playback_1');
await sleep(1000);
counting = true;
const end = Date.now() + seconds * 1000;
const before = { ...gc };
if (mode === 'gc') {
  // Synchronous, like a busy script: the event loop does not turn until it
  // ends. Batches replace random ones of 2000 kept: old objects die and new
  // ones are referenced from old ones, so V8 spends most of the loop in
  // collections (about 85% of it on this machine), full ones included.
  const keep = new Array(2000);
  while (Date.now() < end) {
    const batch = [];
    for (let i = 0; i < 200; i++) batch.push({ i, s: String(i), a: new Array(8).fill(i) });
    keep[(Math.random() * keep.length) | 0] = batch;
  }
  keep.fill(undefined);
} else {
  await sleep(seconds * 1000);
}
client.deactivate();
// The xrun events the loop held up are delivered now.
await sleep(1000);
const t = client.processTime;
const out = {
  cycles: t.cycles,
  xruns,
  seconds,
  minNs: Math.round(t.minUs * 1000),
  maxNs: Math.round(t.maxUs * 1000),
  meanNs: Math.round(t.meanUs * 1000),
  overPeriod: t.cyclesOverPeriod,
  fine: t.fineHistogram,
  gc: { count: gc.count - before.count, ms: Math.round(gc.ms - before.ms) },
  dropped: client.stats.rtDropped,
};
await client.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
