/**
 * The hostile-module corpus (test/hostile/): one file per module, each
 * stating its expected outcome, all run in this one process through the
 * public pipeline (compile, then render; load-time failures are the same for
 * load()). The rule they check: any bytes, any module, any behaviour ends in
 * a typed JackError, an isolated trap, or a working module; never a crash,
 * a hang, a leak or an escape.
 *
 * Case files:
 * - `name.wat`: WAT with header lines `;; expect: ...`, optionally
 *   `;; output: <number>` (every sample of output 0), `;; options: <JSON
 *   render options>` and `;; wat2wasm: <flags>`.
 * - `name.hex`: the module's bytes in hex, headed by `# expect: ...`.
 * - `name.gen.ts`: exports `expect` (and `output`, `options`) and a default
 *   function building the bytes (for modules too large to store).
 *
 * Expectations:
 * - `error CODE [/regex/]`: compile() or render() rejects with that code
 *   (and a message matching the regex);
 * - `trap KIND EXPORT`: render() rejects with DSP_TRAP for a trap of that
 *   kind in that export;
 * - `ok`: render() works (and output 0 holds `output` everywhere).
 *
 * JW_HOSTILE_TIER=fast runs the corpus through the fast compile tier (the C
 * in pieces, what `jackwasm dev` builds first); .ci/run does both.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, JackError, render, type RenderOptions } from '../host/index.js';
import { native } from '../host/native.js';
import { useTempCache } from './helpers/temp.js';
import { watText } from './helpers/wat.js';

useTempCache('hostile');

const dir = fileURLToPath(new URL('./hostile/', import.meta.url));

interface Case {
  name: string;
  expect: string;
  output?: number;
  options: RenderOptions;
  bytes: () => Promise<Uint8Array>;
}

function header(src: string, prefix: string, key: string): string | undefined {
  const m = new RegExp(`^${prefix}\\s*${key}:\\s*(.+)$`, 'm').exec(src);
  return m?.[1]?.trim();
}

async function loadCases(): Promise<Case[]> {
  const cases: Case[] = [];
  for (const file of readdirSync(dir).sort()) {
    const path = join(dir, file);
    if (file.endsWith('.wat')) {
      const src = readFileSync(path, 'utf8');
      const out = header(src, ';;', 'output');
      cases.push({
        name: file,
        expect: header(src, ';;', 'expect') ?? 'missing',
        ...(out !== undefined ? { output: Number(out) } : {}),
        options: JSON.parse(header(src, ';;', 'options') ?? '{}') as RenderOptions,
        bytes: () => watText(src, file.replace(/\.wat$/, '')),
      });
    } else if (file.endsWith('.hex')) {
      const src = readFileSync(path, 'utf8');
      const hex = src.split('\n').filter((l) => !l.startsWith('#')).join(' ').trim();
      const bytes = new Uint8Array(hex ? hex.split(/\s+/).map((h) => parseInt(h, 16)) : []);
      cases.push({ name: file, expect: header(src, '#', 'expect') ?? 'missing', options: {}, bytes: async () => bytes });
    } else if (file.endsWith('.gen.ts')) {
      const mod = (await import(path)) as { expect: string; output?: number; options?: RenderOptions; default: () => Uint8Array };
      cases.push({
        name: file,
        expect: mod.expect,
        ...(mod.output !== undefined ? { output: mod.output } : {}),
        options: mod.options ?? {},
        bytes: async () => mod.default(),
      });
    }
  }
  return cases;
}

const cases = await loadCases();

/** What actually happened to a case, for comparison with its expectation. */
type Outcome = { ok: true; output: Float32Array } | { ok: false; err: JackError };

async function runCase(c: Case): Promise<Outcome> {
  try {
    const wasm = await c.bytes();
    const { compile: compileOptions, ...renderOptions } = c.options;
    const compiled = await compile(wasm, { name: c.name, cflags: ['-O1'], ...(process.env.JW_HOSTILE_TIER === 'fast' ? { tier: 'fast' as const } : {}), ...compileOptions });
    const [output] = await render(compiled, { frames: 512, blockSize: 128, callTimeoutMs: 2000, ...renderOptions });
    return { ok: true, output: output ?? new Float32Array(0) };
  } catch (err) {
    if (!(err instanceof JackError)) throw err;
    return { ok: false, err };
  }
}

/** The kinds' texts (shim/manifest.json), to check DSP_TRAP messages. */
const trapText = (kind: string) => {
  for (let code = 1; code < 200; code++) {
    const t = native.trapInfo(code);
    if (t.kind === kind) return t.text;
  }
  throw new Error(`unknown trap kind ${kind}`);
};

// Compile and run two cases at a time (two cores); each `it` awaits its own.
const results = new Map<string, Promise<Outcome>>();
beforeAll(() => {
  let next = 0;
  const lane = async () => {
    for (;;) {
      const c = cases[next++];
      if (!c) return;
      const p = runCase(c);
      results.set(c.name, p);
      await p.catch(() => {});
    }
  };
  void Promise.all([lane(), lane()]);
});
async function outcomeOf(name: string): Promise<Outcome> {
  for (;;) {
    const p = results.get(name);
    if (p) return p;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const stats0 = native.runtimeStats();

describe('hostile-module corpus', () => {
  it('holds at least 100 cases, each with an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    for (const c of cases) expect(c.expect, c.name).toMatch(/^(ok|error [A-Z_]+( \/.*\/)?|trap [a-z-]+ jw_[a-z_]+)$/);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const o = await outcomeOf(c.name);
    const [what, a, ...rest] = c.expect.split(' ');
    if (what === 'ok') {
      expect(o.ok ? 'ok' : `${o.err.code}: ${o.err.message}`).toBe('ok');
      if (o.ok && c.output !== undefined) {
        expect(o.output.length).toBe(512);
        const bad = o.output.findIndex((x) => !Object.is(x, Math.fround(c.output as number)));
        expect(bad, `first sample not ${c.output}: ${o.output[bad]}`).toBe(-1);
      }
    } else if (what === 'error') {
      expect(o.ok ? 'resolved' : o.err.code).toBe(a);
      const re = rest.join(' ');
      if (re && !o.ok) expect(o.err.message).toMatch(new RegExp(re.slice(1, -1)));
    } else {
      expect(o.ok ? 'resolved' : o.err.code).toBe('DSP_TRAP');
      if (!o.ok) {
        expect(o.err.message).toMatch(new RegExp(`trapped in ${rest[0]} at frame \\d+: ${trapText(a as string).replace(/[()]/g, '\\$&')}`));
        expect({ kind: o.err.trap?.kind, where: o.err.trap?.where }).toEqual({ kind: a, where: rest[0] });
      }
    }
  });

  afterAll(async () => {
    await Promise.all(results.values());
  });

  it('leaves no instance memory, stack or address-space reservation behind', async () => {
    await Promise.all(results.values());
    const s = native.runtimeStats();
    expect({ memories: s.memories, stacks: s.stacks, reservedBytes: s.reservedBytes }).toEqual({
      memories: stats0.memories,
      stacks: stats0.stacks,
      reservedBytes: stats0.reservedBytes,
    });
  });
});
