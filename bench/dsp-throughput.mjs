// Benchmark: DSP throughput of the four kernels in bench/kernels/ (osc+biquad,
// a 16-voice synth, a delay, an FDN reverb), each run
//   - by jackwasm's engine (the .wasm compiled by wasm2c + cc; the offline
//     block loop, with its per-block copies),
//   - as native C (gcc -O2 -ffp-contract=off; bench/kernels/native.c),
//   - by V8 (the same .wasm, the same ABI call sequence and copies),
//   - as plain JavaScript (Math.fround after every operation),
//   - by wabt's interpreter (wasm-interp; the same .wasm merged with a driver,
//     bench/wasm-interp.mjs), on the first `interp-seconds` only,
// in the same run, interleaved, median of `runs`. Outputs are hashed: all
// must be bit-identical (the interpreter's over its shorter run).
// Faust's zita_rev1, the fifth kernel of the report, is bench/faust.mjs.
// Target: the engine within 1.25x of C on every kernel.
//
//   node bench/dsp-throughput.mjs [--seconds 5] [--block 128] [--runs 7] [--interp-seconds 0.5] [--json out.json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../dist/host/index.js';
import { instantiate } from '../dist/host/dsp/instance.js';
import { fnv, median, noise as makeNoise, numberOption, pairedRatio, parseOptions, spread as spreadOf, writeResults } from './common.mjs';
import { interpModules, interpRun } from './wasm-interp.mjs';

const { values } = parseOptions({ seconds: { type: 'string' }, block: { type: 'string' }, runs: { type: 'string' }, 'interp-seconds': { type: 'string' }, json: { type: 'string' }, kernels: { type: 'string' }, cflags: { type: 'string' } });
const sampleRate = 48000;
const frames = Math.round(numberOption(values, 'seconds', 60, { min: 0.01, max: 3600 }) * sampleRate);
const block = numberOption(values, 'block', 128, { min: 1, max: 16384, integer: true });
const runs = numberOption(values, 'runs', 15, { min: 1, max: 1000, integer: true });
const root = new URL('..', import.meta.url).pathname;
const kdir = join(root, 'bench', 'kernels');
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-dsp-'));
const kernels = (values.kernels ?? 'osc-biquad,synth16,delay,fdn').split(',');
const interpFrames = Math.min(frames, Math.round((numberOption(values, 'interp-seconds', 0.5, { min: 0, max: 60 }) * sampleRate) / block) * block);


// The input: deterministic noise, also written for the C harness.
const noise = makeNoise(frames);
const noiseFile = join(tmp, 'noise.f32');
writeFileSync(noiseFile, noise);

async function buildWasm(name) {
  const asc = (await import('assemblyscript/asc')).default;
  const out = join(tmp, `${name}.wasm`);
  const { error, stderr } = await asc.main([join(kdir, `${name}.ts`), '--outFile', out, '--runtime', 'stub', '-O3', '--noAssert']);
  if (error) throw new Error(`asc ${name}: ${stderr}`);
  return new Uint8Array(readFileSync(out));
}

function buildNative(name) {
  const bin = join(tmp, `${name}-native`);
  execFileSync('cc', ['-O2', '-ffp-contract=off', '-fno-fast-math', '-o', bin, join(kdir, `${name}.c`), join(kdir, 'native.c')]);
  return bin;
}

async function engineRun(compiled, nin) {
  const { dsp, info } = await instantiate(compiled, sampleRate, block);
  const outs = Array.from({ length: info.outputs }, () => new Float32Array(frames).fill(0)); // touched: time the kernel, not page faults
  const r = await dsp.render(nin ? [noise] : [], frames, outs, [], [], [], 60000, null);
  dsp.dispose();
  if (r.trap) throw new Error(`trap: ${r.trap.message}`);
  return { ns: r.elapsedNs, hash: fnv(outs[0]) };
}

function nativeRun(bin) {
  return JSON.parse(execFileSync(bin, [String(frames), String(block), noiseFile], { encoding: 'utf8', timeout: 300000 }));
}

