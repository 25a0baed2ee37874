/**
 * Faust programs as modules, offline: compiled with faustwasm's compiler,
 * adapted to the ABI and run by the engine, they render bit-exactly what
 * faustwasm's own renderer computes from the same program in V8.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { adaptFaustWasm, compileFaust, render } from '../host/index.js';
import { runFaustCompiler } from '../host/faust/faust-worker.js';
import { rejection } from './helpers/errors.js';
import { faustwasmRender } from './helpers/faust-reference.js';
import { useTempCache } from './helpers/temp.js';

// Faust compiles (faustwasm, asc, wasm-merge, cc) take tens of seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

useTempCache('faust-render');
const dsp = (name: string) => join(import.meta.dirname, 'faust', name);

/** Deterministic noise in [-0.5, 0.5). */
function noise(frames: number, seed: number): Float32Array {
  const out = new Float32Array(frames);
  let s = seed >>> 0;
  for (let i = 0; i < frames; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('Faust programs render offline', () => {
  it('renders an oscillator bit-exactly as faustwasm does in V8', async () => {
    const o = { frames: 48000, sampleRate: 48000, blockSize: 128 };
    const ref = await faustwasmRender(dsp('osc.dsp'), { ...o, params: { '/osc/freq': 1234, '/osc/gain': 0.75 } });
    const out = await render(dsp('osc.dsp'), { ...o, params: { freq: 1234, gain: 0.75 } });
    expect(out.length).toBe(1);
    expect(firstDifference(out[0]!, ref[0]!)).toBe(-1);
    expect(Math.max(...out[0]!.subarray(0, 4800))).toBeCloseTo(0.75, 3);
  });

  it('renders the Faust libraries\' zita_rev1 bit-exactly as faustwasm does in V8', async () => {
    const o = { frames: 96000, sampleRate: 48000, blockSize: 256 };
    const inputs = [noise(o.frames, 1), noise(o.frames, 2)];
    for (const ch of inputs) ch.fill(0, 4800); // a burst, then the tail
    const ref = await faustwasmRender(dsp('zita.dsp'), { ...o, inputs });
    const out = await render(dsp('zita.dsp'), { ...o, inputs });
    expect(out.length).toBe(2);
    expect(firstDifference(out[0]!, ref[0]!)).toBe(-1);
    expect(firstDifference(out[1]!, ref[1]!)).toBe(-1);
    // The reverb's tail is there (not silence): energy long after the burst.
    expect(out[0]!.subarray(48000).some((v) => Math.abs(v) > 1e-4)).toBe(true);
  });

  it('describes the program\'s controls as parameters, with Faust addresses, ranges and units', async () => {
    const m = await compileFaust(dsp('zita.dsp'));
    const d = m.description;
    expect([d.inputs, d.outputs, d.voices, d.midi]).toEqual([2, 2, 0, false]);
    const level = d.params.find((p) => p.id === 'Level');
    expect(level).toMatchObject({ path: '/Zita_Rev1/Output/Level', unit: 'dB', min: -70, max: 40, default: -20, control: 'slider' });
    const lf = d.params.find((p) => p.id === 'LF_X');
    expect(lf).toMatchObject({ scale: 'log', unit: 'Hz', min: 50, max: 1000, default: 200, step: 1 });
    expect(d.params.map((p) => p.id)).toEqual(['In_Delay', 'LF_X', 'Low_RT60', 'Mid_RT60', 'HF_Damping', 'Eq1_Freq', 'Eq1_Level', 'Eq2_Freq', 'Eq2_Level', 'Wet_Dry_Mix', 'Level']);
    expect(m.files).toEqual([dsp('osc.dsp'), dsp('poly.dsp'), dsp('zita.dsp')]);
  });

  it('takes source text and caches the result', async () => {
    const code = 'import("stdfaust.lib"); process = _ * hslider("g", 0.5, 0, 1, 0.01);';
    const a = await compileFaust({ code, name: 'half' });
    const t = performance.now();
    const b = await compileFaust({ code, name: 'half' });
    expect(performance.now() - t).toBeLessThan(1000);
    expect(Buffer.from(b.wasm).equals(Buffer.from(a.wasm))).toBe(true);
    const input = noise(512, 3);
    const [out] = await render(a.wasm, { frames: 512, inputs: [input] });
    expect(Array.from(out!)).toEqual(Array.from(input, (v) => Math.fround(v * 0.5)));
  });
});

describe('Faust polyphonic instruments', () => {
  const noteAt = (frame: number, note: number, vel = 127) => ({ frame, bytes: [0x90, note, vel] });
  const offAt = (frame: number, note: number) => ({ frame, bytes: [0x80, note, 0] });

  it('starts a voice on the exact frame of its note, at the note\'s pitch', async () => {
    const out = (await render(dsp('poly.dsp'), { frames: 4800, sampleRate: 48000, blockSize: 256, midi: [noteAt(1000, 69)] }))[0]!;
    expect(out.subarray(0, 1001).every((v) => v === 0)).toBe(true);
    expect(out[1001]).not.toBe(0);
    // 440 Hz: zero crossings upwards every 48000 / 440 = 109.09 frames.
    const ups: number[] = [];
    for (let i = 1200; i < 4800; i++) if (out[i - 1]! < 0 && out[i]! >= 0) ups.push(i);
    const period = (ups.at(-1)! - ups[0]!) / (ups.length - 1);
    expect(period).toBeCloseTo(48000 / 440, 0);
  });

  it('sounds the same whatever the block size (events split the blocks)', async () => {
    const midi = [noteAt(100, 60), noteAt(333, 64, 90), offAt(2000, 60), noteAt(2100, 67, 60), offAt(4000, 64)];
    const a = (await render(dsp('poly.dsp'), { frames: 6000, blockSize: 64, midi }))[0]!;
    const b = (await render(dsp('poly.dsp'), { frames: 6000, blockSize: 1024, midi }))[0]!;
    expect(firstDifference(a, b)).toBe(-1);
  });

  it('plays a chord as the sum of its voices, each the same as alone', async () => {
    const o = { frames: 3000, blockSize: 128 };
    const chord = (await render(dsp('poly.dsp'), { ...o, midi: [noteAt(10, 60), noteAt(10, 64)] }))[0]!;
    const c = (await render(dsp('poly.dsp'), { ...o, midi: [noteAt(10, 60)] }))[0]!;
    const e = (await render(dsp('poly.dsp'), { ...o, midi: [noteAt(10, 64)] }))[0]!;
    for (let i = 0; i < o.frames; i++) expect(chord[i]).toBe(Math.fround(c[i]! + e[i]!));
  });

  it('releases a voice on note off and steals the oldest when all four are busy', async () => {
    const o = { frames: 12000, blockSize: 128 };
    const four = [60, 62, 64, 65].map((n, i) => noteAt(i * 10, n));
    const stolen = (await render(dsp('poly.dsp'), { ...o, midi: [...four, noteAt(6000, 72)] }))[0]!;
    // Note 60's voice now plays 72: a note off for 60 finds no voice and changes nothing.
    const offIgnored = (await render(dsp('poly.dsp'), { ...o, midi: [...four, noteAt(6000, 72), offAt(7000, 60)] }))[0]!;
    expect(firstDifference(offIgnored, stolen)).toBe(-1);
    // Without the fifth note, the same note off releases note 60.
    const noSteal = (await render(dsp('poly.dsp'), { ...o, midi: [...four, offAt(7000, 60)] }))[0]!;
    const withoutOff = (await render(dsp('poly.dsp'), { ...o, midi: four }))[0]!;
    expect(firstDifference(noSteal, withoutOff)).toBe(7000); // the note off's frame
    // After a note off the voice fades (asr release 10 ms) to exact silence.
    const off = (await render(dsp('poly.dsp'), { ...o, midi: [noteAt(0, 60), offAt(4800, 60)] }))[0]!;
    expect(Math.max(...off.subarray(0, 4800).map(Math.abs))).toBeGreaterThan(0.4);
    expect(off.subarray(4800 + 2400).every((v) => v === 0)).toBe(true);
  });

  it('maps [midi:ctrl 7] to its parameter and holds notes with the sustain pedal', async () => {
    const o = { frames: 9600, blockSize: 128 };
    const loud = (await render(dsp('poly.dsp'), { ...o, midi: [noteAt(0, 69)] }))[0]!;
    const soft = (await render(dsp('poly.dsp'), { ...o, midi: [{ frame: 0, bytes: [0xb0, 7, 0] }, noteAt(0, 69)] }))[0]!;
    expect(Math.max(...loud.map(Math.abs))).toBeGreaterThan(0.4);
    expect(soft.every((v) => v === 0)).toBe(true);
    const held = (await render(dsp('poly.dsp'), { ...o, midi: [{ frame: 0, bytes: [0xb0, 64, 127] }, noteAt(0, 69), offAt(2000, 69)] }))[0]!;
    expect(Math.max(...held.subarray(6000).map(Math.abs))).toBeGreaterThan(0.4);
    const pedalUp = (await render(dsp('poly.dsp'), { ...o, midi: [{ frame: 0, bytes: [0xb0, 64, 127] }, noteAt(0, 69), offAt(2000, 69), { frame: 4000, bytes: [0xb0, 64, 0] }] }))[0]!;
    expect(pedalUp.subarray(4000 + 2400).every((v) => v === 0)).toBe(true);
  });

  it('makes a monophonic program polyphonic with the voices option, and a polyphonic one mono with 0', async () => {
    const m = await compileFaust(dsp('poly.dsp'), { voices: 0 });
    expect([m.description.voices, m.description.params.map((p) => p.id)]).toEqual([0, ['freq', 'gain', 'gate', 'volume']]);
    const p = await compileFaust(dsp('poly.dsp'), { voices: 16 });
    expect([p.description.voices, p.description.params.map((x) => x.id)]).toEqual([16, ['volume']]);
  });
});

describe('Faust errors', () => {
  it('reports the Faust compiler\'s message as COMPILE_FAILED', async () => {
    const e = await rejection(compileFaust({ code: 'process = foo;', name: 'bad' }));
    expect(e.code).toBe('COMPILE_FAILED');
    expect(e.message).toMatch(/undefined symbol : foo/);
  });

  it('refuses flags that change the output language or precision', async () => {
    const e = await rejection(compileFaust({ code: 'process = _;' }, { args: ['-double'] }));
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'compileFaust: the Faust flag -double is not allowed (jackwasm compiles to single-precision wasm with its own adapter)']);
  });

  it('refuses soundfiles and polyphony without a gate, naming the control', async () => {
    const sf = await rejection(compileFaust({ code: 'process = 0,_~+(1) : soundfile("sound[url:{\'a.wav\'}]", 1) : !,!,_;', name: 'sf' }));
    expect(sf.code).toBe('COMPILE_FAILED');
    expect(sf.message).toMatch(/soundfiles are not supported/);
    const nogate = await rejection(compileFaust({ code: 'import("stdfaust.lib"); process = os.osc(hslider("freq", 440, 20, 2000, 1));', name: 'nogate' }, { voices: 4 }));
    expect(nogate.message).toMatch(/needs a "gate" control/);
  });

  it('ends a compile that runs past its time limit with COMPILE_LIMIT', async () => {
    const e = await rejection(compileFaust({ code: 'import("stdfaust.lib"); process = par(i, 20000, os.osc(100 + i)) :> _;', name: 'huge' }, { timeoutMs: 300 }));
    expect(e.code).toBe('COMPILE_LIMIT');
  });

  it('adaptFaustWasm refuses JSON whose control fields lie outside the Faust instance, naming the control', async () => {
    const { wasm, json } = await runFaustCompiler('osc', readFileSync(dsp('osc.dsp'), 'utf8'), ['-ftz', '2'], [], { timeoutMs: 120_000, heapMb: 2048 });
    const doc = JSON.parse(json) as { size: number; ui: { items: { address: string; index?: number }[] }[] };
    const gain = doc.ui[0]!.items.find((c) => c.address === '/osc/gain')!;
    // As the compiler made it, it adapts and runs.
    const ok = await adaptFaustWasm(wasm, json, { name: 'osc' });
    expect(await render(ok.wasm, { frames: 16 })).toHaveLength(1);
    const refused = async (index: number | undefined) => {
      const bad = structuredClone(doc);
      bad.ui[0]!.items.find((c) => c.address === '/osc/gain')!.index = index;
      return rejection(adaptFaustWasm(wasm, JSON.stringify(bad), { name: 'osc' }));
    };
    expect(gain.index! + 4).toBeLessThanOrEqual(doc.size);
    for (const [index, shown] of [[doc.size, String(doc.size)], [doc.size - 2, String(doc.size - 2)], [-4, '-4'], [1.5, '1.5'], [undefined, 'missing']] as const) {
      const e = await refused(index);
      expect([e.code, e.message]).toEqual(['COMPILE_FAILED', `osc: /osc/gain: its field (index ${shown}) is not inside the Faust instance (a 4-byte field at an offset from 0 to ${doc.size - 4})`]);
    }
  });

  it('turns a program too big for the memory limit into a load error, not a crash', async () => {
    // A 2^26-sample delay line: 256 MiB, over the default 64 MiB memory limit.
    const big = await compileFaust({ code: 'import("stdfaust.lib"); process = de.delay(67108864, 67108000);', name: 'big' });
    const err = await rejection(render(big.wasm, { frames: 128 }));
    expect([err.code, err.message]).toEqual(['MODULE_INIT_FAILED', 'module: jw_init trapped: unreachable executed (memory.grow was refused: the memory cap is 67108864 bytes; raise it with the compile option maxMemoryBytes)']);
  });
});

