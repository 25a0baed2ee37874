/**
 * Fuzzing the module pipeline: thousands of mutated copies of valid modules
 * (the examples) go through validation; every one must end in a JackError or
 * pass. A sample of those that pass is compiled, loaded and rendered: each
 * must end in a JackError, an isolated trap (DSP_TRAP) or output. Nothing may
 * crash, hang or leak. Seeded, so a failure reproduces: JW_FUZZ_SEED and
 * JW_FUZZ_COUNT override the seed and the number of mutants.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, JackError, render } from '../host/index.js';
import { checkInterface, validateFeatures } from '../host/dsp/validate.js';
import { native } from '../host/native.js';
import { packageRoot } from '../host/paths.js';
import { useTempCache } from './helpers/temp.js';

useTempCache('fuzz');

const SEED = Number(process.env.JW_FUZZ_SEED ?? 20261130);
const COUNT = Number(process.env.JW_FUZZ_COUNT ?? 3000);
const RUN = Number(process.env.JW_FUZZ_RUN ?? 40);

/** xorshift32: deterministic across runs and machines. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const bases = ['gain', 'biquad', 'delay', 'sine', 'synth'].map((n) => ({
  name: n,
  bytes: new Uint8Array(readFileSync(join(packageRoot(), 'build', 'examples', `${n}.wasm`))),
}));

/** The byte range of the code section (where most mutations stay well-formed). */
function codeRange(b: Uint8Array): [number, number] {
  let pos = 8;
  while (pos < b.length) {
    const id = b[pos++] as number;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const x = b[pos++] as number;
      size += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) break;
    }
    if (id === 10) return [pos, pos + size];
    pos += size;
  }
  return [8, b.length];
}

/** One mutant of `src`: a few random edits of one of several kinds. */
function mutate(src: Uint8Array, r: () => number): { bytes: Uint8Array; how: string } {
  const b = Array.from(src);
  const [c0, c1] = codeRange(src);
  const at = (inCode: boolean) => (inCode ? c0 + Math.floor(r() * (c1 - c0)) : Math.floor(r() * b.length));
  const kind = Math.floor(r() * 7);
  const edits = 1 + Math.floor(r() * 3);
  const hows: string[] = [];
  for (let e = 0; e < edits; e++) {
    const i = at(kind < 4);
    switch (kind) {
      case 0: // flip bits in code
      case 4: // anywhere
        b[i] = (b[i] as number) ^ (1 << Math.floor(r() * 8));
        hows.push(`flip@${i}`);
        break;
      case 1: // random byte in code
      case 5:
        b[i] = Math.floor(r() * 256);
        hows.push(`set@${i}`);
        break;
      case 2: // a constant's immediate (i32.const / f32.const) changed: usually still valid
      {
        let j = i;
        while (j < c1 && b[j] !== 0x41 && b[j] !== 0x43) j++;
        if (j + 1 < c1) b[j + 1] = Math.floor(r() * 128);
        hows.push(`const@${j}`);
        break;
      }
      case 3: // delete or insert a byte in code
        if (r() < 0.5) b.splice(i, 1);
        else b.splice(i, 0, Math.floor(r() * 256));
        hows.push(`splice@${i}`);
        break;
      default: // truncate
        b.length = Math.max(0, Math.floor(r() * b.length));
        hows.push(`truncate@${b.length}`);
    }
  }
  return { bytes: new Uint8Array(b), how: `${kind}:${hows.join(',')}` };
}

describe(`fuzz: ${COUNT} mutants of the example modules (seed ${SEED})`, () => {
  const valid: { name: string; bytes: Uint8Array }[] = [];

  it('every mutant is either refused with a JackError or passes validation', async () => {
    const r = rng(SEED);
    const codes = new Map<string, number>();
    for (let n = 0; n < COUNT; n++) {
      const base = bases[Math.floor(r() * bases.length)]!;
      const { bytes, how } = mutate(base.bytes, r);
      const name = `${base.name}#${n} ${how}`;
      try {
        checkInterface(bytes, name);
        await validateFeatures(bytes, name);
        valid.push({ name, bytes });
      } catch (err) {
        expect(err, name).toBeInstanceOf(JackError);
        const code = (err as JackError).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    // The corpus of outcomes is broad: malformed, invalid, ABI and still-valid mutants.
    expect(codes.get('MODULE_INVALID') ?? 0).toBeGreaterThan(COUNT / 10);
    expect(valid.length).toBeGreaterThan(COUNT / 50);
    console.log(`fuzz: ${COUNT} mutants: ${valid.length} valid, refused: ${JSON.stringify(Object.fromEntries(codes))}`);
  }, 300000);

  it('a sample of the valid ones compiles, loads and renders to a JackError, a trap or output', async () => {
    const r = rng(SEED ^ 0x5a5a5a5a);
    const pick = valid.filter(() => r() < RUN / Math.max(1, valid.length)).slice(0, RUN);
    expect(pick.length).toBeGreaterThan(0);
    const before = native.runtimeStats();
    const outcomes = new Map<string, number>();
    const one = async (m: { name: string; bytes: Uint8Array }) => {
      try {
        const c = await compile(m.bytes, { name: m.name, cflags: ['-O0'] });
        const out = await render(c, { frames: 1024, blockSize: 128, callTimeoutMs: 500, ...(c.iface.exports.has('jw_midi') ? { midi: [{ frame: 10, bytes: [0x90, 60, 100] }] } : {}) });
        expect(out.every((o) => o.length === 1024), m.name).toBe(true);
        outcomes.set('output', (outcomes.get('output') ?? 0) + 1);
      } catch (err) {
        expect(err, m.name).toBeInstanceOf(JackError);
        const code = (err as JackError).code;
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      }
    };
    for (let i = 0; i < pick.length; i += 2) await Promise.all(pick.slice(i, i + 2).map(one));
    const after = native.runtimeStats();
    expect(after.memories).toBe(before.memories);
    expect(after.stacks).toBe(before.stacks);
    console.log(`fuzz: ran ${pick.length}: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  }, 600000);
});
