// Benchmark: netjack2 round trip on this machine. A master (dummy driver,
// netmanager loaded) and a slave (`jackd -d net`) talk over UDP on
// 127.0.0.1; the master sends 24-bit noise to the slave, where a jackwasm
// module copies its input to an output, and a wire (capture_2 ->
// playback_2, no client) sends it straight back. The master records what
// it sent and what came back in one call, so the delay of each path is
// found exactly, by matching the samples bit for bit. Also: how long a
// slave takes to appear on the master, and whether the float samples came
// back bit-exact.
//
//   node bench/netjack2.mjs [--periods 64,256,1024] [--latencies 1,2,5] [--modes sync,async]
//                           [--seconds 0.5] [--tries 20] [--json out.json]
//
// A trial with an xrun on either server (or a gap in the recording) is
// tried again; the table says how many tries each setting took.
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Server } from '../dist/host/index.js';
import { numberOption, parseOptions, writeResults } from './common.mjs';

const { values } = parseOptions({
    periods: { type: 'string' },
    latencies: { type: 'string' },
    modes: { type: 'string' },
    seconds: { type: 'string' },
    tries: { type: 'string' },
    json: { type: 'string' },
  });
const list = (s, d) => (s ?? d).split(',').map((x) => x.trim());
const periods = list(values.periods, '64,256,1024').map(Number);
const latencies = list(values.latencies, '1,2,5').map(Number);
const modes = list(values.modes, 'sync,async');
const seconds = numberOption(values, 'seconds', 0.5, { min: 0.01, max: 3600 });
const tries = numberOption(values, 'tries', 20, { min: 1, max: 1000, integer: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const env = { ...process.env, JACK_NO_START_SERVER: '1', JACK_NO_AUDIO_RESERVATION: '1' };
const uid = process.getuid?.() ?? 0;
const dist = new URL('../dist/host/index.js', import.meta.url).href;

// Two small modules: noise from an LCG (as test/abi/noise.wat), and a copy.
const NOISE = `(module (memory (export "memory") 2) (global $s (mut i32) (i32.const 0x12345678))
  (func (export "jw_abi") (result i32) (i32.const 1)) (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32) (local $i i32)
    (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (global.set $s (i32.add (i32.mul (global.get $s) (i32.const 1664525)) (i32.const 1013904223)))
      (f32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))
        (f32.sub (f32.mul (f32.convert_i32_u (i32.shr_u (global.get $s) (i32.const 8))) (f32.const 0x1p-23)) (f32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))))`;
const COPY = `(module (memory (export "memory") 2) (global $max (mut i32) (i32.const 0))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (global.set $max (local.get 1)) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 1)) (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 1024))
  (func $out (export "jw_output") (param i32) (result i32) (i32.add (i32.const 1024) (i32.shl (global.get $max) (i32.const 2))))
  (func (export "jw_process") (param $n i32) (memory.copy (call $out (i32.const 0)) (i32.const 1024) (i32.shl (local.get $n) (i32.const 2)))))`;

const dir = mkdtempSync(join(tmpdir(), 'jw-bench-netjack2-'));
const wasm = async (name, text) => {
  writeFileSync(join(dir, `${name}.wat`), text);
  await new Promise((res, rej) => execFile('wat2wasm', [join(dir, `${name}.wat`), '-o', join(dir, `${name}.wasm`)], (e, o, s) => (e ? rej(new Error(s)) : res())));
  return join(dir, `${name}.wasm`);
};
const noisePath = await wasm('noise', NOISE);
const copyPath = await wasm('copy', COPY);

function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Smallest d with got[i] === sent[i - d] (bits) over the whole overlap, or -1. */
function delayOf(got, sent, max) {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const s = new Uint32Array(sent.buffer, sent.byteOffset, sent.length);
  for (let d = 0; d <= max; d++) {
    let ok = true;
    for (let i = d; i < g.length && ok; i++) ok = g[i] === s[i - d];
    if (ok) return d;
  }
  return -1;
}

async function measure(period, latency, mode) {
  const tag = `${process.pid}-${period}-${latency}-${mode}`;
  const port = await freeUdpPort();
  const master = await Server.start({ name: `jwbench-njm-${tag}`, period });
  let slave;
  let client;
  let child;
  try {
    await new Promise((res, rej) =>
      execFile('jack_load', ['-s', master.name, 'netmanager', '-i', `-a 127.0.0.1 -p ${port}`], { env }, (e, o, s) => (e ? rej(new Error(`jack_load: ${o}${s}`)) : res())),
    );
    client = await Client.open(`jwbench-njrec-${tag}`, { serverName: master.name });
    let mx = 0;
    client.on('xrun', () => mx++);
    client.activate();
    const node = `jwbench-njnode-${tag}`;
    const slaveName = `jwbench-njs-${tag}`;
    const args = [...(mode === 'sync' ? ['-S'] : []), '-n', slaveName, '-d', 'net', '-a', '127.0.0.1', '-p', String(port), '-n', node, '-C', '2', '-P', '2', '-l', String(latency)];
    const t0 = performance.now();
    // setpriv --pdeathsig: the kernel stops jackd if this process dies first.
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
    slave = setpriv ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', 'jackd', ...args], { env, stdio: 'ignore' }) : spawn('jackd', args, { env, stdio: 'ignore' });
    while (client.getPorts({ namePattern: `^${node}:` }).length < 4) {
      if (slave.exitCode !== null || performance.now() - t0 > 10000) throw new Error(`slave did not connect: jackd ${args.join(' ')}`);
      await sleep(5);
    }
    const connectMs = performance.now() - t0;
    const noise = await client.load(noisePath, { name: 'noise' });
    const holds = [1, 2].map((i) => client.inports.register(`hold_${i}`));
    for (let k = 0; ; k++) {
      try {
        noise.outputs[0].connect(`${node}:to_slave_1`);
        noise.outputs[0].connect(`${node}:to_slave_2`);
        holds.forEach((h, i) => h.connect(`${node}:from_slave_${i + 1}`));
        break;
      } catch (err) {
        if (k > 100) throw err; // the netjack client on the master activates just after registering its ports
        await sleep(20);
      }
    }
    child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { Client } from ${JSON.stringify(dist)};
      const c = await Client.open(${JSON.stringify(`jwbench-njdsp-${tag}`)}, { serverName: ${JSON.stringify(slaveName)} });
      c.on('xrun', () => process.stdout.write('xrun\\n'));
      c.activate();
      const m = await c.load(${JSON.stringify(copyPath)}, { name: 'copy' });
      c.connect('system:capture_1', m.inputs[0]);
      m.outputs[0].connect('system:playback_1');
      c.connect('system:capture_2', 'system:playback_2');
      process.stdout.write('ready\\n');
      process.stdin.once('data', async () => { await c.close(); process.exit(0); });`], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    while (!out.includes('ready')) {
      if (child.exitCode !== null) throw new Error('the slave-side client exited');
      await sleep(10);
    }
    const sx = () => (out.match(/^xrun$/gm) ?? []).length;
    for (let t = 1; t <= tries; t++) {
      const [m0, s0] = [mx, sx()];
      const startAt = (client.lastFrameTime + 12000) >>> 0;
      const rec = await client.record([noise.outputs[0], `${node}:from_slave_1`, `${node}:from_slave_2`], { seconds, startAt }).catch((err) => {
        if (err.code === 'TOO_LATE') return undefined; // this process stalled for longer than the lead: the machine is loaded
        throw err;
      });
      if (!rec) continue;
      await sleep(100);
      if (rec.discontinuities.length || mx !== m0 || sx() !== s0) continue;
      const [sent, viaModule, viaWire] = rec.channels;
      const module = delayOf(viaModule, sent, 16 * period);
      const wire = delayOf(viaWire, sent, 16 * period);
      return { period, latency, mode, tries: t, connectMs: Math.round(connectMs), module, wire, bitExact: module >= 0 && wire >= 0 };
    }
    return { period, latency, mode, tries, connectMs: Math.round(connectMs), module: null, wire: null, bitExact: null, note: `every try had an xrun` };
  } finally {
    if (child && child.exitCode === null) {
      child.stdin.write('q\n');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await client?.close();
    if (slave && slave.exitCode === null) {
      slave.kill('SIGTERM');
      await new Promise((r) => (slave.exitCode !== null ? r() : slave.once('exit', r)));
    }
    await master.stop(15000);
    // What a jackd killed by a signal leaves behind (and a stopped one's semaphores of clients still connected).
    for (const name of [`jwbench-njs-${tag}`, master.name]) {
      for (const f of readdirSync('/dev/shm')) if (f === `jack_${name}_${uid}_0` || f.startsWith(`jack_sem.${uid}_${name}_`)) unlinkSync(`/dev/shm/${f}`);
    }
  }
}

const rows = [];
try {
  for (const mode of modes) {
    for (const period of periods) {
      for (const latency of latencies) {
        const r = await measure(period, latency, mode);
        rows.push(r);
        const ms = (f) => ((1000 * f) / 48000).toFixed(2);
        console.log(
          r.module === null
            ? `${mode.padEnd(5)} -p ${String(period).padStart(4)} -l ${latency}: ${r.note}`
            : `${mode.padEnd(5)} -p ${String(period).padStart(4)} -l ${latency}: round trip through a module ${r.module} frames (${r.module / period} periods, ${ms(r.module)} ms), ` +
                `through a wire ${r.wire} frames (${r.wire / period} periods, ${ms(r.wire)} ms); bit-exact ${r.bitExact}; slave on the master after ${r.connectMs} ms; try ${r.tries}`,
        );
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (values.json) {
  writeResults(values.json, 'netjack2', { seconds, rows });
}
process.exitCode = rows.some((r) => r.bitExact === false) ? 1 : 0;
