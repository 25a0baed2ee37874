/**
 * scope: a module sends the audio it sees to JS through a module ring.
 *
 * Shows: examples/dsp/scope.ts (an SDK ModuleRing written on the audio
 * thread, never waiting for JS) fed by a sine module, and
 * module.ring('scope').readFloat32() reading it at JS's own pace: while JS
 * keeps up every sample arrives, in order (what the module had to drop is
 * counted in ring.dropped), and the script measures the frequency by zero
 * crossings and draws one period. Runs for --seconds N (default 3).
 */
import { fileURLToPath } from 'node:url';
import { Client, ensureServer } from 'jackwasm';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;
const wasm = (name: string) => fileURLToPath(new URL(`../../build/examples/${name}.wasm`, import.meta.url));

await using server = await ensureServer();
await using client = await Client.open(`scope-${process.pid}`, { serverName: server.name });
client.activate();
const osc = await client.load(wasm('sine'), { name: 'osc', params: { frequency: 441, level: -6 } });
const scope = await client.load(wasm('scope'), { name: 'scope' });
client.connect(osc.outputs[0]!, scope.inputs[0]!);
const ring = scope.ring('scope');

let total = 0;
let crossings = 0;
let last = 0;
let started = false; // the ring holds the silence from before the connection first
const end = Date.now() + (seconds - 0.5) * 1000;
for (let step = 0; Date.now() < end; step++) {
  await new Promise((r) => setTimeout(r, 100));
  let x = ring.readFloat32();
  if (!started) {
    const first = x.findIndex((v) => v !== 0);
    x = first < 0 ? x.subarray(x.length) : x.subarray(first);
    started = first >= 0;
  }
  for (const v of x) {
    if (last < 0 && v >= 0) crossings++;
    last = v;
  }
  total += x.length;
  if (step % 5 === 4 && x.length > 120) {
    // One period of the sine (48000 / 441 = about 109 samples), drawn as a strip.
    const strip = Array.from(x.subarray(0, 109), (v) => ' .:-=+*#%@'[Math.max(0, Math.min(9, Math.floor((v + 0.5) * 9.99)))]).join('');
    console.log(`${(total / client.sampleRate).toFixed(1).padStart(4)} s |${strip}|`);
  }
}
const hz = (crossings / total) * client.sampleRate;
console.log(`read ${total} samples (${(total / client.sampleRate).toFixed(2)} s of audio), ${ring.dropped / 4} dropped by the module; measured ${hz.toFixed(1)} Hz`);
await scope.unload();
await osc.unload();
