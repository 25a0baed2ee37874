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
// its own), callbacks that took longer than the period (exact: counted by
// each peer), and its callback times from its first cycle to its last: min,
// median, p99, max (bench/stability-stats.mjs). Percentiles come from the
// same histogram for every peer (eight buckets per octave, the engine's:
// the upper end of the bucket, at most 9% high); min and max are exact.
// Rounds run the peers in turn, `runs` times.
// Target: jackwasm with the garbage-heavy loop has no callback over the
// period and no more xruns than the floor beyond the floor's own variation
// between rounds.
//
//   node bench/stability.mjs [--seconds 60] [--runs 2] [--period 64] [--json out.json]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '../dist/host/index.js';
import { fromTimes, stabilityTarget, summarize } from './stability-stats.mjs';
import { numberOption, parseOptions, writeResults } from './common.mjs';

const { values } = parseOptions({ seconds: { type: 'string' }, runs: { type: 'string' }, period: { type: 'string' }, json: { type: 'string' } });
const seconds = numberOption(values, 'seconds', 60, { min: 0.01, max: 3600 });
const runs = numberOption(values, 'runs', 2, { min: 1, max: 1000, integer: true });
const period = numberOption(values, 'period', 64, { min: 16, max: 8192, integer: true });
const sampleRate = 48000;
const root = new URL('..', import.meta.url).pathname;
const peersDir = join(root, 'bench', 'peers');
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-stability-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
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
        const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
        Object.assign(r, fromTimes(new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~3))), periodNs));
      }
      resolve(r);
    });
  });
}

const periodNs = (period / sampleRate) * 1e9;
const rounds = [];
console.log(`Realtime stability: ${period} frames at ${sampleRate} Hz on a dummy jackd2 (${((period / sampleRate) * 1e6).toFixed(0)} µs per period), ${seconds} s per peer, ${runs} round(s)\n`);
for (let r = 0; r < runs; r++) {
  const round = {};
  for (const peer of peers) {
    const server = await Server.start({ name: `jwbench-stab-${process.pid}-${r}-${peer.key}`, period, sampleRate });
    try {
      round[peer.key] = await runPeer(peer, server.name, `jwstab-${process.pid}-${r}-${peer.key}`);
    } catch (err) {
      // One peer failing (a missing package, a crash) does not lose the others.
      round[peer.key] = { error: err.message };
    } finally {
      await server.stop();
    }
    const x = round[peer.key];
    if (x.error) console.log(`  round ${r + 1}: ${peer.label.padEnd(38)} FAILED: ${x.error}`);
    else console.log(`  round ${r + 1}: ${peer.label.padEnd(38)} ${String(x.xruns).padStart(6)} xruns  ${x.cycles} cycles  ${x.overPeriod} over the period${x.gc ? `  (GC: ${x.gc.count} collections, ${(x.gc.ms / 1000).toFixed(1)} s)` : ''}`);
  }
  rounds.push(round);
}

const results = summarize(rounds, peers);

console.log(`\npeer                                      xruns  above floor  over period   callback µs: min  median     p99      max`);
for (const x of results) {
  const f = (v) => v.toFixed(1).padStart(8);
  if (x.error) {
    console.log(`${x.label.padEnd(40)} not measured: ${x.error}`);
    continue;
  }
  console.log(`${x.label.padEnd(40)} ${String(x.xruns).padStart(6)} ${String(x.attributableXruns).padStart(12)} ${String(x.callbacksOverPeriod).padStart(12)}   ${f(x.callbackUs.min)} ${f(x.callbackUs.median)} ${f(x.callbackUs.p99)} ${f(x.callbackUs.max)}`);
}
const target = stabilityTarget(results);
console.log(`\n  target: jackwasm with a garbage-heavy main thread, no callback over the period and no more xruns than the C floor beyond its own variation: ${target.met ? 'met' : 'NOT met'} (${JSON.stringify(target)})`);
rmSync(tmp, { recursive: true, force: true });
if (values.json) writeResults(values.json, 'stability', { period, sampleRate, seconds, runs, python: pythonNote, results, target });
process.exit(0);
