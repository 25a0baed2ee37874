// Benchmark: a Faust program (default: the Faust libraries' zita_rev1
// reverb, test/faust/zita.dsp), ns per frame, run
//   - by jackwasm's engine (compileFaust: faustwasm's wasm + the adapter,
//     wasm2c + cc; the offline block loop with its per-block copies),
//   - as native C++ compiled from the same .dsp by Debian's faust
//     (-lang cpp -ftz 2, g++ -O2 -ffp-contract=off; bench/peers/faust-native.cpp),
//   - by V8 (the same merged .wasm, the same ABI calls and copies),
//   - as plain JavaScript: the same .wasm turned into JS by binaryen's
//     wasm2js (Faust 2.54 has no JavaScript backend of its own),
//   - by wabt's interpreter (bench/wasm-interp.mjs, with the math functions
//     from bench/peers/faust-math.ts), on the first `interp-seconds` only,
// in the same run, interleaved, median of `runs`. Target: engine <= 1.15x native.
// The engine, V8, JS and the interpreter must be bit-identical; native C++ comes from another
// Faust version (Debian's) with its own libraries, so its output is
// compared and reported, not required to match.
//
//   node bench/faust.mjs [--dsp file.dsp] [--seconds 5] [--block 256] [--runs 7] [--interp-seconds 0.25] [--json out.json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { copyFileSync, readFileSync } from 'node:fs';
import { adaptFaustWasm, compile, compileFaust } from '../dist/host/index.js';
import { instantiate } from '../dist/host/dsp/instance.js';
import { fnv, median, noise as makeNoise, numberOption, pairedRatio, parseOptions, spread as spreadOf, writeResults } from './common.mjs';
import { interpModules, interpRun } from './wasm-interp.mjs';

const { values } = parseOptions({ dsp: { type: 'string' }, seconds: { type: 'string' }, block: { type: 'string' }, runs: { type: 'string' }, 'interp-seconds': { type: 'string' }, json: { type: 'string' } });
const root = new URL('..', import.meta.url).pathname;
const dsp = values.dsp ?? join(root, 'test', 'faust', 'zita.dsp');
const sampleRate = 48000;
const frames = Math.round(numberOption(values, 'seconds', 30, { min: 0.01, max: 3600 }) * sampleRate);
const block = numberOption(values, 'block', 256, { min: 1, max: 16384, integer: true });
const runs = numberOption(values, 'runs', 15, { min: 1, max: 1000, integer: true });
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-faust-'));
const interpFrames = Math.min(frames, Math.round((numberOption(values, 'interp-seconds', 0.25, { min: 0, max: 60 }) * sampleRate) / block) * block);


const noise = makeNoise(frames);
const noiseFile = join(tmp, 'noise.f32');
writeFileSync(noiseFile, noise);

// jackwasm: the .dsp through compileFaust and compile().
const faust = await compileFaust(dsp, { cacheDir: join(tmp, 'cache') });
const compiled = await compile(faust.wasm, { name: 'faust-bench', cacheDir: join(tmp, 'cache') });
const nin = faust.description.inputs;

