/**
 * The fast compile tier (compile option tier: 'fast', what live coding plays
 * first): wasm2c's C built in pieces kept by content, so an edit rebuilds
 * only what it changed; the same samples as the optimised tier; modules the
 * split cannot take are built whole; failures are reported as in the
 * optimised tier. Also the compile steps' launcher process, the source
 * cache keeping one build per version of a file, and cache trimming.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, render } from '../host/index.js';
import { ascStats } from '../host/dsp/asc.js';
import { trimOldest } from '../host/dsp/cache-trim.js';
import { compileFile } from '../host/dsp/instance.js';
import { launcherPid } from '../host/dsp/limited-run.js';
import { packageRoot } from '../host/paths.js';
import { runChild } from './helpers/child.js';
import { rejection } from './helpers/errors.js';
import { useTempCache, useTempDir } from './helpers/temp.js';
import { watText } from './helpers/wat.js';

const cache = useTempCache('tiers');
const tmp = useTempDir('tiers');
// Inside the repository, so that the module imports the SDK as the examples do.
const dir = join(packageRoot(), 'build', `test-tiers-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const synth = readFileSync(join(packageRoot(), 'examples', 'dsp', 'synth.ts'), 'utf8');
/** The example synth with its cutoff default at `hz` (one constant: one function changes). */
const synthAt = (hz: number) => synth.replace(/this\.addParam\("cutoff", "Cutoff", 20, 20000, \d+/, `this.addParam("cutoff", "Cutoff", 20, 20000, ${hz}`);

/** A module whose output is a constant. */
const MOD_DC = `(module (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32) (f32.store (i32.const 1024) (f32.const 0.5))))`;

const phrase = {
  frames: 24000,
  blockSize: 64,
  midi: [
    { frame: 0, bytes: [0x90, 60, 100] },
    { frame: 9000, bytes: [0x90, 67, 80] },
    { frame: 20000, bytes: [0x80, 60, 0] },
  ],
};

describe('the fast tier', () => {
  it('rebuilds only the pieces an edit changed, and an undone edit comes from the caches', async () => {
    const file = join(dir, 'synth.ts');
    writeFileSync(file, synthAt(1111));
    const build = () => compileFile(file, { cacheDir: cache.dir, tier: 'fast' }, { optimize: 0 });
    const a = await build();
    expect(a.compiled.tier).toBe('fast');
    expect(a.compiled.pieces?.total).toBeGreaterThan(10);
    expect(a.compiled.pieces?.compiled).toBe(a.compiled.pieces?.total);

    writeFileSync(file, synthAt(2222));
    const b = await build();
    expect(b.compiled.cached).toBe(false);
    expect(b.compiled.pieces?.total).toBe(a.compiled.pieces?.total);
    expect(b.compiled.pieces?.compiled).toBe(1); // the constructor's piece
    // The edit is in: the cutoff's default differs.
    const [x] = await render(a.compiled, phrase);
    const [y] = await render(b.compiled, phrase);
    expect(x!.findIndex((v, i) => v !== y![i])).toBeGreaterThanOrEqual(0);

    // Undone: AssemblyScript's cache and the compile cache serve it.
    const hits = ascStats.hits;
    writeFileSync(file, synthAt(1111));
    const c = await build();
    expect(ascStats.hits).toBe(hits + 1);
    expect(c.compiled.cached).toBe(true);
    expect(c.compiled.key).toBe(a.compiled.key);
  }, 60000);

  it('renders the same samples as the optimised build of the optimised AssemblyScript', async () => {
    const file = join(dir, 'synth-same.ts');
    writeFileSync(file, synthAt(1500));
    const fast = (await compileFile(file, { cacheDir: cache.dir, tier: 'fast' }, { optimize: 0 })).compiled;
    const optimized = (await compileFile(file, { cacheDir: cache.dir }, { optimize: 3 })).compiled;
    expect([fast.tier, optimized.tier]).toEqual(['fast', 'optimized']);
    const [x] = await render(fast, phrase);
    const [y] = await render(optimized, phrase);
    expect(x!.some((v) => Math.abs(v) > 0.01)).toBe(true);
    expect(x!.findIndex((v, i) => !Object.is(v, y![i]))).toBe(-1);
  }, 60000);

  it('builds whole a module whose functions use the initialisers (memory.init), with the same result', async () => {
    // jw_process copies a passive data segment (0.5f as bytes) over the output.
    const wasm = await watText(`(module (memory (export "memory") 1)
      (data $half "\\00\\00\\00\\3f")
      (func (export "jw_abi") (result i32) (i32.const 1))
      (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
      (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
      (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
      (func (export "jw_process") (param $n i32) (local $i i32)
        (loop $l (memory.init $half (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0) (i32.const 4))
          (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))`, 'meminit');
    const m = await compile(wasm, { cacheDir: cache.dir, tier: 'fast' });
    expect(m.tier).toBe('fast');
    expect(m.pieces).toBeUndefined(); // built whole
    const [out] = await render(m, { frames: 100, blockSize: 32 });
    expect([...new Set(out)]).toEqual([0.5]);
  });

  it('splits a module with a function of many parameters (wasm2c wraps its signature onto two lines)', async () => {
    const params = Array.from({ length: 12 }, () => 'f32').join(' ');
    const sum = Array.from({ length: 12 }, (_, i) => `(local.get ${i})`).reduce((a, b) => `(f32.add ${a} ${b})`);
    const wasm = await watText(`(module (memory (export "memory") 1)
      (func $many (param ${params}) (result f32) ${sum})
      (func (export "jw_abi") (result i32) (i32.const 1))
      (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
      (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
      (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
      (func (export "jw_process") (param $n i32)
        (f32.store (i32.const 1024) (call $many ${Array.from({ length: 12 }, (_, i) => `(f32.const ${i + 1})`).join(' ')}))))`, 'many');
    const m = await compile(wasm, { cacheDir: cache.dir, tier: 'fast' });
    expect(m.pieces).toBeDefined(); // split, not built whole
    expect((await render(m, { frames: 1, blockSize: 1 }))[0]![0]).toBe(78);
  });

  it('keeps apart the pieces of modules with the same functions and different globals (the instance layout is in every key)', async () => {
    const mod = (globals: string) => `(module (memory (export "memory") 1)
      ${globals}
      (global $b (mut f32) (f32.const 0.25))
      (func (export "jw_abi") (result i32) (i32.const 1))
      (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
      (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
      (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
      (func (export "jw_process") (param $n i32) (local $i i32)
        (loop $l (f32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2))) (global.get $b))
          (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))`;
    const dir = join(tmp.dir, 'layouts');
    for (const [name, globals] of [['narrow', '(global $a (mut i32) (i32.const 7))'], ['wide', '(global $a (mut i64) (i64.const 7)) (global $c (mut i64) (i64.const 9))']]) {
      const m = await compile(await watText(mod(globals as string), name as string), { cacheDir: dir, tier: 'fast' });
      expect(m.pieces?.compiled, name).toBe(m.pieces?.total);
      expect([...new Set((await render(m, { frames: 64, blockSize: 64 }))[0])], name).toEqual([0.25]);
    }
  });

  it('reports a missing C compiler and refuses an unknown tier', async () => {
    const wasm = new Uint8Array(readFileSync(join(packageRoot(), 'build', 'examples', 'gain.wasm')));
    const e = await rejection(compile(wasm, { name: 'gain', cacheDir: cache.dir, tier: 'fast', cc: '/nonexistent/cc' }));
    expect([e.code, e.message]).toEqual(['COMPILE_FAILED', 'gain: C compiler "/nonexistent/cc" not found (install Debian\'s gcc package)']);
    const t = await rejection(compile(wasm, { cacheDir: cache.dir, tier: 'quick' as never }));
    expect([t.code, t.message]).toEqual(['INVALID_ARGUMENT', "compile: tier must be 'optimized' or 'fast', got quick"]);
  });
});

describe('the launcher of compile steps', () => {
  it('starts them from a small process, and from here again when that process dies', async () => {
    const wasm = (v: number) => watText(`(module (memory (export "memory") 1)
      (func (export "jw_abi") (result i32) (i32.const 1))
      (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
      (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
      (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
      (func (export "jw_process") (param $n i32) (f32.store (i32.const 1024) (f32.const ${v}))))`, `launch${v}`);
    await compile(await wasm(1), { cacheDir: cache.dir });
    const pid = launcherPid();
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    process.kill(pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const m = await compile(await wasm(2), { cacheDir: cache.dir });
    expect((await render(m, { frames: 1, blockSize: 1 }))[0]![0]).toBe(2);
    expect(launcherPid()).not.toBe(pid); // a new one
  });
});

describe('a launcher that does not start a step', () => {
  it('is replaced and the step runs here, and a process waiting for it does not end meanwhile', async () => {
    // A child process whose only pending work is the compile (as a script's
    // top-level await): its launcher is stopped, so after 2 s it is killed
    // and the step starts from the child itself. Before, nothing kept the
    // child's event loop alive once the launcher's channel closed, and Node
    // exited (13: unsettled top-level await) with the compile pending.
    const a = join(tmp.dir, 'stall-a.wasm');
    const b = join(tmp.dir, 'stall-b.wasm');
    writeFileSync(a, await watText(MOD_DC, 'stall-a'));
    writeFileSync(b, await watText(MOD_DC.replace('0.5', '0.25'), 'stall-b'));
    const limited = pathToFileURL(join(packageRoot(), 'dist', 'host', 'dsp', 'limited-run.js')).href;
    const child = runChild(`
      import { readFileSync } from 'node:fs';
      const { launcherPid } = await import(${JSON.stringify(limited)});
      const cacheDir = ${JSON.stringify(join(tmp.dir, 'stall-cache'))};
      await JW.compile(new Uint8Array(readFileSync(${JSON.stringify(a)})), { cacheDir });
      process.kill(launcherPid(), 'SIGSTOP');
      const m = await JW.compile(new Uint8Array(readFileSync(${JSON.stringify(b)})), { cacheDir });
      console.log('compiled', m.cached);
    `);
    const code = await child.exited;
    expect([code, child.stdout.join('').trim()], child.stderr.join('')).toEqual([0, 'compiled false']);
  }, 30000);
});

describe('a launcher that dies during a step', () => {
  it('takes what it started with it, and the step still keeps its time limit', async () => {
    const marker = `jw-slow-cc-${process.pid}`;
    const slow = join(tmp.dir, `${marker}.sh`);
    writeFileSync(slow, '#!/bin/sh\nsleep 20\n', { mode: 0o755 }); // the shell stays, its command line names the marker
    await compile(await watText(MOD_DC, 'warm'), { cacheDir: cache.dir }); // the launcher runs
    const launcher = launcherPid() as number;
    const wasm = new Uint8Array(readFileSync(join(packageRoot(), 'build', 'examples', 'gain.wasm')));
    const t0 = Date.now();
    const failing = rejection(compile(wasm, { name: 'gain', cacheDir: join(tmp.dir, 'slow'), cc: slow, compileTimeoutMs: 3000 }));
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(launcher, 'SIGKILL');
    const e = await failing;
    expect(e.code).toBe('COMPILE_LIMIT');
    expect(Date.now() - t0).toBeLessThan(6000); // the limit counts from the first start
    const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes(marker));
    expect(left).toEqual([]);
  }, 30000);
});

describe('cache trimming', () => {
  it('removes the least recently modified half past the limit', () => {
    const d = join(tmp.dir, 'trim');
    mkdirSync(d);
    for (let i = 0; i < 10; i++) {
      writeFileSync(join(d, `f${i}`), '');
      utimesSync(join(d, `f${i}`), 1000 + i, 1000 + i);
    }
    trimOldest(d, 10);
    expect(readdirSync(d)).toHaveLength(10);
    trimOldest(d, 9);
    expect(readdirSync(d).sort()).toEqual(['f5', 'f6', 'f7', 'f8', 'f9']);
    expect(statSync(join(d, 'f5')).mtimeMs).toBe(1005000);
  });
});
