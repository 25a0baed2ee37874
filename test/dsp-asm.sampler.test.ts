/**
 * The SDK's SampleSlot and Sampler (dsp-asm/buffers.ts, sampler.ts) through
 * examples/dsp/sampler.ts, rendered by the engine with render({ buffers }),
 * against a TypeScript reference of the same f32/f64 arithmetic: the root
 * note plays the sample sample for sample, other notes resample it by
 * linear interpolation, velocity scales it, key up fades it out linearly.
 */
import { describe, expect, it } from 'vitest';
import { render, type MidiEventAt, type RenderOptions } from '../host/index.js';
import { f32, noise, wasmBytes } from './helpers/asm.js';
import { useTempCache } from './helpers/temp.js';

useTempCache('sampler');
const sampler = wasmBytes('examples', 'sampler');

function play(buffer: Float32Array | Float32Array[], midi: MidiEventAt[], frames: number, options: RenderOptions = {}): Promise<Float32Array[]> {
  return render(sampler, { frames, midi, buffers: { sample: buffer }, ...options });
}

const on = (frame: number, note: number, velocity = 127): MidiEventAt => ({ frame, bytes: [0x90, note, velocity] });
const off = (frame: number, note: number): MidiEventAt => ({ frame, bytes: [0x80, note, 0] });

interface Note {
  at: number;
  note: number;
  velocity: number;
  releaseAt?: number;
}

/** One voice of the Sampler, as the SDK computes it, added into `out` (channel `ch` of `sample`). */
function voice(out: Float32Array, sample: Float32Array[], n: Note, { root = 60, releaseSamples = 240, oneShot = false } = {}, ch = 0): void {
  const s = sample[Math.min(ch, sample.length - 1)] as Float32Array;
  const frames = s.length;
  const read = (i: number) => (i >= 0 && i < frames ? (s[i] as number) : 0);
  const rate = Math.pow(2, (n.note - root) / 12);
  const amp = f32(f32(n.velocity) / 127);
  let pos = 0;
  let env = 1;
  let fall = 0;
  for (let k = n.at; k < out.length; k++) {
    if (n.releaseAt !== undefined && k === n.releaseAt && !oneShot) fall = releaseSamples > 0 ? f32(1 / releaseSamples) : 1;
    if (pos >= frames) break;
    const g = f32(amp * env);
    const i = Math.floor(pos);
    const a = read(i);
    const t = f32(pos - i);
    const v = t === 0 ? a : f32(a + f32(f32(read(i + 1) - a) * t));
    out[k] = f32((out[k] as number) + f32(v * g));
    pos += rate;
    if (fall > 0) {
      env = f32(env - fall);
      if (env <= 0) break;
    }
  }
}

const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('examples/dsp/sampler.ts (SampleSlot + Sampler)', () => {
  const x = noise(1000, 7);

  it('plays the sample sample for sample at the root note, on both outputs for a mono sample, then silence', async () => {
    const [l, r] = await play(x, [on(100, 60)], 1500);
    expect(l!.subarray(0, 100).every((v) => v === 0)).toBe(true);
    expect(same(l!.subarray(100, 1100), x)).toBe(true);
    expect(same(r!.subarray(100, 1100), x)).toBe(true);
    expect(l!.subarray(1100).every((v) => v === 0)).toBe(true);
  });

  it('plays an octave up at twice the speed (every other sample, exactly)', async () => {
    const [l] = await play(x, [on(0, 72)], 1000);
    for (let k = 0; k < 500; k++) expect(l![k], `frame ${k}`).toBe(x[2 * k]);
    expect(l!.subarray(500).every((v) => v === 0)).toBe(true);
  });

  it('resamples other notes by linear interpolation, scales by velocity and fades out on key up, bit-exact', async () => {
    const [l] = await play(x, [on(10, 67, 100), off(400, 67)], 1200, { params: { release: 10 } });
    const want = new Float32Array(1200);
    voice(want, [x], { at: 10, note: 67, velocity: 100, releaseAt: 400 }, { releaseSamples: 480 });
    expect(same(l!, want)).toBe(true);
    expect(l!.subarray(400 + 480).every((v) => v === 0), 'silent after the release').toBe(true);
  });

  it('sums voices (a chord), adding them in voice order', async () => {
    const notes = [{ at: 0, note: 60, velocity: 90 }, { at: 0, note: 64, velocity: 70 }, { at: 50, note: 55, velocity: 127 }];
    const [l] = await play(x, notes.map((n) => on(n.at, n.note, n.velocity)), 1500);
    // Adding each note over all frames in turn adds voices 0, 1, 2 at every frame, as the Sampler does.
    const want = new Float32Array(1500);
    for (const n of notes) voice(want, [x], n);
    expect(same(l!, want)).toBe(true);
  });

  it('plays a stereo sample on its two sides, and the same for every block size', async () => {
    const y = noise(1000, 8);
    const a = await play([x, y], [on(3, 60), on(700, 62, 50), off(900, 62)], 2000, { blockSize: 256 });
    expect(same(a[0]!.subarray(3, 700), x.subarray(0, 697))).toBe(true);
    expect(same(a[1]!.subarray(3, 700), y.subarray(0, 697))).toBe(true);
    for (const blockSize of [1, 64, 1000]) {
      const b = await play([x, y], [on(3, 60), on(700, 62, 50), off(900, 62)], 2000, { blockSize });
      expect(same(a[0]!, b[0]!) && same(a[1]!, b[1]!), `blockSize ${blockSize}`).toBe(true);
    }
  });

  it('ignores key up in one-shot mode and plays to the end of the sample', async () => {
    const [l] = await play(x, [on(0, 60), off(10, 60)], 1200, { params: { oneShot: 1 } });
    expect(same(l!.subarray(0, 1000), x)).toBe(true);
  });

  it('is silent with no sample loaded', async () => {
    const [l] = await render(sampler, { frames: 500, midi: [on(0, 60)] });
    expect(l!.every((v) => v === 0)).toBe(true);
  });
});
