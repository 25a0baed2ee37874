/**
 * sampler: plays a WAV file by MIDI note, live.
 *
 * Shows: DspModule.loadBuffer() filling a module's SampleSlot from a sound
 * file while it runs (copied off the audio thread, handed over at a cycle
 * start), the SDK Sampler (examples/dsp/sampler.ts) pitching it by note,
 * MIDI sent from JS at exact frames, and a recording of the result.
 * Usage: sampler [--wav file.wav] [--seconds N]. Without --wav it writes a
 * plucked-string tone (Karplus-Strong, 44.1 kHz) to a temporary WAV first;
 * a file at another rate than the server's is resampled.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, ensureServer, readSoundFile, writeSoundFile } from 'jackwasm';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds')) || 3;
let wav = arg('--wav');
if (!wav) {
  // One second of a plucked A3 (220 Hz): a noise burst through a damped delay loop.
  const rate = 44100;
  const period = Math.round(rate / 220);
  const x = new Float32Array(rate);
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const burst = i < period ? (seed / 2 ** 32) - 0.5 : 0;
    x[i] = burst + (i >= period ? 0.498 * ((x[i - period] ?? 0) + (x[i - period - 1] ?? 0)) : 0);
  }
  wav = join(tmpdir(), 'jackwasm-pluck.wav');
  await writeSoundFile(wav, { sampleRate: rate, channels: [x] });
}

await using server = await ensureServer();
await using client = await Client.open(`sampler-${process.pid}`, { serverName: server.name });
client.activate();
const sampler = await client.load(fileURLToPath(new URL('../../build/examples/sampler.wasm', import.meta.url)), {
  name: 'sampler',
  params: { root: 57, release: 80 }, // the sample is an A3 (MIDI 57)
});
const sound = await readSoundFile(wav);
const loaded = await sampler.loadBuffer('sample', sound, { resample: true });
console.log(`loaded ${wav}: ${loaded.channels} channel(s), ${loaded.frames} frames at ${client.sampleRate} Hz (file: ${sound.sampleRate} Hz)`);
const speakers = client.getPorts({ isPhysical: true, isInput: true, isAudio: true });
sampler.outputs.forEach((out, i) => speakers[i] && out.connect(speakers[i]!));

// A minor arpeggio, one note every 0.25 s from half a second ahead, each held 0.2 s.
const notes = [57, 60, 64, 69, 72, 69, 64, 60];
const start = (client.lastFrameTime + Math.round(client.sampleRate / 2)) >>> 0;
const step = Math.round(client.sampleRate / 4);
const count = Math.min(notes.length, Math.max(1, Math.floor((seconds - 0.5) * 4)));
const recording = client.record([sampler.outputs[0]!], { frames: count * step, startAt: start });
notes.slice(0, count).forEach((note, i) => {
  sampler.sendMidi([0x90, note, 100], { frame: (start + i * step) >>> 0 });
  sampler.sendMidi([0x80, note, 0], { frame: (start + i * step + Math.round(0.2 * client.sampleRate)) >>> 0 });
});
const { channels } = await recording;
const out = channels[0]!;
for (let i = 0; i < count; i++) {
  const part = out.subarray(i * step, (i + 1) * step);
  const peak = part.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  console.log(`note ${notes[i]}: peak ${peak.toFixed(3)} ${'#'.repeat(Math.round(peak * 40))}`);
}
const file = join(tmpdir(), 'sampler-demo.wav');
await writeSoundFile(file, { sampleRate: client.sampleRate, channels: [out] });
console.log(`recorded ${(out.length / client.sampleRate).toFixed(2)} s to ${file}`);
await sampler.unload();
