/**
 * Bit-exactness: every example module rendered offline by the native engine
 * (wasm2c + cc) equals V8 running the same .wasm through the same ABI call
 * sequence (test/helpers/v8-render.ts), sample for sample, with inputs,
 * parameters, odd block sizes and MIDI.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, render, type CompiledModule } from '../host/index.js';
import { renderV8 } from './helpers/v8-render.js';
import { compileFile } from '../host/dsp/instance.js';

const root = new URL('..', import.meta.url).pathname;
let cache: string;
const wasm = (name: string) => new Uint8Array(readFileSync(join(root, 'build', 'examples', `${name}.wasm`)));

function noise(frames: number, seed: number): Float32Array {
  const out = new Float32Array(frames);
  let x = seed >>> 0;
  for (let i = 0; i < frames; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x / 2 ** 32) * 1.6 - 0.8;
  }
  return out;
}

/** Index and values of the first difference, for a readable failure. */
function firstDiff(a: Float32Array, b: Float32Array): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `frame ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'jw-bitexact-'));
});
afterAll(() => {
  rmSync(cache, { recursive: true, force: true });
});

interface Case {
  module: string;
  sampleRate: number;
  blockSize: number;
  frames: number;
  inputs?: Float32Array[];
  params?: [number, number][];
  midi?: { frame: number; bytes: number[] }[];
}

const cases: [string, Case][] = [
  ['gain at +6 dB, block 64', { module: 'gain', sampleRate: 48000, blockSize: 64, frames: 9000, inputs: [noise(9000, 1)], params: [[0, 6]] }],
  ['stereo biquad highpass with resonance, block 100 (not a power of two)', {
    module: 'biquad', sampleRate: 44100, blockSize: 100, frames: 20000, inputs: [noise(20000, 2), noise(15000, 3)], params: [[0, 1], [1, 2500], [2, 4]],
  }],
  ['biquad peaking filter with gain', { module: 'biquad', sampleRate: 48000, blockSize: 256, frames: 12000, inputs: [noise(12000, 4), noise(12000, 5)], params: [[0, 4], [1, 800], [3, 9]] }],
  ['delay with feedback and mix, block 128', {
    module: 'delay', sampleRate: 48000, blockSize: 128, frames: 48000, inputs: [noise(48000, 6), noise(48000, 7)], params: [[0, 123.4], [1, 0.8], [2, 0.6]],
  }],
  ['sine test tone at 997 Hz, block 1', { module: 'sine', sampleRate: 48000, blockSize: 1, frames: 3000, params: [[0, 997], [1, -3]] }],
  ['sine at 32 kHz sample rate', { module: 'sine', sampleRate: 32000, blockSize: 512, frames: 40000, params: [[0, 5000]] }],
  ['synth playing a MIDI phrase (notes, overlap, same-frame events)', {
    module: 'synth', sampleRate: 48000, blockSize: 128, frames: 96000, params: [[1, 1200], [2, 6]],
    midi: [
      { frame: 0, bytes: [0x90, 60, 100] },
      { frame: 5000, bytes: [0x90, 64, 90] },
      { frame: 5000, bytes: [0x80, 60, 0] },
      { frame: 20011, bytes: [0x80, 64, 0] },
      { frame: 30000, bytes: [0x90, 67, 127] },
      { frame: 30001, bytes: [0x90, 67, 0] },
      { frame: 50000, bytes: [0x90, 48, 64] },
      { frame: 95999, bytes: [0x80, 48, 0] },
    ],
  }],
  ['synth with square waveform and slow attack', {
    module: 'synth', sampleRate: 48000, blockSize: 64, frames: 30000, params: [[0, 1], [3, 200], [6, 50]],
    midi: [{ frame: 10, bytes: [0x90, 57, 110] }, { frame: 20000, bytes: [0x80, 57, 0] }],
  }],
  ['drum machine: kick, snare, hats with a choke', {
    module: 'drums', sampleRate: 44100, blockSize: 100, frames: 44100, params: [[1, 500], [5, 45]],
    midi: [0, 11025, 22050, 33075].flatMap((f, k) => [
      { frame: f, bytes: [0x90, 36, 127] },
      { frame: f + 5512, bytes: [0x90, 38, 100 - k * 10] },
      { frame: f + 2756, bytes: [0x90, k % 2 ? 46 : 42, 90] },
    ]),
  }],
  ['poly synth: chords, a stolen voice, sustain pedal, pitch bend', {
    module: 'poly', sampleRate: 48000, blockSize: 128, frames: 72000, params: [[1, 1500], [2, 4], [6, 120]],
    midi: [
      ...[48, 55, 60, 64, 67, 71, 74, 76].map((n, k) => ({ frame: k * 300, bytes: [0x90, n, 70 + k * 5] })),
      { frame: 12000, bytes: [0x90, 79, 127] },
      { frame: 20000, bytes: [0xb0, 64, 127] },
      ...[55, 60, 64].map((n) => ({ frame: 20001, bytes: [0x80, n, 0] })),
      { frame: 30000, bytes: [0xe0, 0x00, 0x60] },
      { frame: 40000, bytes: [0xb0, 64, 0] },
      { frame: 50000, bytes: [0xb0, 123, 0] },
      { frame: 60000, bytes: [0x90, 62, 100] },
    ],
  }],
];

describe('engine vs V8, bit for bit', () => {
  const compiled = new Map<string, CompiledModule>();
  async function compiledOf(name: string): Promise<CompiledModule> {
    let c = compiled.get(name);
    if (!c) compiled.set(name, (c = await compile(wasm(name), { name, cacheDir: cache })));
    return c;
  }

  for (const [title, c] of cases) {
    it(`renders ${c.module}: ${title}`, async () => {
      const bytes = wasm(c.module);
      const reference = renderV8(bytes, { sampleRate: c.sampleRate, blockSize: c.blockSize, frames: c.frames, inputs: c.inputs, params: c.params, midi: c.midi });
      const engine = await render(await compiledOf(c.module), {
        sampleRate: c.sampleRate, blockSize: c.blockSize, frames: c.frames, inputs: c.inputs, params: c.params, midi: c.midi,
      });
      expect(engine.length).toBe(reference.outputs.length);
      // Not silence: the case exercises the module.
      expect(engine.some((ch) => ch.some((x) => Math.abs(x) > 1e-4))).toBe(true);
      engine.forEach((ch, i) => expect(firstDiff(ch, reference.outputs[i] as Float32Array), `output ${i}`).toBeUndefined());
    });
  }
});

describe('the fast tier as live coding builds it (AssemblyScript -O0, C in pieces), vs V8 on the -O3 build', () => {
  for (const [title, c] of cases.filter(([, k]) => ['poly', 'delay', 'drums'].includes(k.module))) {
    it(`renders ${c.module}: ${title}`, async () => {
      const reference = renderV8(wasm(c.module), { sampleRate: c.sampleRate, blockSize: c.blockSize, frames: c.frames, inputs: c.inputs, params: c.params, midi: c.midi });
      const { compiled } = await compileFile(join(root, 'examples', 'dsp', `${c.module}.ts`), { cacheDir: cache, tier: 'fast' }, { optimize: 0 });
      expect(compiled.tier).toBe('fast');
      const engine = await render(compiled, { sampleRate: c.sampleRate, blockSize: c.blockSize, frames: c.frames, inputs: c.inputs, params: c.params, midi: c.midi });
      engine.forEach((ch, i) => expect(firstDiff(ch, reference.outputs[i] as Float32Array), `output ${i}`).toBeUndefined());
    }, 60000);
  }
});
