// Benchmark: each example DSP module (examples/dsp/) rendered by jackwasm's
// engine (wasm2c + cc, native) vs the same .wasm in V8, measured in the same
// run, interleaved, through the same ABI call sequence (copy in, jw_process,
// copy out per block), with the same noise input and MIDI notes.
// Reports ns per frame (all channels) and engine/V8 (< 1 = faster).
// Target: the engine faster than V8 on every example.
//
//   node bench/examples.mjs [--seconds 5] [--block 128] [--runs 7] [--json out.json]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../dist/host/index.js';
import { instantiate } from '../dist/host/dsp/instance.js';
import { median, noise as makeNoise, numberOption, pairedRatio, parseOptions, spread, writeResults } from './common.mjs';

const { values } = parseOptions({ seconds: { type: 'string' }, block: { type: 'string' }, runs: { type: 'string' }, json: { type: 'string' } });
const sampleRate = 48000;
const frames = Math.round(numberOption(values, 'seconds', 60, { min: 0.01, max: 3600 }) * sampleRate);
const block = numberOption(values, 'block', 128, { min: 1, max: 16384, integer: true });
const runs = numberOption(values, 'runs', 15, { min: 1, max: 1000, integer: true });
const root = new URL('..', import.meta.url).pathname;
const cache = mkdtempSync(join(tmpdir(), 'jw-bench-'));
const noise = makeNoise(frames);
const midi = [];
for (let f = 0; f < frames; f += sampleRate / 4) midi.push({ frame: f, bytes: [0x90, 48 + ((f / 12000) % 24), 100] }, { frame: f + 6000, bytes: [0x80, 48 + ((f / 12000) % 24), 0] });

async function engineRun(compiled, nin) {
  const { dsp } = await instantiate(compiled, sampleRate, block);
  const ev = midi.map((e) => [e.frame, ...e.bytes]);
  const info = dsp.info();
  // Touched first, by both peers: time the DSP, not the page faults of fresh arrays.
  const outs = Array.from({ length: info.outputs }, () => new Float32Array(frames).fill(0));
  const r = await dsp.render(Array.from({ length: nin }, () => noise), frames, outs, [], ev, [], 60000, null);
  dsp.dispose();
  if (r.trap) throw new Error(`trap: ${r.trap.message}`);
  // The engine's own time for the block loop (per-block copies included, as
  // in the V8 loop below; allocating the output arrays is not).
  return r.elapsedNs;
}

async function v8Run(bytes) {
  const math = Object.fromEntries(['sin', 'cos', 'tan', 'exp', 'log', 'pow', 'atan2', 'tanh'].flatMap((f) => [[`${f}f`, (...a) => Math.fround(Math[f](...a))], [f, Math[f]]]));
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: { abort: () => { throw new Error('abort'); }, seed: () => 0x6a77, ...math },
    jw_host: { log: () => {}, midi_out: () => {} },
  });
  const x = instance.exports;
  x.jw_init(sampleRate, block);
  const nin = x.jw_inputs(), nout = x.jw_outputs();
  const inOff = Array.from({ length: nin }, (_, c) => x.jw_input(c));
  const outOff = Array.from({ length: nout }, (_, c) => x.jw_output(c));
  const outs = Array.from({ length: nout }, () => new Float32Array(frames).fill(0));
  let mi = 0;
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < frames; start += block) {
    const n = Math.min(block, frames - start);
    while (mi < midi.length && midi[mi].frame < start + n) {
      const e = midi[mi++];
      if (x.jw_midi) x.jw_midi(e.frame - start, e.bytes[0], e.bytes[1], e.bytes[2]);
    }
    const mem = new Float32Array(x.memory.buffer);
    for (let c = 0; c < nin; c++) mem.set(noise.subarray(start, start + n), inOff[c] >> 2);
    x.jw_process(n);
    for (let c = 0; c < nout; c++) outs[c].set(mem.subarray(outOff[c] >> 2, (outOff[c] >> 2) + n), start);
  }
  return Number(process.hrtime.bigint() - t0);
}

console.log(`${frames} frames at ${sampleRate} Hz, block ${block}, median of ${runs} runs\n`);
console.log('module       channels   engine ns/frame   V8 ns/frame   engine/V8');
const dir = join(root, 'build', 'examples');
const results = [];
for (const f of readdirSync(dir).filter((f) => f.endsWith('.wasm')).sort()) {
  const bytes = new Uint8Array(readFileSync(join(dir, f)));
  const compiled = await compile(bytes, { name: f, cacheDir: cache });
  const { info, dsp } = await instantiate(compiled, sampleRate, block);
  dsp.dispose();
  const e = [], v = [];
  for (let i = 0; i < runs; i++) {
    e.push(await engineRun(compiled, info.inputs));
    v.push(await v8Run(bytes));
  }
  const en = median(e) / frames, vn = median(v) / frames;
  results.push({ module: f.replace('.wasm', ''), inputs: info.inputs, outputs: info.outputs, nsPerFrame: { engine: en, v8: vn }, spread: { engine: spread(e), v8: spread(v) }, engineToV8: pairedRatio(e, v) });
  console.log(`${f.replace('.wasm', '').padEnd(12)} ${`${info.inputs}in/${info.outputs}out`.padEnd(10)} ${en.toFixed(2).padStart(15)} ${vn.toFixed(2).padStart(13)} ${pairedRatio(e, v).toFixed(2).padStart(11)}`);
}

const target = { engineFasterThanV8: true, met: results.every((r) => r.engineToV8 < 1) };
console.log(`\n  target: the engine faster than V8 on every example: ${target.met ? 'met' : 'NOT met'}`);
rmSync(cache, { recursive: true, force: true });
if (values.json) writeResults(values.json, 'examples', { frames, block, runs, results, target });
