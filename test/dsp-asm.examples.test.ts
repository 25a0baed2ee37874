/**
 * The example modules (examples/dsp/*.ts) rendered by the V8 reference host
 * (helpers/v8-render.ts), against independent TypeScript references, plus
 * properties the native engine comparison relies on: renders are
 * deterministic and (for settled parameters) independent of the block size.
 */
import { describe, expect, it } from 'vitest';
import { amplitudeAt, countDiffering, f32, maxUlps, noise, ulps, wasmBytes } from './helpers/asm.js';
import { cookbook, tdf2 } from './helpers/rbj.js';
import { renderV8, type RenderOptions } from './helpers/v8-render.js';

const render = (name: string, opts: RenderOptions) => renderV8(wasmBytes('examples', name), opts);
const dbToGain = (db: number) => f32(10 ** (f32(db) / 20));

describe('examples/dsp/sine.ts', () => {
  /** The test tone in f32: phase += f/sr, sin(2π·phase) (V8's sin rounded to f32) times the level. */
  function reference(freq: number, levelDb: number, sr: number, n: number): Float32Array {
    const inc = f32(f32(freq) / f32(sr));
    const g = dbToGain(levelDb);
    const out = new Float32Array(n);
    let t = 0;
    for (let i = 0; i < n; i++) {
      out[i] = f32(f32(Math.sin(f32(f32(2 * Math.PI) * t))) * g);
      t = f32(t + inc);
      if (t >= 1) t = f32(t - 1);
    }
    return out;
  }

  it('renders sin(2π·f·t) at the level within 2 ulp (sinf and powf may each round differently by 1 ulp)', () => {
    for (const [freq, db, sr] of [[440, -20, 48000], [1000, 0, 44100], [12345, -6, 96000]]) {
      const r = render('sine', { sampleRate: sr!, blockSize: 256, frames: 20000, params: [[0, freq!], [1, db!]] });
      expect(r.outputs).toHaveLength(1);
      const expected = reference(freq!, db!, sr!, 20000);
      expect(maxUlps(r.outputs[0]!, expected).ulps).toBeLessThanOrEqual(2);
      expect(countDiffering(r.outputs[0]!, expected)).toBeLessThan(20000 * 0.01);
    }
  });

  it('defaults to 440 Hz at −20 dBFS and produces the same samples for any block size', () => {
    const a = render('sine', { sampleRate: 48000, blockSize: 1, frames: 4800 }).outputs[0]!;
    expect(amplitudeAt(a, 440, 48000, 4800)).toBeCloseTo(0.1, 4);
    for (const blockSize of [7, 64, 1024, 4800]) {
      expect(countDiffering(render('sine', { sampleRate: 48000, blockSize, frames: 4800 }).outputs[0]!, a)).toBe(0);
    }
  });
});

describe('examples/dsp/gain.ts', () => {
  it('multiplies by the dB gain exactly (one f32 multiply by dbToGain(gain))', () => {
    const x = noise(10000, 5);
    x[0] = 1;
    for (const db of [0, -6, 6.5, -60, 24]) {
      const y = render('gain', { sampleRate: 48000, blockSize: 128, frames: 10000, inputs: [x], params: [[0, db]] }).outputs[0]!;
      const g = y[0]!; // the factor the module uses
      expect(ulps(g, dbToGain(db)), `${db} dB`).toBeLessThanOrEqual(1);
      expect(countDiffering(y, x.map((v) => f32(v * g))), `${db} dB`).toBe(0);
    }
  });

  it('clamps the parameter to its described range (−60..24 dB) before setting it', () => {
    const x = new Float32Array(10).fill(1);
    const y = render('gain', { sampleRate: 48000, blockSize: 10, frames: 10, inputs: [x], params: [[0, 100]] }).outputs[0]!;
    expect(ulps(y[0]!, dbToGain(24))).toBeLessThanOrEqual(1);
  });
});

describe('examples/dsp/biquad.ts', () => {
  it('filters both channels like the cookbook TDF-II reference, bit for bit', () => {
    const l = noise(6000, 1);
    const r = noise(6000, 2);
    for (const [type, cutoff, q, gain] of [[0, 1000, 0.7071, 0], [1, 300, 2, 0], [4, 2500, 1.5, -9], [6, 8000, 0.7, 6]]) {
      const out = render('biquad', {
        sampleRate: 48000, blockSize: 256, frames: 6000, inputs: [l, r],
        params: [[0, type!], [1, cutoff!], [2, q!], [3, gain!]],
      }).outputs;
      expect(out).toHaveLength(2);
      const c = cookbook(type!, cutoff!, q!, gain!, 48000).map(f32) as ReturnType<typeof cookbook>;
      expect(countDiffering(out[0]!, tdf2(c, l, 256)), `type ${type} left`).toBe(0);
      expect(countDiffering(out[1]!, tdf2(c, r, 256)), `type ${type} right`).toBe(0);
    }
  });
});

