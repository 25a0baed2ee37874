// Benchmark: offline rendering, in x realtime (higher is better), of
//   - the demo piece: examples/midi/demo.mid (looped to the length) through
//     the poly synth with the demo's settings, as `npm run demo` plays it,
//   - the SDK's example synth (four notes a second) and
//   - the 16-voice synth kernel (bench/kernels/synth16.ts),
// by jackwasm's render() (the public API, instantiation included), the
// engine's own block loop inside it, a direct V8 loop over the same .wasm,
// and node-web-audio-api's OfflineAudioContext with an AudioWorklet running
// the same .wasm (bench/peers/wasm-worklet.js). Same run, interleaved,
// median of `runs`. Targets: render() >= 95% of the engine's throughput,
// >= 2x OfflineAudioContext.
//
//   node bench/render.mjs [--seconds 30] [--runs 5] [--json out.json]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, midiFileFrames, readMidiFile, render } from '../dist/host/index.js';
import { instantiate } from '../dist/host/dsp/instance.js';
import { median, numberOption, pairedRatio, parseOptions, writeResults } from './common.mjs';

const { values } = parseOptions({ seconds: { type: 'string' }, runs: { type: 'string' }, json: { type: 'string' } });
const seconds = numberOption(values, 'seconds', 300, { min: 0.01, max: 3600 });
const runs = numberOption(values, 'runs', 5, { min: 1, max: 1000, integer: true });
const sampleRate = 48000;
const frames = Math.round(seconds * sampleRate) - (Math.round(seconds * sampleRate) % 128);
const root = new URL('..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-render-'));
const { OfflineAudioContext, AudioWorkletNode } = await import('node-web-audio-api');

// Four notes a second.
const notes = [];
for (let f = 0; f < frames; f += 12000) notes.push([f, 0x90, 48 + ((f / 12000) % 24), 100], [f + 6000, 0x80, 48 + ((f / 12000) % 24), 0]);

// The demo's piece, looped to fill the length (one second's rest between passes).
const song = midiFileFrames(await readMidiFile(join(root, 'examples', 'midi', 'demo.mid')), sampleRate);
const songFrames = Math.max(...song.map((e) => e.frame)) + sampleRate;
const piece = [];
for (let at = 0; at < frames; at += songFrames) for (const e of song) if (at + e.frame < frames && e.bytes.length === 3) piece.push([at + e.frame, ...e.bytes]);
let midi = notes;

async function kernel(name) {
  const asc = (await import('assemblyscript/asc')).default;
  const out = join(tmp, `${name}.wasm`);
  const { error, stderr } = await asc.main([join(root, 'bench', 'kernels', `${name}.ts`), '--outFile', out, '--runtime', 'stub', '-O3', '--noAssert']);
  if (error) throw new Error(stderr.toString());
  return new Uint8Array(readFileSync(out));
}

const example = (name) => new Uint8Array(readFileSync(join(root, 'build', 'examples', `${name}.wasm`)));
// [name, bytes, MIDI, parameter values by id (the rest at their defaults)]
const modules = [
  ['demo piece (poly synth)', example('poly'), piece, { level: -14, release: 600 }],
  ['example synth (MIDI)', example('synth'), notes, {}],
  ['synth16 kernel', await kernel('synth16'), [], {}],
];

async function publicRender(compiled) {
  const t0 = performance.now();
  const withMidi = compiled.iface.exports.has('jw_midi');
  await render(compiled, { frames, blockSize: 128, sampleRate, params: initial, ...(withMidi ? { midi: midi.map(([frame, ...bytes]) => ({ frame, bytes })) } : {}) });
  return performance.now() - t0;
}

// The declared defaults, which render() (like load()) sets before the first
// block; every other runner sets them too, so all do the same DSP work.
let initial = [];

async function engineLoop(compiled) {
  const { dsp, info } = await instantiate(compiled, sampleRate, 128);
  const outs = Array.from({ length: info.outputs }, () => new Float32Array(frames));
  const r = await dsp.render([], frames, outs, initial, midi, [], 60000, null);
  dsp.dispose();
  return r.elapsedNs / 1e6;
}

