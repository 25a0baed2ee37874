// Benchmark: audio from JS into a module's memory, and module rings.
//  - loadBuffer: from the call until the module has the audio (copied at
//    the call, written into the region it is not reading, handed over at the
//    next cycle start), for 0.1 s mono and 10 s stereo; against the peer, a
//    plain copy of the same samples in JS (Float32Array.set), the part of the
//    work that is no hand-over.
//  - module ring: the cost of one call (readSpace, readFloat32 of a block)
//    against the peer, the same on a JS RingBuffer in shared memory.
//
//   node bench/buffers.mjs [--runs 9] [--json out.json]
import { fileURLToPath } from 'node:url';
import { Client, RingBuffer, Server } from '../dist/host/index.js';
import { median, numberOption, parseOptions, writeResults } from './common.mjs';

const { values } = parseOptions({ runs: { type: 'string' }, json: { type: 'string' } });
const runs = numberOption(values, 'runs', 9, { min: 1, max: 1000, integer: true });
const wasm = (name) => fileURLToPath(new URL(`../build/examples/${name}.wasm`, import.meta.url));

const server = await Server.start({ name: `bench-buffers-${process.pid}`, driver: 'dummy', period: 256 });
const client = await Client.open(`bench-buffers-${process.pid}`, { serverName: server.name });
const results = { period: 256, sampleRate: 48000, loadBuffer: [], ring: {} };
try {
  client.activate();
  const sampler = await client.load(wasm('sampler'), { name: 'sampler' });
  for (const [what, frames, nch] of [['0.1 s mono', 4800, 1], ['10 s stereo', 480000, 2]]) {
    const chans = Array.from({ length: nch }, (_, c) => new Float32Array(frames).fill(0.1 * (c + 1)));
    const load = [];
    const copy = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await sampler.loadBuffer('sample', chans);
      load.push(performance.now() - t);
      t = performance.now();
      for (const c of chans) new Float32Array(c.length).set(c);
      copy.push(performance.now() - t);
    }
    const r = { what, bytes: frames * nch * 4, loadMs: median(load), copyMs: median(copy), periodMs: (256 / 48000) * 1000 };
    results.loadBuffer.push(r);
    console.log(`loadBuffer ${what}: ${r.loadMs.toFixed(2)} ms (a JS copy of it: ${r.copyMs.toFixed(2)} ms; one period: ${r.periodMs.toFixed(2)} ms)`);
  }
  const scope = await client.load(wasm('scope'), { name: 'scope' });
  const ring = scope.ring('scope');
  const js = new RingBuffer(1 << 18);
  const perCall = (fn) => {
    const times = [];
    for (let r = 0; r < runs; r++) {
      let n = 0;
      const t = performance.now();
      while (performance.now() - t < 50) {
        fn();
        n++;
      }
      times.push(((performance.now() - t) * 1000) / n);
    }
    return median(times);
  };
  const block = new Float32Array(256);
  results.ring = {
    readSpaceUs: perCall(() => ring.readSpace),
    jsReadSpaceUs: perCall(() => js.readSpace),
    readBlockUs: perCall(() => ring.readFloat32(256)),
    jsReadBlockUs: perCall(() => {
      js.write(block);
      js.readInto(block);
    }),
  };
  const g = results.ring;
  console.log(`module ring: readSpace ${g.readSpaceUs.toFixed(2)} µs (JS RingBuffer ${g.jsReadSpaceUs.toFixed(3)} µs); readFloat32 of a 256-sample block ${g.readBlockUs.toFixed(2)} µs (JS RingBuffer write+read ${g.jsReadBlockUs.toFixed(2)} µs)`);
  await scope.unload();
  await sampler.unload();
} finally {
  await client.close();
  await server.stop();
}
if (values.json) writeResults(values.json, 'buffers', results);
