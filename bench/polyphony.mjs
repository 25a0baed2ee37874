// Benchmark: polyphony of the SDK's example synth (examples/dsp/poly.ts) at
// 64-frame blocks, against the same voice DSP in native C
// (bench/peers/poly.c), measured in the same run. The example is built with
// N voices (its VOICES constant), N notes held; the engine runs it through
// its offline block loop (the live scheduler), C through the same loop
// shape. Reported: ns per voice per 64-frame block, the voices that fit in
// 50% of a 64-frame period at 48 kHz (667 µs), and engine / C.
//
//   node bench/polyphony.mjs [--seconds 5] [--runs 5] [--json out.json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { compile } from '../dist/host/index.js';
import { instantiate } from '../dist/host/dsp/instance.js';
import { median, numberOption, pairedRatio, parseOptions, spread, writeResults } from './common.mjs';

const { values } = parseOptions({ seconds: { type: 'string' }, runs: { type: 'string' }, json: { type: 'string' } });
const seconds = numberOption(values, 'seconds', 5, { min: 0.01, max: 3600 });
const runs = numberOption(values, 'runs', 15, { min: 1, max: 1000, integer: true });
const sampleRate = 48000, block = 64;
const frames = Math.round(seconds * sampleRate / block) * block;
const root = new URL('..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-poly-'));
const budgetNs = 0.5 * (block / sampleRate) * 1e9;

const peer = join(tmp, 'poly');
execFileSync('cc', ['-O2', '-ffp-contract=off', '-o', peer, join(root, 'bench', 'peers', 'poly.c'), '-lm']);

const asc = (await import('assemblyscript/asc')).default;
async function engineModule(voices) {
  const src = readFileSync(join(root, 'examples', 'dsp', 'poly.ts'), 'utf8')
    .replace('const VOICES = 8;', `const VOICES = ${voices};`)
    // asc takes absolute import paths for its library: import relatively.
    .replace('"../../dsp-asm"', JSON.stringify(relative(tmp, join(root, 'dsp-asm'))))
    .replace('"../../dsp-asm/abi-midi"', JSON.stringify(relative(tmp, join(root, 'dsp-asm', 'abi-midi'))));
  const file = join(tmp, `poly${voices}.ts`);
  writeFileSync(file, src);
  const out = join(tmp, `poly${voices}.wasm`);
  const { error, stderr } = await asc.main([file, '--outFile', out, '--runtime', 'stub', '-O3', '--noAssert']);
  if (error) throw new Error(stderr.toString());
  return compile(new Uint8Array(readFileSync(out)), { name: `poly${voices}`, cacheDir: join(tmp, 'cache') });
}

async function engineRun(compiled, voices) {
  const { dsp, info } = await instantiate(compiled, sampleRate, block);
  // Touched first: time the voices, not the page faults of a fresh array (the C peer writes into one reused block).
  const outs = Array.from({ length: info.outputs }, () => new Float32Array(frames).fill(0));
  const midi = Array.from({ length: voices }, (_, v) => [0, 0x90, 36 + v, 100]);
  const r = await dsp.render([], frames, outs, [], midi, [], 60000, null);
  dsp.dispose();
  const x = outs[0];
  let s2 = 0;
  for (let i = 0; i < frames; i++) s2 += x[i] * x[i];
  return { ns: r.elapsedNs, rms: Math.sqrt(s2 / frames) };
}

const results = [];
console.log(`Polyphony at ${block}-frame blocks, ${sampleRate} Hz, all voices holding a note; median of ${runs} runs of ${seconds} s\n`);
console.log('voices   engine ns/voice/block   C ns/voice/block   engine/C   voices in 50% of the period (engine / C)');
for (const voices of [8, 32, 64]) {
  const compiled = await engineModule(voices);
  const e = [], c = [];
  let rms;
  for (let r = 0; r < runs; r++) {
    const er = await engineRun(compiled, voices);
    e.push(er.ns);
    const cr = JSON.parse(execFileSync(peer, [String(voices), String(frames), String(block)], { timeout: 300000 }).toString());
    c.push(cr.ns);
    rms = { engine: er.rms, c: cr.rms };
  }
  const blocks = frames / block;
  const perE = median(e) / blocks / voices, perC = median(c) / blocks / voices;
  const row = { voices, engineNsPerVoiceBlock: perE, cNsPerVoiceBlock: perC, ratio: pairedRatio(e, c), spread: { engine: spread(e), c: spread(c) }, voicesAt50: { engine: Math.floor(budgetNs / perE), c: Math.floor(budgetNs / perC) }, rms };
  results.push(row);
  console.log(`${String(voices).padStart(6)} ${perE.toFixed(0).padStart(23)} ${perC.toFixed(0).padStart(18)} ${row.ratio.toFixed(2).padStart(10)}   ${row.voicesAt50.engine} / ${row.voicesAt50.c} (${(100 / row.ratio).toFixed(0)}% of native's, paired runs)   rms ${rms.engine.toFixed(4)} / ${rms.c.toFixed(4)}`);
}
rmSync(tmp, { recursive: true, force: true });
if (values.json) writeResults(values.json, 'polyphony', { seconds, runs, results });
process.exit(0);