describe('Faust limits and recovery', () => {
  it('compiles again after programs that overflow the Faust compiler', async () => {
    for (let i = 0; i < 3; i++) {
      const e = await rejection(compileFaust({ code: `f(n) = f(n+1); process = f(${i});`, name: `loop${i}` }));
      expect(e.code).toMatch(/COMPILE_FAILED|COMPILE_LIMIT/);
    }
    const ok = await compileFaust({ code: 'process = _ * 0.25;', name: 'after' });
    const [out] = await render(ok.wasm, { frames: 4, inputs: [Float32Array.of(1, 2, 3, 4)] });
    expect(Array.from(out!)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('refuses the long forms of flags that change the output, and names the channel and description limits', async () => {
    const e = await rejection(compileFaust({ code: 'process = _;' }, { args: ['--double-precision-floats'] }));
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'compileFaust: the Faust flag --double-precision-floats is not allowed (jackwasm compiles to single-precision wasm with its own adapter)']);
    const wide = await rejection(compileFaust({ code: 'process = par(i, 65, _);', name: 'wide' }));
    expect([wide.code, wide.message]).toEqual(['COMPILE_FAILED', 'wide: 65 inputs (a module has at most 64 audio inputs)']);
    const labels = Array.from({ length: 600 }, (_, i) => `hslider("a rather long control label number ${i}[unit:Hz]", 1, 0, 10, 0.1)`).join(' + ');
    const many = await rejection(compileFaust({ code: `process = ${labels};`, name: 'many' }));
    expect(many.code).toBe('COMPILE_FAILED');
    expect(many.message).toMatch(/^many: the description of its 600 controls takes \d+ bytes; a module's description is at most 64 KiB/);
  });
});
