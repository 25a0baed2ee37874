// Child process for test/realtime.safety.test.ts, run with the checker
// preloaded. Drives every realtime path in steady state: the timebase and
// slow-sync callbacks, DSP modules (parameters, MIDI in and out through JACK,
// module-to-module audio, logging, traps of every mechanism: a trap
// instruction, a guard-page fault, stack exhaustion, a watchdog interrupt;
// overrun accounting, reset() and swap() with crossfade and state) and recording into JS. Prints
// the checker's counts as JSON.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../dist/host/index.js';

const require = createRequire(import.meta.url);
const native = require('../../build/Release/jackwasm.node');
const root = new URL('../../', import.meta.url).pathname;
const serverName = process.env.JW_SERVER;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));

const result = { canary: {} };
for (const kind of ['malloc', 'lock', 'syscall']) {
  const before = native.rtcheck();
  native.rtcheckCanary(kind);
  result.canary[kind] = diff(before, native.rtcheck());
}

const tmp = mkdtempSync(join(tmpdir(), 'jw-rtcheck-'));
process.env.JACKWASM_CACHE = join(tmp, 'cache');
execFileSync('wat2wasm', [join(root, 'test/rtcheck/midi-source.wat'), '-o', join(tmp, 'midi-source.wasm')]);
execFileSync('wat2wasm', [join(root, 'test/rtcheck/faults.wat'), '-o', join(tmp, 'faults.wasm')]);
const wasm = (p) => new Uint8Array(readFileSync(p));

const client = await Client.open(`rtcheck-${process.pid}`, { serverName });
client.activate();
client.setTimebase({ bpm: 133, beatsPerBar: 5 });
let syncRequests = 0;
client.setSyncHandler(async () => {
  syncRequests++;
  await sleep(5);
});
const sine = await client.load(wasm(join(root, 'build/examples/sine.wasm')), { name: 'sine' });
const gain = await client.load(wasm(join(root, 'build/examples/gain.wasm')), { name: 'gain' });
const synth = await client.load(wasm(join(root, 'build/examples/synth.wasm')), { name: 'synth' });
const source = await client.load(wasm(join(tmp, 'midi-source.wasm')), { name: 'src' });
const sampler = await client.load(wasm(join(root, 'build/examples/sampler.wasm')), { name: 'sampler', buffers: { sample: new Float32Array(4800).fill(0.01) } });
await sampler.loadBuffer('sample', [new Float32Array(2400).fill(0.02), new Float32Array(2400).fill(0.03)]);
const scope = await client.load(wasm(join(root, 'build/examples/scope.wasm')), { name: 'scope' });
client.connect(sine.outputs[0], scope.inputs[0]);
const scopeRing = scope.ring('scope');
const faults = await Promise.all([1, 2, 3].map((i) => client.load(wasm(join(tmp, 'faults.wasm')), { name: `faults${i}` })));
client.watchdogMs = 20;
client.overrunPolicy = { budget: 0.000001, silenceAfter: 0 }; // every module overruns: the accounting path runs every cycle
client.connect(sine.outputs[0], gain.inputs[0]);
client.connect(source.midiOutput, synth.midiInput);
// MIDI between JS and own ports (port.send, port.on('midi')): SysEx and notes through the rings.
const jsOut = client.midiOutports.register('js_out');
const jsIn = client.midiInports.register('js_in');
client.connect(jsOut, jsIn);
client.connect(jsOut, synth.midiInput);
let jsMidi = 0;
jsIn.on('midi', () => jsMidi++);
let logs = 0;
let traps = 0;
source.on('log', () => logs++);
source.on('trap', () => traps++);
const faultKinds = [];
for (const f of faults) f.on('trap', (t) => faultKinds.push(t.kind));
let overruns = 0;
sine.on('overrun', (o) => (overruns += o.count));

async function exercise(ms) {
  const end = Date.now() + ms;
  let frame = 0;
  while (Date.now() < end) {
    client.transportFrame = (frame += 12345);
    client.transportStart();
    sine.setParam('frequency', 200 + (frame % 800));
    gain.setParam(0, -(frame % 24));
    synth.setParam('cutoff', 500 + (frame % 2000), { frame: client.lastFrameTime + 300 }); // timed: splits a block
    synth.sendMidi([0x90, 40 + (frame % 30), 90], { frame: client.lastFrameTime + 700 }); // MIDI from JS, merged with the port's
    synth.sendMidi([0x80, 40 + (frame % 30), 0]);
    jsOut.send([0xf0, 0x7d, frame % 128, 0xf7]);
    jsOut.send([0x90, 50 + (frame % 20), 80], { frame: client.lastFrameTime + 500 });
    await sleep(40);
    client.setTimebase({ bpm: 100 + (frame % 50) });
    client.transportStop();
    await sleep(20);
  }
}