describe('examples/dsp/delay.ts', () => {
  it('with mix 1 and no feedback delays both channels by exactly time·sr samples', () => {
    const l = noise(5000, 3);
    const r = noise(5000, 4);
    const out = render('delay', {
      sampleRate: 48000, blockSize: 128, frames: 5000, inputs: [l, r], params: [[0, 10], [1, 0], [2, 1]],
    }).outputs;
    for (const [y, x] of [[out[0]!, l], [out[1]!, r]] as const) {
      expect(countDiffering(y.subarray(480), x.subarray(0, 5000 - 480))).toBe(0);
      expect(y.subarray(0, 480).every((v) => v === 0)).toBe(true);
    }
  });

  it('feeds back: each echo is the previous one times the feedback; mix 0 passes the input through', () => {
    const x = new Float32Array(48000);
    x[0] = 1;
    const y = render('delay', {
      sampleRate: 48000, blockSize: 512, frames: 48000, inputs: [x, x], params: [[0, 100], [1, 0.5], [2, 1]],
    }).outputs[0]!;
    for (let k = 1; k < 10; k++) expect(y[4800 * k], `echo ${k}`).toBe(0.5 ** (k - 1));
    expect(y.filter((v) => v !== 0)).toHaveLength(9);
    const dry = render('delay', { sampleRate: 48000, blockSize: 512, frames: 2000, inputs: [noise(2000, 8)], params: [[2, 0]] }).outputs;
    expect(countDiffering(dry[0]!, noise(2000, 8))).toBe(0);
    expect(dry[1]!.every((v) => v === 0)).toBe(true);
  });
});

describe('examples/dsp/synth.ts', () => {
  const sr = 48000;
  const on = (frame: number, note: number, vel = 100) => ({ frame, bytes: [0x90, note, vel] });
  const off = (frame: number, note: number) => ({ frame, bytes: [0x80, note, 0] });

  it('is silent until a note on, starts exactly at its frame, and releases to exact silence', () => {
    const y = render('synth', {
      sampleRate: sr, blockSize: 256, frames: 48000,
      params: [[3, 5], [6, 100]], // attack 5 ms, release 100 ms (4800 samples)
      midi: [on(1000, 57), off(20000, 57)],
    }).outputs[0]!;
    expect(y.subarray(0, 1000).every((v) => v === 0)).toBe(true);
    expect(y[1000]).not.toBe(0);
    expect(Math.max(...y.subarray(1000, 20000).map(Math.abs))).toBeGreaterThan(0.05);
    expect(y[20000 + 4798]).not.toBe(0);
    expect(y.subarray(20000 + 4799).every((v) => v === 0)).toBe(true);
  });

  it('plays the note frequency (sine waveform) with last-note priority and velocity-0 note offs', () => {
    const y = render('synth', {
      sampleRate: sr, blockSize: 128, frames: 4 * 9600,
      params: [[0, 3], [1, 20000], [3, 0], [5, 1], [6, 50]], // sine, filter open, no attack, full sustain, 50 ms release
      midi: [on(0, 69), on(9600, 76), { frame: 19200, bytes: [0x90, 76, 0] }, off(28800, 69)],
    }).outputs[0]!;
    const hz = (n: number) => 440 * 2 ** ((n - 69) / 12);
    const win = (k: number) => y.subarray(k * 9600 + 4800, (k + 1) * 9600);
    expect(amplitudeAt(win(0), 440, sr, 4800)).toBeGreaterThan(0.1);
    expect(amplitudeAt(win(1), hz(76), sr, 4800)).toBeGreaterThan(0.1);
    expect(amplitudeAt(win(1), 440, sr, 4800)).toBeLessThan(0.01);
    expect(amplitudeAt(win(2), 440, sr, 4800)).toBeGreaterThan(0.1); // back to the held A4
    expect(Math.max(...win(3).map(Math.abs))).toBe(0); // released and silent
  });

  it('renders the same samples for every block size (events are sample-accurate)', () => {
    const opts = { sampleRate: sr, frames: 24000, midi: [on(10, 48), on(3000, 55, 64), off(3001, 48), off(15000, 55), on(15000, 60)] };
    const a = render('synth', { ...opts, blockSize: 64 }).outputs[0]!;
    for (const blockSize of [1, 100, 1024, 24000]) {
      expect(countDiffering(render('synth', { ...opts, blockSize }).outputs[0]!, a), `block ${blockSize}`).toBe(0);
    }
  });
});

