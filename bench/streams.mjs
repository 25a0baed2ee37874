// Benchmark: audio between JS and the graph, and sound files.
//  - read stream: the most audio JS takes from the graph without a loss,
//    with the server freewheeling (so JS is the only limit), in samples per
//    second and as a multiple of realtime at 48 kHz, for 1 to 64 channels;
//  - write stream: likewise, the most audio JS feeds in without an underrun;
//    both against the peer, a native C client moving the same audio through
//    a jack_ringbuffer to and from its main thread (bench/peers/stream.c),
//    on the same server, interleaved;
//  - play() latency: from the call to the first frame at the port (frames
//    and ms), and to the promise resolving after the last, at two periods;
//  - sound files: writing and reading stereo float WAV, and 16-bit PCM, as
//    a multiple of realtime (libsndfile, in chunks), against the peer, npm
//    wavefile (pure JS, the whole file in memory: the same samples, the
//    same file bytes).
//
//   node bench/streams.mjs [--seconds 3] [--runs 3] [--json out.json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import wavefile from 'wavefile';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, Server, SoundFileReader, SoundFileWriter } from '../dist/host/index.js';
import { median, numberOption, parseOptions, writeResults } from './common.mjs';

const { values } = parseOptions({ seconds: { type: 'string' }, runs: { type: 'string' }, json: { type: 'string' } });
const seconds = numberOption(values, 'seconds', 3, { min: 0.01, max: 3600 });
const runs = numberOption(values, 'runs', 3, { min: 1, max: 1000, integer: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = { seconds, runs };
const tmp = mkdtempSync(join(tmpdir(), 'jw-bench-streams-'));
const peer = join(tmp, 'stream');
execFileSync('cc', ['-O2', '-o', peer, new URL('peers/stream.c', import.meta.url).pathname, '-ljack']);
let peerRuns = 0;
/** The C peer's frames per second, on the client's server. */
async function cRate(client, mode, nch) {
  const { stdout } = await promisify(execFile)(peer, [client.serverName, `bench-c-${process.pid}-${++peerRuns}`, mode, String(nch), String(seconds)], { env: { ...process.env, JACK_NO_START_SERVER: '1' }, timeout: (seconds + 60) * 1000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

async function withClient(period, fn) {
  const server = await Server.start({ name: `jwbench-streams-${process.pid}-${period}`, driver: 'dummy', period, sampleRate: 48000 });
  const client = await Client.open(`bench-${process.pid}`, { serverName: server.name });
  try {
    client.activate();
    return await fn(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Runs `fn` with the server freewheeling; freewheel is off again before anything closes. */
async function freewheeling(client, fn) {
  client.setFreewheel(true);
  try {
    return await fn();
  } finally {
    client.setFreewheel(false);
    await sleep(200);
  }
}

// --- read stream ---------------------------------------------------------
results.read = await withClient(1024, async (client) => {
  const src = client.outports.register('src');
  const rows = [];
  for (const nch of [1, 2, 8, 32, 64]) {
    const rates = [];
    let lostAll = 0;
    const cRates = [];
    for (let r = 0; r < runs; r++) {
      cRates.push((await cRate(client, 'read', nch)).framesPerSecond);
      const stream = client.createReadStream(Array(nch).fill(src), { blockFrames: 8192, ringSeconds: 4 });
      let frames = 0;
      const t0 = performance.now();
      await freewheeling(client, async () => {
        for await (const b of stream) {
          frames += b.channels[0].length;
          if (performance.now() - t0 > seconds * 1000) break;
        }
      });
      const s = (performance.now() - t0) / 1000;
      rates.push(frames / s);
      lostAll += stream.lostFrames;
    }
    const fps = median(rates);
    const c = median(cRates);
    rows.push({ channels: nch, framesPerSecond: Math.round(fps), samplesPerSecond: Math.round(fps * nch), realtime48k: +(fps / 48000).toFixed(1), lostFrames: lostAll, c: { framesPerSecond: Math.round(c), realtime48k: +(c / 48000).toFixed(1) }, ratioToC: +(fps / c).toFixed(3) });
    console.log(`read stream  ${String(nch).padStart(2)} ch: ${(fps * nch / 1e6).toFixed(1)} M samples/s = ${(fps / 48000).toFixed(0)}x realtime (the freewheeling server dropped ${lostAll} frames JS did not take in time); C peer ${(c / 48000).toFixed(0)}x`);
  }
  return rows;
});

// --- write stream --------------------------------------------------------
results.write = await withClient(1024, async (client) => {
  const sink = client.inports.register('sink');
  const rows = [];
  for (const nch of [1, 2, 8, 32, 64]) {
    const rates = [];
    const cRates = [];
    for (let r = 0; r < runs; r++) {
      cRates.push((await cRate(client, 'write', nch)).framesPerSecond);
      const stream = client.createWriteStream(Array(nch).fill(sink), { ringSeconds: 4 });
      const chunk = Array.from({ length: nch }, () => new Float32Array(8192).fill(0.25));
      // Prefill, then freewheel while writing as fast as backpressure allows.
      while (stream.write(chunk));
      await once(stream, 'drain');
      await until(() => stream.startFrame !== undefined);
      let t0 = 0;
      let played0 = 0;
      await freewheeling(client, async () => {
        t0 = performance.now();
        played0 = stream.playedFrames;
        while (performance.now() - t0 < seconds * 1000) {
          if (!stream.write(chunk)) await once(stream, 'drain');
        }
      });
      const s = (performance.now() - t0) / 1000;
      const fed = stream.playedFrames - played0; // frames taken from the ring (silence is not counted)
      rates.push(fed / s);
      stream.destroy();
      await sleep(50);
    }
    const fps = median(rates);
    const c = median(cRates);
    rows.push({ channels: nch, framesPerSecond: Math.round(fps), samplesPerSecond: Math.round(fps * nch), realtime48k: +(fps / 48000).toFixed(1), c: { framesPerSecond: Math.round(c), realtime48k: +(c / 48000).toFixed(1) }, ratioToC: +(fps / c).toFixed(3) });
    console.log(`write stream ${String(nch).padStart(2)} ch: ${(fps * nch / 1e6).toFixed(1)} M samples/s = ${(fps / 48000).toFixed(0)}x realtime; C peer ${(c / 48000).toFixed(0)}x`);
  }
  return rows;
});

async function until(fn) {
  for (let i = 0; i < 1000 && !fn(); i++) await sleep(5);
}

// --- play() latency ------------------------------------------------------
results.playLatency = [];
for (const period of [64, 256]) {
  results.playLatency.push(await withClient(period, async (client) => {
    const sink = client.inports.register('sink');
    const x = new Float32Array(period).fill(0.5);
    const first = [];
    const cycles = [];
    const total = [];
    for (let i = 0; i < 10 * runs; i++) {
      // JACK's estimate of the frame now, and the start of the cycle running now.
      const f0 = client.frameTime;
      const c0 = client.lastFrameTime;
      const t0 = performance.now();
      const p = await client.play([sink], [x]);
      total.push(performance.now() - t0);
      first.push((p.startFrame - f0) | 0);
      cycles.push(((p.startFrame - c0) | 0) / period);
      await sleep(3);
    }
    const row = { period, periodMs: +((1000 * period) / 48000).toFixed(2), toFirstFrame: { frames: median(first), ms: +((1000 * median(first)) / 48000).toFixed(2), minFrames: Math.min(...first), maxFrames: Math.max(...first), cyclesAfterCall: median(cycles) }, toResolvedMs: +median(total).toFixed(1) };
    console.log(`play() at ${period} frames: the first frame is at the port ${row.toFirstFrame.frames} frames (${row.toFirstFrame.ms} ms; range ${row.toFirstFrame.minFrames} to ${row.toFirstFrame.maxFrames}) after the call, in the cycle ${row.toFirstFrame.cyclesAfterCall} after the one running at the call; the promise resolves ${row.toResolvedMs} ms after the call for one period of audio`);
    return row;
  }));
}

// --- sound files ---------------------------------------------------------
const { WaveFile } = wavefile;
const dir = mkdtempSync(join(tmpdir(), 'jw-bench-files-'));
try {
  const minutes = Math.max(1, Math.round(seconds * 20 / 60)); // 1 minute per 3 s of --seconds
  const frames = minutes * 60 * 48000;
  const chunk = 65536;
  const l = Float32Array.from({ length: chunk }, (_, i) => Math.sin(i * 0.01));
  const r = l.map((v) => -v);
  results.files = [];
  for (const format of ['f32', 's16']) {
    const w = [], rd = [];
    for (let k = 0; k < runs; k++) {
      const path = join(dir, `${format}.wav`);
      let t = performance.now();
      const wr = SoundFileWriter.create(path, { channels: 2, sampleRate: 48000, format });
      for (let at = 0; at < frames; at += chunk) wr.write([l, r]);
      wr.close();
      w.push(performance.now() - t);
      t = performance.now();
      const reader = SoundFileReader.open(path);
      let n = 0;
      for (const c of reader.chunks()) n += c[0].length;
      reader.close();
      rd.push(performance.now() - t);
    }
    // The peer: npm wavefile writes and reads the same samples.
    const pw = [], prd = [];
    const all = Math.ceil(frames / chunk) * chunk;
    const L = new Float32Array(all), R = new Float32Array(all);
    for (let at = 0; at < all; at += chunk) {
      L.set(l, at);
      R.set(r, at);
    }
    for (let k = 0; k < runs; k++) {
      const path = join(dir, `${format}-wavefile.wav`);
      let t = performance.now();
      const wf = new WaveFile();
      wf.fromScratch(2, 48000, format === 'f32' ? '32f' : '16', format === 'f32' ? [L, R] : [L, R].map((c) => Int16Array.from(c, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))))));
      writeFileSync(path, wf.toBuffer());
      pw.push(performance.now() - t);
      t = performance.now();
      const back = new WaveFile(readFileSync(path)).getSamples(false, Float64Array);
      if (back[0].length !== all) throw new Error(`wavefile read ${back[0].length} frames, wrote ${all}`);
      prd.push(performance.now() - t);
    }
    const audioS = all / 48000;
    const x = (ms) => Math.round((audioS * 1000) / median(ms));
    const row = { format, channels: 2, audioSeconds: Math.round(audioS), writeX: x(w), readX: x(rd), wavefile: { writeX: x(pw), readX: x(prd) } };
    results.files.push(row);
    console.log(`WAV stereo ${format}, ${row.audioSeconds} s of audio: write ${row.writeX}x realtime, read ${row.readX}x realtime (in 64k-frame chunks; memory stays constant); npm wavefile: write ${row.wavefile.writeX}x, read ${row.wavefile.readX}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

rmSync(tmp, { recursive: true, force: true });
if (values.json) {
  writeResults(values.json, 'streams', results);
}
