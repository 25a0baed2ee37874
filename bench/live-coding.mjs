// Benchmark: edit-to-audible time of the live-coding loop (watchModule, the
// loop of `jackwasm dev`) for the SDK's example synth (examples/dsp/synth.ts)
// and poly synth (examples/dsp/poly.ts), with the compilers warm, on an
// embedded dummy server. Each edit changes a
// constant in a copy of the synth and saves it; the time runs from the
// file's modification time until the audio thread runs the new code.
//   miss: new code each time (AssemblyScript -O0, wasm2c, and the C compiler
//         on the pieces of C the edit changed: the fast tier); also when
//         its optimised build, made behind it, is swapped in
//   hit:  alternating between two versions already built (both caches serve)
//   peer: the same edits with one tier (the optimised build only)
// Also reported: the compile part, and the load and hand-over alone.
// Target: median edit-to-audible under 500 ms with a warm compiler.
//
//   node bench/live-coding.mjs [--runs 9] [--json out.json]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Server, watchModule } from '../dist/host/index.js';
import { DEV_ASC_OPTIMIZE } from '../dist/host/dsp/watch.js';
import { compileFile } from '../dist/host/dsp/instance.js';
import { median, numberOption, parseOptions, writeResults } from './common.mjs';

const { values } = parseOptions({ runs: { type: 'string' }, json: { type: 'string' } });
const runs = numberOption(values, 'runs', 9, { min: 1, max: 1000, integer: true });
const root = new URL('..', import.meta.url).pathname;
// Two levels below the root, like examples/dsp/, so its SDK imports resolve.
const dir = join(root, 'build', `bench-live-${process.pid}`);
mkdirSync(dir, { recursive: true });
const cacheDir = mkdtempSync(join(tmpdir(), 'jw-bench-live-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CUTOFF = /this\.addParam\("cutoff", "Cutoff", 20, 20000, \d+/;

const server = await Server.start({ name: `bench-live-${process.pid}`, period: 256 });
const client = await Client.open(`bench-live-${process.pid}`, { serverName: server.name });
client.activate();

/** Measures the edit-to-audible times of one example (each edit sets its cutoff's default: a change one hears). */
async function measure(example, { peer }) {
  const file = join(dir, `${example}.ts`);
  const original = readFileSync(join(root, 'examples', 'dsp', `${example}.ts`), 'utf8');
  if (!CUTOFF.test(original)) throw new Error(`examples/dsp/${example}.ts: the cutoff parameter line changed; update bench/live-coding.mjs`);
  const version = (hz) => original.replace(CUTOFF, `this.addParam("cutoff", "Cutoff", 20, 20000, ${hz}`);
  writeFileSync(file, version(1000));
  const m = await client.load((await compileFile(file, { cacheDir }, { optimize: DEV_ASC_OPTIMIZE })).compiled, { name: example });
  let waiting;
  const watch = (fastFirst) => watchModule(m, file, {
    compile: { cacheDir },
    fastFirst,
    onEvent: (e) => {
      if (e.kind === 'error') throw e.error;
      waiting?.(e);
    },
  });
  let watcher = await watch(true);

  /** Saves `text` and waits for the swaps it causes (the fast build, then the optimised one behind it). */
  async function edit(text, tiers = 2) {
    await watcher.idle();
    const events = [];
    const done = new Promise((r) => (waiting = (e) => {
      events.push(e);
      if (e.kind !== 'swap' || events.length === tiers) r();
    }));
    await sleep(50); // a save some time after the previous one, as a person makes them
    writeFileSync(file, text);
    await done;
    for (const e of events) if (e.kind !== 'swap') throw new Error(`expected a swap, got ${e.kind}`);
    return { fast: events.find((e) => e.tier === 'fast'), optimized: events.find((e) => e.tier === 'optimized') };
  }

  const r = { miss: [], missCompile: [], missOptimized: [], hit: [], hitCompile: [], handOver: [], pieces: [], single: [], singleCompile: [] };
  await edit(version(1001)); // warm-up: the compiler workers and the C compiler's files
  await edit(version(1000));
  let hz = 2000;
  for (let i = 0; i < runs; i++) {
    const e = await edit(version(hz++));
    r.miss.push(e.fast.editToAudibleMs);
    r.missCompile.push(e.fast.compileMs);
    r.missOptimized.push(e.optimized.editToAudibleMs);
    r.handOver.push(e.fast.report.audibleMs);
    r.pieces.push(e.fast.compiled.pieces ? `${e.fast.compiled.pieces.compiled}/${e.fast.compiled.pieces.total}` : 'whole');
  }
  // Alternating between two built versions: the caches serve each.
  for (let i = 0; i < runs; i++) {
    const e = await edit(version(i % 2 ? 1000 : 1001));
    r.hit.push(e.fast.editToAudibleMs);
    r.hitCompile.push(e.fast.compileMs);
  }
  // The peer: one tier (the optimised build only, as before the fast tier).
  if (peer) {
    await watcher.idle();
    watcher.close();
    watcher = await watch(false);
    for (let i = 0; i < runs; i++) {
      const e = await edit(version(hz++), 1);
      r.single.push(e.optimized.editToAudibleMs);
      r.singleCompile.push(e.optimized.compileMs);
    }
  }
  await watcher.idle();
  watcher.close();
  await m.unload();
  return r;
}

const synth = await measure('synth', { peer: true });
const poly = await measure('poly', { peer: false });
await client.close();
await server.stop();
rmSync(dir, { recursive: true, force: true });
rmSync(cacheDir, { recursive: true, force: true });

const f = (x) => `${x.toFixed(0)} ms`;
const spread = (xs) => `${f(Math.min(...xs))}-${f(Math.max(...xs))}`;
console.log(`Live coding: edit-to-audible (warm compilers), median of ${runs} edits each\n`);
for (const [name, r] of [['examples/dsp/synth.ts', synth], ['examples/dsp/poly.ts', poly]]) {
  console.log(`${name}`);
  console.log(`  cache miss (new code), fast build:     ${f(median(r.miss))}  (range ${spread(r.miss)}; compile ${f(median(r.missCompile))}; pieces compiled ${[...new Set(r.pieces)].join(', ')})`);
  console.log(`    its optimised build swapped in:      ${f(median(r.missOptimized))}  (range ${spread(r.missOptimized)})`);
  console.log(`  cache hit (a built version):           ${f(median(r.hit))}  (range ${spread(r.hit)}; compile ${f(median(r.hitCompile))})`);
  console.log(`  load and hand-over alone:              ${f(median(r.handOver))}`);
  if (r.single.length) console.log(`  peer: one tier (optimised build only): ${f(median(r.single))}  (range ${spread(r.single)}; compile ${f(median(r.singleCompile))})`);
}
const met = median(synth.miss) < 500;
console.log(`\n  target: under 500 ms with a warm compiler (the example synth): ${met ? 'met' : 'NOT met'} (cache miss ${f(median(synth.miss))}, hit ${f(median(synth.hit))}; poly ${f(median(poly.miss))})`);
if (values.json) {
  const out = (r) => ({
    miss: { median: median(r.miss), all: r.miss },
    missOptimized: { median: median(r.missOptimized), all: r.missOptimized },
    hit: { median: median(r.hit), all: r.hit },
    ...(r.single.length ? { singleTier: { median: median(r.single), all: r.single } } : {}),
    compileMs: { miss: median(r.missCompile), hit: median(r.hitCompile), ...(r.single.length ? { singleTier: median(r.singleCompile) } : {}) },
    handOverMs: median(r.handOver),
    piecesCompiled: r.pieces,
  });
  writeResults(values.json, 'live-coding', {
    runs, editToAudibleMs: { synth: out(synth), poly: out(poly) },
    target: { editToAudibleMs: 500, module: 'examples/dsp/synth.ts', met },
  });
}
