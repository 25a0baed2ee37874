/**
 * render-synth: offline rendering of a MIDI synth to a WAV file.
 *
 * Shows: render() with MIDI events and parameters (the same engine code as the
 * live path, so the result is what JACK would play), and writing 32-bit float
 * WAV. Writes synth-demo.wav to the system temp directory.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render, writeSoundFile } from 'jackwasm';

const synth = fileURLToPath(new URL('../../build/examples/synth.wasm', import.meta.url));
const sampleRate = 48000;
// A rising arpeggio: C minor 7, each note 0.4 s with a 0.1 s gap.
const notes = [48, 51, 55, 58, 60, 63];
const midi = notes.flatMap((note, i) => [
  { frame: i * 24000, bytes: [0x90, note, 96] },
  { frame: i * 24000 + 19200, bytes: [0x80, note, 0] },
]);

const t0 = performance.now();
const [mono] = await render(synth, { sampleRate, seconds: 3.5, midi, params: { cutoff: 1500, resonance: 3, release: 150 } });
const ms = performance.now() - t0;

const peak = mono!.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const out = join(tmpdir(), 'synth-demo.wav');
await writeSoundFile(out, { sampleRate, channels: [mono!] });
console.log(`rendered ${(mono!.length / sampleRate).toFixed(1)} s in ${ms.toFixed(0)} ms (including compile or cache lookup), peak ${peak.toFixed(3)}, wrote ${out}`);