async function v8Loop(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort: () => { throw new Error('abort'); }, seed: () => 0x6a77 }, jw_host: { log: () => {}, midi_out: () => {} } });
  const x = instance.exports;
  const t0 = performance.now();
  x.jw_init(sampleRate, 128);
  for (const [i, v] of initial) x.jw_param_set(i, v);
  const outOff = Array.from({ length: x.jw_outputs() }, (_, c) => x.jw_output(c) >> 2);
  const outs = outOff.map(() => new Float32Array(frames));
  let mi = 0;
  for (let s = 0; s < frames; s += 128) {
    while (mi < midi.length && midi[mi][0] < s + 128) {
      const [f, st, d1, d2] = midi[mi++];
      if (x.jw_midi) x.jw_midi(f - s, st, d1, d2);
    }
    x.jw_process(128);
    const mem = new Float32Array(x.memory.buffer);
    outOff.forEach((o, c) => outs[c].set(mem.subarray(o, o + 128), s));
  }
  return performance.now() - t0;
}

async function webAudio(bytes, channels) {
  const ctx = new OfflineAudioContext({ numberOfChannels: channels, length: frames, sampleRate });
  await ctx.audioWorklet.addModule(join(root, 'bench', 'peers', 'wasm-worklet.js'));
  const node = new AudioWorkletNode(ctx, 'jackwasm-module', { numberOfInputs: 0, outputChannelCount: [channels], processorOptions: { bytes, sampleRate, midi, params: initial } });
  node.connect(ctx.destination);
  const t0 = performance.now();
  await ctx.startRendering();
  return performance.now() - t0;
}

const results = [];
console.log(`Offline render of ${seconds} s at ${sampleRate} Hz, 128-frame blocks, median of ${runs}; x realtime\n`);
console.log('module                  render()   engine loop   V8 loop   OfflineAudioContext   render/engine   render/OAC');
for (const [name, bytes, events, settings] of modules) {
  const compiled = await compile(bytes, { name: name.replace(/\W+/g, '-'), cacheDir: join(tmp, 'cache') });
  const probe = await instantiate(compiled, sampleRate, 128);
  const channels = probe.info.outputs;
  midi = events;
  for (const id of Object.keys(settings)) if (!probe.params.some((p) => p.id === id)) throw new Error(`${name}: no parameter "${id}"`);
  initial = probe.params.flatMap((p, i) => (p.id in settings ? [[i, settings[p.id]]] : probe.declared.has(i) ? [[i, p.default]] : []));
  probe.dsp.dispose();
  const t = { render: [], engine: [], v8: [], webAudio: [] };
  for (let r = 0; r < runs; r++) {
    t.render.push(await publicRender(compiled));
    t.engine.push(await engineLoop(compiled));
    t.v8.push(await v8Loop(bytes));
    t.webAudio.push(await webAudio(bytes, channels));
  }
  const x = Object.fromEntries(Object.entries(t).map(([k, ms]) => [k, seconds / (median(ms) / 1000)]));
  results.push({ module: name, xRealtime: x, ratios: { renderToEngine: pairedRatio(t.engine, t.render), renderToWebAudio: pairedRatio(t.webAudio, t.render) }, ms: t });
  console.log(`${name.padEnd(22)} ${x.render.toFixed(0).padStart(9)} ${x.engine.toFixed(0).padStart(13)} ${x.v8.toFixed(0).padStart(9)} ${x.webAudio.toFixed(0).padStart(21)} ${results.at(-1).ratios.renderToEngine.toFixed(2).padStart(15)} ${results.at(-1).ratios.renderToWebAudio.toFixed(2).padStart(12)}`);
}
rmSync(tmp, { recursive: true, force: true });
if (values.json) writeResults(values.json, 'render', { seconds, runs, results });
process.exit(0);