async function v8Run(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort: () => { throw new Error('abort'); }, seed: () => 0x6a77 } });
  const x = instance.exports;
  if (x.jw_init(sampleRate, block) !== 0) throw new Error('jw_init failed');
  const nin = x.jw_inputs();
  const inOff = nin ? x.jw_input(0) >> 2 : 0;
  const outOff = x.jw_output(0) >> 2;
  const out = new Float32Array(frames).fill(0);
  const t0 = process.hrtime.bigint();
  const mem = new Float32Array(x.memory.buffer);
  for (let start = 0; start < frames; start += block) {
    const n = Math.min(block, frames - start);
    if (nin) mem.set(noise.subarray(start, start + n), inOff);
    x.jw_process(n);
    out.set(mem.subarray(outOff, outOff + n), start);
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { ns, hash: fnv(out), prefixHash: fnv(out.subarray(0, interpFrames)) };
}

async function jsRun(name) {
  const mod = await import(join(kdir, `${name}.js`));
  const proc = mod.create();
  const out = new Float32Array(frames).fill(0);
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < frames; start += block) {
    const n = Math.min(block, frames - start);
    proc(noise.subarray(start, start + n), out.subarray(start, start + n), n);
  }
  return { ns: Number(process.hrtime.bigint() - t0), hash: fnv(out) };
}

const results = [];
console.log(`DSP throughput: ${frames} frames at ${sampleRate} Hz, block ${block}, median of ${runs} interleaved runs; ns per sample\n`);
console.log(`(the interpreter on the first ${interpFrames} frames)\n`);
console.log('kernel        engine     C    V8    JS  interp  engine/C  engine/V8  engine/JS  bit-identical');
for (const name of kernels) {
  const wasm = await buildWasm(name);
  const bin = buildNative(name);
  const compiled = await compile(wasm, { name, cacheDir: join(tmp, 'cache'), ...(values.cflags ? { cflags: values.cflags.split(' ') } : {}) });
  const nin = (await import(join(kdir, `${name}.js`))).inputs;
  const interp = await interpModules(wasm, { frames: interpFrames, block, dir: tmp, tag: name });
  const t = { engine: [], c: [], v8: [], js: [], interp: [] };
  const hashes = { engine: new Set(), c: new Set(), v8: new Set(), js: new Set() };
  const prefix = { v8: new Set(), interp: new Set() };
  for (let r = 0; r < runs; r++) {
    for (const [k, run] of [['engine', () => engineRun(compiled, nin)], ['c', async () => nativeRun(bin)], ['v8', () => v8Run(wasm)], ['js', () => jsRun(name)]]) {
      const { ns, hash, prefixHash } = await run();
      t[k].push(ns / frames);
      hashes[k].add(hash);
      if (prefixHash !== undefined) prefix.v8.add(prefixHash);
    }
    const { ns, hash } = interpRun(interp);
    t.interp.push(ns / interpFrames);
    prefix.interp.add(hash);
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, median(xs)]));
  const spread = Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, spreadOf(xs)]));
  const all = new Set([...hashes.engine, ...hashes.c, ...hashes.v8, ...hashes.js]);
  const interpSame = prefix.interp.size === 1 && prefix.v8.size === 1 && [...prefix.interp][0] === [...prefix.v8][0];
  const identical = all.size === 1 && interpSame;
  results.push({
    kernel: name,
    nsPerSample: m,
    spread,
    ratios: { engineToC: pairedRatio(t.engine, t.c), engineToV8: pairedRatio(t.engine, t.v8), engineToJs: pairedRatio(t.engine, t.js), engineToInterp: pairedRatio(t.engine, t.interp) },
    bitIdentical: identical,
    hashes: { ...Object.fromEntries(Object.entries(hashes).map(([k, s]) => [k, [...s]])), interpPrefix: [...prefix.interp], v8Prefix: [...prefix.v8] },
  });
  const f = (x) => x.toFixed(2).padStart(6);
  const q = results[results.length - 1].ratios;
  console.log(`${name.padEnd(12)} ${f(m.engine)} ${f(m.c)} ${f(m.v8)} ${f(m.js)} ${m.interp.toFixed(0).padStart(7)} ${f(q.engineToC).padStart(9)} ${f(q.engineToV8).padStart(10)} ${f(q.engineToJs).padStart(10)}  ${identical ? 'yes' : `NO (${[...all].join(', ')}; interpreter ${interpSame ? 'same' : 'differs'})`}`);
}
rmSync(tmp, { recursive: true, force: true });
const target = { engineToC: 1.25, met: results.every((r) => r.ratios.engineToC <= 1.25) };
console.log(`\n  target: the engine within 1.25x of C on every kernel: ${target.met ? 'met' : 'NOT met'}`);
if (values.json) writeResults(values.json, 'dsp-throughput', { frames, block, runs, interpFrames, results, target });