// Native: Debian's faust to C++, then g++ with the flags jackwasm gives cc.
let nativeBin;
let nativeNote = '';
let sameVersion;
try {
  execFileSync('faust', ['-lang', 'cpp', '-ftz', '2', '-cn', 'bench_dsp', dsp, '-o', join(tmp, 'bench_dsp.h')], { stdio: 'pipe' });
  nativeBin = join(tmp, 'faust-native');
  execFileSync('g++', ['-O2', '-ffp-contract=off', '-fno-fast-math', '-I', tmp, '-o', nativeBin, join(root, 'bench', 'peers', 'faust-native.cpp')], { stdio: 'pipe' });
  nativeNote = execFileSync('faust', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  // The same Faust version's wasm through jackwasm: the engine against
  // native code from one compiler, libraries and code generator.
  // (faust writes the JSON next to the source: compile a copy.)
  copyFileSync(dsp, join(tmp, 'program.dsp'));
  execFileSync('faust', ['-lang', 'wasm-e', '-ftz', '2', join(tmp, 'program.dsp'), '-o', join(tmp, 'debian.wasm')], { stdio: 'pipe', cwd: tmp });
  // The description with the instance size is the one in the .js faust writes beside the .wasm.
  const js = readFileSync(join(tmp, 'debian.js'), 'utf8');
  const json = new Function(`${js}; return getJSONmydsp();`)(); // our own faust run's output, in a bench
  const adapted = await adaptFaustWasm(new Uint8Array(readFileSync(join(tmp, 'debian.wasm'))), json, { name: 'debian', cacheDir: join(tmp, 'cache') });
  sameVersion = await compile(adapted.wasm, { name: 'faust-bench-debian', cacheDir: join(tmp, 'cache') });
} catch (err) {
  nativeBin = undefined;
  nativeNote = `no native peer: ${String(err.stderr ?? err.message).split('\n')[0]} (apt-get install faust g++)`;
}

async function engineRun(which = compiled) {
  const { dsp: d, info } = await instantiate(which, sampleRate, block);
  const outs = Array.from({ length: info.outputs }, () => new Float32Array(frames).fill(0));
  const r = await d.render(Array.from({ length: nin }, () => noise), frames, outs, [], [], [], 60000, null);
  d.dispose();
  if (r.trap) throw new Error(`trap: ${r.trap.message}`);
  return { ns: r.elapsedNs, hash: fnv(outs[0]) };
}

function nativeRun() {
  const [ns, hash] = execFileSync(nativeBin, [noiseFile, String(frames), String(block), '1'], { encoding: 'utf8' }).trim().split(' ');
  return { ns: Number(ns) * frames, hash: Number(hash) };
}

// V8: the same merged module, its math imports from JavaScript's Math (as faustwasm gives them).
const env = { abort: () => { throw new Error('abort'); }, seed: () => 0x6a77 };
for (const f of ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'exp', 'log', 'log10', 'log2', 'asinh', 'acosh', 'atanh', 'cbrt', 'atan2', 'pow', 'hypot']) env[`_${f}f`] = env[`_${f}`] = Math[f];
env._exp2f = env._exp2 = (x) => 2 ** x;
env._fmodf = env._fmod = (x, y) => x % y;
env._roundf = env._round = (x) => Math.sign(x) * Math.round(Math.abs(x));
/** The ABI call sequence over the noise, on a module's exports (V8's instance or wasm2js's): { ns, hash, prefixHash }. */
function blockLoop(x) {
  if (x.jw_init(sampleRate, block) !== 0) throw new Error('jw_init failed');
  const ins = Array.from({ length: x.jw_inputs() }, (_, c) => x.jw_input(c) >> 2);
  const outOff = x.jw_output(0) >> 2;
  const out = new Float32Array(frames).fill(0);
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < frames; start += block) {
    const n = Math.min(block, frames - start);
    const mem = new Float32Array(x.memory.buffer);
    for (const off of ins) mem.set(noise.subarray(start, start + n), off);
    x.jw_process(n);
    out.set(new Float32Array(x.memory.buffer).subarray(outOff, outOff + n), start);
  }
  return { ns: Number(process.hrtime.bigint() - t0), hash: fnv(out), prefixHash: fnv(out.subarray(0, interpFrames)) };
}

async function v8Run() {
  const { instance } = await WebAssembly.instantiate(faust.wasm, { env });
  return blockLoop(instance.exports);
}

// Plain JS: wasm2js's output of the same module, its imports from the same env.
const wasm2js = join(dirname(createRequire(import.meta.url).resolve('binaryen/package.json')), 'bin', 'wasm2js');
writeFileSync(join(tmp, 'faust.wasm'), faust.wasm);
execFileSync(wasm2js, [join(tmp, 'faust.wasm'), '-O2', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '-o', join(tmp, 'faust-w2j.mjs')]);
writeFileSync(join(tmp, 'faust-w2j.mjs'), readFileSync(join(tmp, 'faust-w2j.mjs'), 'utf8').replace("import * as env from 'env';", 'const env = globalThis.__jwBenchFaustEnv;'));
globalThis.__jwBenchFaustEnv = env;
let jsInstances = 0;
async function jsRun() {
  const { ns, hash } = blockLoop(await import(`${join(tmp, 'faust-w2j.mjs')}?instance=${++jsInstances}`)); // a fresh instance per run
  return { ns, hash };
}

