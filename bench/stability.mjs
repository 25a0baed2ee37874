// Benchmark: realtime stability at 64 frames / 48 kHz on a dummy jackd2.
// Each peer applies a gain of 0.5 from system:capture_1 to
// system:playback_1, alone on a fresh server, for `seconds`:
//   - a native C client (bench/peers/stability.c): the floor, what the
//     machine and the dummy driver do with a client that cannot be late;
//   - jackwasm (bench/peers/stability-node.mjs: the example gain module),
//     with the Node main thread idle, and running a garbage-heavy loop in
//     the same process;
//   - Python JACK-Client with NumPy (bench/peers/stability.py; Debian's
//     python3-jack-client), its main thread idle, and running a pure-Python
//     loop.
// Reported per peer: xruns while it ran (and, client-attributable, how many
// more than the C floor had in the same rounds: the dummy driver has xruns of
// its own), callbacks that took longer than the period, and its callback
// times from its first cycle to its last: min, median, p99, max. Percentiles come from the
// same histogram for every peer (eight buckets per octave, the engine's:
// the upper end of the bucket, at most 9% high); min and max are exact.
// Rounds run the peers in turn, `runs` times.
// Target: jackwasm with the garbage-heavy loop has no xrun above the floor
// and no callback over the period.
//
//   node bench/stability.mjs [--seconds 60] [--runs 1] [--period 64] [--json out.json]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Server, cycleBucket, cycleBucketNs, percentileNs } from '../dist/host/index.js';
import { writeResults } from './common.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, runs: { type: 'string' }, period: { type: 'string' }, json: { type: 'string' } } });
const seconds = Number(values.seconds ?? 60);
const runs = Number(values.runs ?? 1);
const period = Number(values.period ?? 64);
const sampleRate = 48000;
const root = new URL('..', import.meta.url).pathname;
const peersDir = join(root, 'bench', 'peers');
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-stability-'));
const python = '/usr/bin/python3'; // Debian's, with its python3-jack-client

const cPeer = join(tmp, 'stability');
execFileSync('cc', ['-O2', '-o', cPeer, join(peersDir, 'stability.c'), '-ljack']);

let pythonNote = null;
try {
  pythonNote = execFileSync(python, ['-c', 'import jack, numpy, sys; print(f"JACK-Client {jack.__version__}, NumPy {numpy.__version__}, Python {sys.version.split()[0]}")'], { encoding: 'utf8' }).trim();
} catch {
  console.log(`No Python peer: ${python} cannot import jack and numpy (apt-get install python3-jack-client python3-numpy)`);
}

const peers = [
  { key: 'c', label: 'native C client (floor)', argv: (server, name, file) => [cPeer, [server, name, String(seconds), file]] },
  { key: 'jackwasmIdle', label: 'jackwasm, main thread idle', argv: (server, name) => [process.execPath, [join(peersDir, 'stability-node.mjs'), server, name, String(seconds), join(tmp, 'cache'), 'idle']] },
  { key: 'jackwasmGc', label: 'jackwasm, garbage-heavy main thread', argv: (server, name) => [process.execPath, [join(peersDir, 'stability-node.mjs'), server, name, String(seconds), join(tmp, 'cache'), 'gc']] },
  ...(pythonNote
    ? [
        { key: 'pythonIdle', label: 'Python JACK-Client, main thread idle', argv: (server, name, file) => [python, [join(peersDir, 'stability.py'), server, name, String(seconds), file, 'idle']] },
        { key: 'pythonBusy', label: 'Python JACK-Client, busy main thread', argv: (server, name, file) => [python, [join(peersDir, 'stability.py'), server, name, String(seconds), file, 'busy']] },
      ]
    : []),
];