await exercise(500); // warm-up: first-use allocations happen here
const before = native.rtcheck();
// Counts reported below are for the measured window only (not the warm-up).
const baseline = { timebaseCalls: client.stats.timebaseCalls, syncRequests, logs, jsMidi };
source.setParam('trap', 1);
faults.forEach((f, i) => f.setParam('mode', i + 1));
const recording = client.record([gain.outputs[0], synth.outputs[0]], { frames: 24000 });
// An audio stream to JS that a slow reader lets overflow (records written and cycles dropped on the audio thread).
const stream = client.createReadStream([gain.outputs[0], synth.outputs[0]], { blockFrames: 1024, ringSeconds: 0.1, highWaterMark: 1 });
let streamed = 0;
const reader = (async () => {
  for await (const b of stream) {
    streamed += b.channels[0].length;
    await sleep(streamed % 4096 === 0 ? 150 : 1); // now and then too slow
  }
})();
// Audio from JS: a looped buffer, and a write stream whose writer now and then falls behind (underruns).
const stopPlay = new AbortController();
const looping = client.play([gain.inputs[0]], [new Float32Array(1000).fill(0.001)], { loop: true, signal: stopPlay.signal });
const writer = client.createWriteStream([gain.inputs[0]], { ringSeconds: 0.05, startFrames: 256 });
let writing = true;
const feeder = (async () => {
  for (let n = 1; writing; n++) {
    if (!writer.write([new Float32Array(512).fill(0.001)])) await new Promise((r) => writer.once('drain', r));
    await sleep(n % 64 === 0 ? 150 : 1); // now and then too slow
  }
})();
// Buffers into a module while it plays them: each hand-over at a cycle start, notes in between.
let loading = true;
let bufferLoads = 0;
let ringSamples = 0;
const loader = (async () => {
  for (let n = 0; loading; n++) {
    const frames = 2400 + (n % 100);
    await sampler.loadBuffer('sample', [new Float32Array(frames).fill(0.01), new Float32Array(frames).fill(0.02)]);
    bufferLoads++;
    sampler.sendMidi([0x90, 60 + (n % 12), 100]);
    ringSamples += scopeRing.readFloat32().length; // a module ring drained from JS
    await sleep(3);
  }
})();
await exercise(Number(process.env.JW_SECONDS ?? 1.5) * 1000);
await synth.reset();
// Hot-swaps with crossfade and state carried over (synth mid-note, gain).
result.swaps = [];
for (let i = 0; i < 3; i++) {
  const [a, b] = await Promise.all([synth.swap(synth.compiled, { crossfadeMs: 20 }), gain.swap(gain.compiled, { crossfadeMs: 5 }), exercise(60)]);
  result.swaps.push(a.state.bytes, b.state.bytes);
}
// A swap that carries the loaded buffer (copied before the new instance runs, handed over at its first cycle).
result.samplerCarried = (await sampler.swap(sampler.compiled, { crossfadeMs: 5 })).buffers.carried;
await exercise(300);
const rec = await recording;
result.steady = diff(before, native.rtcheck());
loading = false;
await loader;
result.bufferLoads = bufferLoads;
result.ringSamples = ringSamples;
writing = false;
await feeder;
stopPlay.abort();
result.looped = (await looping).loops;
result.written = writer.playedFrames;
result.underrun = writer.underrunFrames;
writer.destroy();
stream.destroy();
await reader.catch(() => {});
result.streamed = streamed;
result.streamLost = stream.lostFrames;
result.timebaseCalls = client.stats.timebaseCalls - baseline.timebaseCalls;
result.syncRequests = syncRequests - baseline.syncRequests;
result.logs = logs - baseline.logs;
result.jsMidi = jsMidi - baseline.jsMidi;
result.recordedFrames = rec.channels.map((c) => c.length);
result.traps = traps;
result.faultKinds = faultKinds.sort();
result.overruns = overruns;
result.recordedPeaks = rec.channels.map((c) => c.reduce((m, x) => Math.max(m, Math.abs(x)), 0));
client.transportStop();
await client.close();
rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify(result));