// The interpreter: the module merged with a driver and the math functions.
const asc = (await import('assemblyscript/asc')).default;
{
  const { error, stderr } = await asc.main([join(root, 'bench', 'peers', 'faust-math.ts'), '--outFile', join(tmp, 'faust-math.wasm'), '--runtime', 'stub', '--use', 'abort=', '-O3', '--noExportMemory']);
  if (error) throw new Error(`asc faust-math.ts: ${stderr}`);
}
const mathWasm = readFileSync(join(tmp, 'faust-math.wasm'));
const interp = await interpModules(faust.wasm, { frames: interpFrames, block, dir: tmp, tag: 'faust', extra: mathWasm, imports: env });

const peers = [['engine', () => engineRun()], ['v8', v8Run], ['js', jsRun], ['interp', async () => { const r = interpRun(interp); return { ns: (r.ns * frames) / interpFrames, prefixHash: r.hash }; }], ...(nativeBin ? [['native', async () => nativeRun()], ['engineSameFaust', () => engineRun(sameVersion)]] : [])];
const t = Object.fromEntries(peers.map(([k]) => [k, []]));
const hashes = Object.fromEntries(peers.map(([k]) => [k, new Set()]));
const prefix = { v8: new Set(), interp: new Set() };
for (let r = 0; r < runs; r++) {
  for (const [k, run] of peers) {
    const { ns, hash, prefixHash } = await run();
    t[k].push(ns / frames);
    if (hash !== undefined) hashes[k].add(hash);
    if (prefixHash !== undefined) prefix[k].add(prefixHash);
  }
}
const m = Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, median(xs)]));
const spread = Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, spreadOf(xs)]));
const same = (a, b) => hashes[a] && hashes[b] && [...hashes[a]].join() === [...hashes[b]].join();
const result = {
  program: dsp.replace(root, ''),
  frames,
  block,
  runs,
  interpFrames,
  nsPerFrame: m,
  spread,
  ratios: { engineToNative: m.native ? pairedRatio(t.engine, t.native) : null, engineSameFaustToNative: m.native ? pairedRatio(t.engineSameFaust, t.native) : null, engineToV8: pairedRatio(t.engine, t.v8), engineToJs: pairedRatio(t.engine, t.js), engineToInterp: pairedRatio(t.engine, t.interp) },
  target: { engineToNative: 1.15, met: m.native ? pairedRatio(t.engineSameFaust, t.native) <= 1.15 : null },
  bitIdentical: { engineV8: same('engine', 'v8'), engineJs: same('engine', 'js'), interpV8: prefix.interp.size === 1 && [...prefix.interp].join() === [...prefix.v8].join(), engineNative: nativeBin ? same('engine', 'native') : null, engineSameFaustNative: nativeBin ? same('engineSameFaust', 'native') : null },
  native: nativeNote,
};
console.log(`Faust ${result.program}: ${frames} frames at ${sampleRate} Hz, block ${block}, median of ${runs} interleaved runs; ns per frame`);
const f = (x) => (x === undefined || x === null ? '-' : x.toFixed(1));
console.log(`  engine (faustwasm) ${f(m.engine)}   V8 (same wasm) ${f(m.v8)}   JS (wasm2js) ${f(m.js)}   interpreter ${f(m.interp)}   native C++ ${f(m.native)}   engine (${nativeNote} wasm) ${f(m.engineSameFaust)}`);
console.log(`  engine/native, one Faust version: ${result.ratios.engineSameFaustToNative?.toFixed(3) ?? '-'} (target <= 1.15: ${result.target.met === null ? 'not measured' : result.target.met ? 'met' : 'NOT met'}); engine (faustwasm)/native ${result.ratios.engineToNative?.toFixed(3) ?? '-'}; engine/V8 ${result.ratios.engineToV8.toFixed(3)}`);
console.log(`  bit-identical: engine = V8 ${result.bitIdentical.engineV8 ? 'yes' : 'NO'}; = JS ${result.bitIdentical.engineJs ? 'yes' : 'NO'}; interpreter = V8 (first ${interpFrames} frames) ${result.bitIdentical.interpV8 ? 'yes' : 'NO'}; engine = native, one Faust version: ${result.bitIdentical.engineSameFaustNative === null ? '-' : result.bitIdentical.engineSameFaustNative ? 'yes' : 'no'}`);
rmSync(tmp, { recursive: true, force: true });
if (values.json) writeResults(values.json, 'faust', result);