describe('examples/dsp/poly.ts', () => {
  const sr = 48000;
  const on = (frame: number, note: number, vel = 100) => ({ frame, bytes: [0x90, note, vel] });
  const off = (frame: number, note: number) => ({ frame, bytes: [0x80, note, 0] });
  // Sine, filter wide open, no attack, full sustain, 50 ms release: each voice a plain sine.
  const plain: [number, number][] = [[0, 3], [1, 20000], [3, 0], [5, 1], [6, 50]];
  const hz = (n: number) => 440 * 2 ** ((n - 69) / 12);

  it('sums its voices: a chord is the sum of its notes played alone', () => {
    const frames = 9600;
    const chord = render('poly', { sampleRate: sr, blockSize: 128, frames, params: plain, midi: [on(100, 60), on(100, 64), on(100, 67)] }).outputs[0]!;
    const alone = [60, 64, 67].map((n) => render('poly', { sampleRate: sr, blockSize: 128, frames, params: plain, midi: [on(100, n)] }).outputs[0]!);
    let worst = 0;
    for (let i = 0; i < frames; i++) worst = Math.max(worst, Math.abs(chord[i]! - (alone[0]![i]! + alone[1]![i]! + alone[2]![i]!)));
    expect(worst).toBeLessThan(1e-6); // only the order of the f32 additions differs
    for (const n of [60, 64, 67]) expect(amplitudeAt(chord.subarray(4800), hz(n), sr, 4800)).toBeGreaterThan(0.02);
    expect(chord.subarray(0, 100).every((v) => v === 0)).toBe(true);
  });

  it('steals the oldest voice for a ninth note, holds notes with the sustain pedal and releases them to silence', () => {
    const notes = [48, 53, 58, 63, 68, 73, 78, 83]; // 8 voices, far apart in frequency
    const y = render('poly', {
      sampleRate: sr, blockSize: 256, frames: 4 * 9600, params: plain,
      midi: [
        ...notes.map((n) => on(0, n)),
        on(9600, 88), // ninth note: 48 (the oldest) is stolen
        { frame: 19200, bytes: [0xb0, 64, 127] }, // pedal down
        ...notes.slice(1).map((n) => off(19200, n)),
        off(19200, 88),
        { frame: 28800, bytes: [0xb0, 64, 0] }, // pedal up: everything releases (50 ms)
      ],
    }).outputs[0]!;
    const win = (k: number) => y.subarray(k * 9600 + 4800, (k + 1) * 9600);
    const before = amplitudeAt(win(0), hz(48), sr, 4800);
    expect(before).toBeGreaterThan(0.02);
    // Gone (what remains is the other notes' leakage into a 0.1-s window).
    expect(amplitudeAt(win(1), hz(48), sr, 4800)).toBeLessThan(before / 5);
    expect(amplitudeAt(win(1), hz(88), sr, 4800)).toBeGreaterThan(0.02);
    expect(amplitudeAt(win(2), hz(88), sr, 4800)).toBeGreaterThan(0.02); // keys up, pedal down: still sounding
    expect(amplitudeAt(win(2), hz(53), sr, 4800)).toBeGreaterThan(0.02);
    expect(y.subarray(28800 + 2400 + 1).every((v) => v === 0)).toBe(true); // released 50 ms after the pedal
  });

  it('bends every sounding voice and stops all on all notes off', () => {
    const y = render('poly', {
      sampleRate: sr, blockSize: 128, frames: 3 * 9600, params: [...plain, [8, 12]], // bend range 12
      midi: [on(0, 57), { frame: 9600, bytes: [0xe0, 0x7f, 0x7f] }, { frame: 19200, bytes: [0xb0, 123, 0] }],
    }).outputs[0]!;
    expect(amplitudeAt(y.subarray(4800, 9600), hz(57), sr, 4800)).toBeGreaterThan(0.02);
    expect(amplitudeAt(y.subarray(14400, 19200), hz(57) * 2 ** (f32(f32(12 * 8191) / 8192) / 12), sr, 4800)).toBeGreaterThan(0.02);
    expect(amplitudeAt(y.subarray(14400, 19200), hz(57), sr, 4800)).toBeLessThan(0.005);
    expect(y.subarray(19200 + 2400 + 1).every((v) => v === 0)).toBe(true);
  });

  it('renders the same samples for every block size (events are sample-accurate)', () => {
    const opts = { sampleRate: sr, frames: 24000, midi: [on(10, 48), on(10, 52), on(3000, 55, 64), off(3001, 48), { frame: 5000, bytes: [0xe0, 0, 0x50] }, off(15000, 55), on(15000, 60)] };
    const a = render('poly', { ...opts, blockSize: 64 }).outputs[0]!;
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.01);
    for (const blockSize of [1, 100, 1024, 24000]) {
      expect(countDiffering(render('poly', { ...opts, blockSize }).outputs[0]!, a), `block ${blockSize}`).toBe(0);
    }
  });
});