function runPeer(peer, server, name) {
  const file = join(tmp, `${name}.u32`);
  const [cmd, args] = peer.argv(server, name, file);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JACK_NO_START_SERVER: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    const limit = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) return reject(new Error(`${peer.label}: exited with ${signal ?? code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      const r = JSON.parse(line);
      if (!r.fine) {
        // A raw peer: every callback's time, bucketed as the engine does.
        const times = existsSync(file) ? new Uint32Array(readFileSync(file).buffer.slice(0)) : new Uint32Array(0);
        r.fine = new Array(256).fill(0);
        let min = Infinity, max = 0, total = 0;
        for (const t of times) {
          r.fine[cycleBucket(t)]++;
          if (t < min) min = t;
          if (t > max) max = t;
          total += t;
        }
        Object.assign(r, { minNs: times.length ? min : 0, maxNs: max, meanNs: times.length ? Math.round(total / times.length) : 0 });
      }
      resolve(r);
    });
  });
}

const rounds = [];
console.log(`Realtime stability: ${period} frames at ${sampleRate} Hz on a dummy jackd2 (${((period / sampleRate) * 1e6).toFixed(0)} µs per period), ${seconds} s per peer, ${runs} round(s)\n`);
for (let r = 0; r < runs; r++) {
  const round = {};
  for (const peer of peers) {
    const server = await Server.start({ name: `jwbench-stab-${process.pid}-${r}-${peer.key}`, period, sampleRate });
    try {
      round[peer.key] = await runPeer(peer, server.name, `jwstab-${process.pid}-${r}-${peer.key}`);
    } finally {
      await server.stop();
    }
    const x = round[peer.key];
    console.log(`  round ${r + 1}: ${peer.label.padEnd(38)} ${String(x.xruns).padStart(6)} xruns  ${x.cycles} cycles${x.gc ? `  (GC: ${x.gc.count} collections, ${(x.gc.ms / 1000).toFixed(1)} s)` : ''}`);
  }
  rounds.push(round);
}

const results = peers.map((peer) => {
  const all = rounds.map((round) => round[peer.key]);
  const fine = new Array(256).fill(0);
  for (const x of all) x.fine.forEach((n, i) => (fine[i] += n));
  const maxNs = Math.max(...all.map((x) => x.maxNs));
  const xruns = all.reduce((a, x) => a + x.xruns, 0);
  const floor = rounds.reduce((a, round) => a + round.c.xruns, 0);
  const periodNs = (period / sampleRate) * 1e9;
  return {
    peer: peer.key,
    label: peer.label,
    xruns,
    xrunsPerRound: all.map((x) => x.xruns),
    attributableXruns: peer.key === 'c' ? 0 : Math.max(0, xruns - floor),
    // Cycles in buckets that start at or above the period: the client alone made them late.
    callbacksOverPeriod: fine.reduce((a, n, i) => a + (cycleBucketNs(i)[0] >= periodNs ? n : 0), 0),
    cycles: all.reduce((a, x) => a + x.cycles, 0),
    callbackUs: {
      min: Math.min(...all.map((x) => x.minNs)) / 1000,
      median: percentileNs(fine, 50, maxNs) / 1000,
      p99: percentileNs(fine, 99, maxNs) / 1000,
      max: maxNs / 1000,
    },
    ...(all[0].gc ? { gc: { collections: all.reduce((a, x) => a + x.gc.count, 0), seconds: all.reduce((a, x) => a + x.gc.ms, 0) / 1000 } } : {}),
  };
});

console.log(`\npeer                                      xruns  above floor  over period   callback µs: min  median     p99      max`);
for (const x of results) {
  const f = (v) => v.toFixed(1).padStart(8);
  console.log(`${x.label.padEnd(40)} ${String(x.xruns).padStart(6)} ${String(x.attributableXruns).padStart(12)} ${String(x.callbacksOverPeriod).padStart(12)}   ${f(x.callbackUs.min)} ${f(x.callbackUs.median)} ${f(x.callbackUs.p99)} ${f(x.callbackUs.max)}`);
}
const gcPeer = results.find((x) => x.peer === 'jackwasmGc');
const target = { attributableXruns: 0, callbacksOverPeriod: 0, met: gcPeer.attributableXruns === 0 && gcPeer.callbacksOverPeriod === 0 };
console.log(`\n  target: jackwasm with a garbage-heavy main thread, no xrun above the C floor and no callback over the period: ${target.met ? 'met' : 'NOT met'} (${gcPeer.attributableXruns} xruns above the floor, ${gcPeer.callbacksOverPeriod} callbacks over the period)`);
rmSync(tmp, { recursive: true, force: true });
if (values.json) writeResults(values.json, 'stability', { period, sampleRate, seconds, runs, python: pythonNote, results, target });
process.exit(0);
