/**
 * filter-sweep: a live WebAssembly DSP chain, steered from JavaScript.
 *
 * Shows: client.load() of compiled example modules (sine -> stereo biquad),
 * connecting module ports within one client (same-cycle hand-over), setParam
 * from JS while audio runs (lock-free, applied at the next block), and
 * client.record() to measure the result. Runs for --seconds N (default 3).
 */
import { fileURLToPath } from 'node:url';
import { Client, ensureServer } from 'jackwasm';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;
const wasm = (name: string) => fileURLToPath(new URL(`../../build/examples/${name}.wasm`, import.meta.url));

await using server = await ensureServer();
await using client = await Client.open(`filter-sweep-${process.pid}`, { serverName: server.name });
client.activate();

const osc = await client.load(wasm('sine'), { name: 'osc', params: { frequency: 220, level: -6 } });
const filter = await client.load(wasm('biquad'), { name: 'lpf', params: { type: 0, cutoff: 300, q: 0.7071 } });
for (const input of filter.inputs) client.connect(osc.outputs[0]!, input);
const speakers = client.getPorts({ isPhysical: true, isInput: true, isAudio: true });
filter.outputs.forEach((out, i) => speakers[i] && out.connect(speakers[i]!));

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
const steps = Math.max(2, Math.round(seconds * 2));
for (let i = 0; i < steps; i++) {
  // The 220 Hz tone passes while the cutoff is above it and fades below it.
  const cutoff = Math.round(40 * 2 ** ((i / (steps - 1)) * 6));
  filter.setParam('cutoff', cutoff);
  const { channels } = await client.record([filter.outputs[0]!], { seconds: 0.3 });
  // Measure the settled second half (the filter rings briefly after a change).
  const settled = channels[0]!.subarray(channels[0]!.length >> 1);
  const db = 20 * Math.log10(rms(settled) + 1e-12);
  console.log(`cutoff ${String(cutoff).padStart(5)} Hz -> ${db.toFixed(1).padStart(6)} dBFS ${'#'.repeat(Math.max(0, Math.round((db + 60) / 2)))}`);
}
await filter.unload();
await osc.unload();
