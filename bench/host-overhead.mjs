// Benchmark: what the host costs per cycle on a live (dummy) jackd2, against
// a native C JACK client doing the same pass-through (bench/peers/passthrough.c).
// Both run N stages chained input -> output (N = 0, 1, 8, 32) at 64 and 1024
// frames. jackwasm's stages are modules whose jw_process does nothing (input
// and output share one buffer), so what is measured is the host: port
// buffers, the copies into and out of the module, the call, the scheduler.
//
// Measured the same way for both: the time of each process callback, with
// the CPU's cycle counter read at its start and end (the C peer around its
// whole callback; jackwasm's engine around its part of the callback, which
// leaves out the transport query before it: Client.processTime).
// Reported: the empty cycle (N = 0) and the cost per stage ((t(N) - t(0)) / N).
//
//   node bench/host-overhead.mjs [--seconds 3] [--runs 3] [--json out.json]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Server, compile } from '../dist/host/index.js';
import { median, numberOption, pairedRatio, parseOptions, spread, writeResults } from './common.mjs';

const { values } = parseOptions({ seconds: { type: 'string' }, runs: { type: 'string' }, json: { type: 'string' } });
const seconds = numberOption(values, 'seconds', 4, { min: 0.01, max: 3600 });
const runs = numberOption(values, 'runs', 3, { min: 1, max: 1000, integer: true });
const root = new URL('..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-host-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const peer = join(tmp, 'passthrough');
execFileSync('cc', ['-O2', '-o', peer, join(root, 'bench', 'peers', 'passthrough.c'), '-ljack']);

const passWat = join(tmp, 'pass.wat');
writeFileSync(passWat, `(module (memory (export "memory") 2)
  (func (export "jw_abi") (result i32) (i32.const 1)) (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 1)) (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 1024)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param i32)))`);
execFileSync('wat2wasm', [passWat, '-o', join(tmp, 'pass.wasm')]);
const pass = await compile(new Uint8Array(readFileSync(join(tmp, 'pass.wasm'))), { name: 'pass', cacheDir: join(tmp, 'cache') });

async function cRun(server, period, n, mode = 'copy') {
  const child = spawn(peer, [server.name, `peer-${process.pid}-${period}-${n}-${mode}`, String(n), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`passthrough exited with ${code}`)));
  });
  await sleep(seconds * 1000);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const s = JSON.parse(out.trim().split('\n').pop());
  return s.totalNs / s.cycles;
}

let clientSeq = 0;
async function jwRun(server, period, n) {
  const client = await Client.open(`jwbench-${process.pid}-${++clientSeq}`, { serverName: server.name });
  try {
    client.activate();
    const mods = [];
    for (let i = 0; i < n; i++) mods.push(await client.load(pass, { name: `p${i}` }));
    for (let i = 0; i + 1 < n; i++) client.connect(mods[i].outputs[0], mods[i + 1].inputs[0]);
    await sleep(300);
    const a = client.processTime;
    await sleep(seconds * 1000);
    const b = client.processTime;
    return ((b.meanUs * b.cycles - a.meanUs * a.cycles) * 1000) / (b.cycles - a.cycles);
  } finally {
    await client.close();
  }
}

const results = [];
console.log(`Host overhead per cycle on a dummy jackd2 at 48 kHz: process callback time, median of ${runs} runs of ${seconds} s\n`);
console.log('C: a native client copying each stage\'s input to its output. C-private: the same with the');
console.log('copies going through a private wasm-like memory per stage and a call through a pointer');
console.log('(the floor for any sandboxed engine).\n');
console.log('period  stages   C ns/cycle  C-private  jackwasm ns/cycle   ratio  vs C-private');
for (const period of [64, 1024]) {
  const server = await Server.start({ name: `jwbench-${process.pid}-${period}`, period });
  try {
    const row = {};
    for (const n of [0, 1, 8, 32]) {
      const c = [], p = [], j = [];
      for (let r = 0; r < runs; r++) {
        c.push(await cRun(server, period, n));
        p.push(await cRun(server, period, n, 'private'));
        j.push(await jwRun(server, period, n));
      }
      row[n] = { c: median(c), cPrivate: median(p), jackwasm: median(j), ratio: pairedRatio(j, c), ratioPrivate: pairedRatio(j, p), spread: { c: spread(c), cPrivate: spread(p), jackwasm: spread(j) } };
      console.log(
        `${String(period).padStart(6)} ${String(n).padStart(7)} ${row[n].c.toFixed(0).padStart(12)} ${row[n].cPrivate.toFixed(0).padStart(10)} ${row[n].jackwasm.toFixed(0).padStart(18)} ${row[n].ratio.toFixed(2).padStart(7)} ${row[n].ratioPrivate.toFixed(2).padStart(13)}`,
      );
    }
    const perStage = (k) => Object.fromEntries([1, 8, 32].map((n) => [n, (row[n][k] - row[0][k]) / n]));
    const pc = perStage('c'), pp = perStage('cPrivate'), pj = perStage('jackwasm');
    for (const n of [1, 8, 32])
      console.log(
        `${String(period).padStart(6)}  per stage at N=${String(n).padEnd(2)}  C ${pc[n].toFixed(0).padStart(6)} ns   C-private ${pp[n].toFixed(0).padStart(6)} ns   jackwasm ${pj[n].toFixed(0).padStart(6)} ns   ratio ${(pj[n] / pc[n]).toFixed(2)} / ${(pj[n] / pp[n]).toFixed(2)}`,
      );
    results.push({ period, rows: row, perStage: { c: pc, cPrivate: pp, jackwasm: pj }, emptyCycleRatio: row[0].jackwasm / row[0].c });
  } finally {
    await server.stop();
  }
}
rmSync(tmp, { recursive: true, force: true });
if (values.json) writeResults(values.json, 'host-overhead', { seconds, runs, results });
process.exit(0);
