/**
 * faust-synth: a Faust polyphonic organ into a Faust reverb, live.
 *
 * Shows: Client.load() of Faust .dsp programs (compiled in process with the
 * Faust compiler from npm, then ahead of time like any module), a Faust
 * instrument's voices played by MIDI sent at exact frames, Faust controls
 * as parameters (set by id; their Faust addresses are in `param.path`), and a
 * recording of the result.
 * Usage: faust-synth [--seconds N] [--out file.wav]
 */
import { fileURLToPath } from 'node:url';
import { Client, ensureServer, writeSoundFile } from 'jackwasm';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds')) || 3;
const dsp = (name: string) => fileURLToPath(new URL(`../../examples/faust/${name}`, import.meta.url));

await using server = await ensureServer();
await using client = await Client.open(`faust-synth-${process.pid}`, { serverName: server.name });
client.activate();
const organ = await client.load(dsp('organ.dsp'), { name: 'organ' });
const reverb = await client.load(dsp('reverb.dsp'), { name: 'reverb', params: { Wet_Dry_Mix: -0.3, Level: -6 } });
console.log(`organ: ${organ.params.map((p) => `${p.id} (${p.path})`).join(', ')}`);
console.log(`reverb: ${reverb.params.length} controls, e.g. ${reverb.params.map((p) => p.id).slice(0, 4).join(', ')}`);
await client.connect(organ.outputs[0]!, reverb.inputs[0]!);
await client.connect(organ.outputs[0]!, reverb.inputs[1]!);

// A chord progression, one chord a second: notes on and off at exact frames.
const sr = client.sampleRate;
const start = client.lastFrameTime + Math.round(0.3 * sr);
const chords = [[60, 64, 67], [57, 60, 64], [53, 57, 60, 65]];
const recording = client.record(reverb.outputs, { frames: Math.round(seconds * sr), startAt: start });
chords.forEach((chord, i) => {
  const on = start + i * sr;
  for (const n of chord) {
    organ.sendMidi([0x90, n, 100], { frame: on });
    organ.sendMidi([0x80, n, 0], { frame: on + Math.round(0.8 * sr) });
  }
});
const rec = await recording;
const peak = Math.max(...rec.channels.map((c) => c.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
console.log(`recorded ${rec.channels[0]!.length} frames, peak ${peak.toFixed(3)}${rec.discontinuities.length ? `, ${rec.discontinuities.length} xrun gap(s)` : ''}`);
if (!(peak > 0.01)) throw new Error('the organ made no sound');
const out = arg('--out');
if (out) {
  await writeSoundFile(out, { sampleRate: sr, channels: rec.channels });
  console.log(`wrote ${out}`);
}