describe('examples/dsp/drums.ts', () => {
  const sr = 48000;
  const hitAt = (frame: number, note: number, vel = 127) => ({ frame, bytes: [0x90, note, vel] });
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);

  it('is silent until a hit, starts at its frame, ignores notes it has no drum for, and decays to exact silence', () => {
    const y = render('drums', { sampleRate: sr, blockSize: 256, frames: 4 * sr, midi: [hitAt(500, 60), hitAt(1000, 36)] }).outputs[0]!;
    expect(y.subarray(0, 1001).every((v) => v === 0)).toBe(true); // a kick starts at sine phase 0
    expect(y[1001]).not.toBe(0);
    expect(rms(y.subarray(1000, 1000 + 4800))).toBeGreaterThan(0.05);
    expect(y.subarray(3 * sr).every((v) => v === 0)).toBe(true); // 300 ms decay: below -140 dB long before 3 s
  });

  it('kick: the pitch falls from two octaves up to the tuned pitch', () => {
    const y = render('drums', { sampleRate: sr, blockSize: 128, frames: sr / 2, params: [[5, 60]], midi: [hitAt(0, 36)] }).outputs[0]!;
    const late = y.subarray(9600, 19200); // 200-400 ms: settled at 60 Hz
    expect(amplitudeAt(late, 60, sr, late.length)).toBeGreaterThan(4 * amplitudeAt(late, 120, sr, late.length));
    let crossings = 0; // the first 10 ms: well above 60 Hz
    for (let i = 1; i < 480; i++) if (Math.sign(y[i]!) !== Math.sign(y[i - 1]!) && y[i] !== 0) crossings++;
    expect(crossings).toBeGreaterThan(2 * 2 * 60 * 0.01);
  });

  it('a closed hi-hat chokes a ringing open one', () => {
    const open = render('drums', { sampleRate: sr, blockSize: 128, frames: sr / 2, midi: [hitAt(0, 46)] }).outputs[0]!;
    const choked = render('drums', { sampleRate: sr, blockSize: 128, frames: sr / 2, midi: [hitAt(0, 46), hitAt(4800, 42)] }).outputs[0]!;
    expect(countDiffering(open.subarray(0, 4800), choked.subarray(0, 4800))).toBe(0);
    const tail = (x: Float32Array) => rms(x.subarray(7200, 12000)); // 150-250 ms
    expect(tail(open)).toBeGreaterThan(0.001);
    expect(tail(choked)).toBeLessThan(tail(open) / 100);
  });

  it('renders the same samples for every block size (hits are sample-accurate)', () => {
    const opts = { sampleRate: sr, frames: 24000, midi: [hitAt(7, 36), hitAt(3001, 38, 90), hitAt(3001, 42), hitAt(9000, 46, 64), hitAt(12345, 42)] };
    const a = render('drums', { ...opts, blockSize: 64 }).outputs[0]!;
    for (const blockSize of [1, 100, 1024, 24000]) {
      expect(countDiffering(render('drums', { ...opts, blockSize }).outputs[0]!, a), `block ${blockSize}`).toBe(0);
    }
  });
});

describe('V8 reference host', () => {
  it('is deterministic and reports the describe JSON', () => {
    const opts = { sampleRate: 44100, blockSize: 100, frames: 3000, midi: [{ frame: 50, bytes: [0x90, 60, 90] }] };
    const a = render('synth', opts);
    const b = render('synth', opts);
    expect(countDiffering(a.outputs[0]!, b.outputs[0]!)).toBe(0);
    expect((a.describe as { midiInputs: number }).midiInputs).toBe(1);
    expect(a.logs).toEqual([]);
  });

  it('refuses modules with a wrong ABI version or a failing jw_init', () => {
    expect(() => renderV8(wasmBytes('dsp', 'abi-unregistered'), { sampleRate: 48000, blockSize: 64, frames: 64 })).toThrow(/jw_init failed with code 1/);
    expect(() => renderV8(wasmBytes('dsp', 'units'), { sampleRate: 48000, blockSize: 64, frames: 64 })).toThrow(/missing export jw_abi/);
  });
});
