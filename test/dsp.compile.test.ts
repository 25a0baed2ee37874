/**
 * The compile pipeline is bounded and tidy: time and memory limits end in
 * COMPILE_LIMIT, no build directory is left behind (not even by a process
 * killed mid-build), cache directory problems are CACHE_FAILED, compiling
 * needs neither libjack nor the native addon, and the bounds-checked build
 * behaves like the guard-page one.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, render } from '../host/index.js';
import { rejection } from './helpers/errors.js';
import { useTempCache, useTempDir } from './helpers/temp.js';
import { watText } from './helpers/wat.js';
import { readFile } from 'node:fs/promises';
import { packageRoot } from '../host/paths.js';

const cache = useTempCache('compile');
const tmp = useTempDir('compile');

const synthWasm = () => readFile(join(packageRoot(), 'build', 'examples', 'synth.wasm')).then((b) => new Uint8Array(b));
const debris = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('build-'));

const MOD = (body: string) => `(module (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32) (local $i i32)
    (loop $l (f32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) ${body})
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))`;

describe('limits', () => {
  it('stops a compile step that runs past compileTimeoutMs with COMPILE_LIMIT, leaving no build directory', async () => {
    const dir = join(tmp.dir, 'c1');
    const err = await rejection(compile(await synthWasm(), { name: 'synth', cacheDir: dir, compileTimeoutMs: 300 }));
    expect(err.code).toBe('COMPILE_LIMIT');
    expect(err.message).toMatch(/^synth: cc ran longer than 300 ms and was stopped \(compile option compileTimeoutMs\)$/);
    expect(debris(dir)).toEqual([]);
  });

  it('stops a compile step over compileMemoryBytes with COMPILE_LIMIT', async () => {
    const dir = join(tmp.dir, 'c2');
    const err = await rejection(compile(await synthWasm(), { name: 'synth', cacheDir: dir, compileMemoryBytes: 64 * 2 ** 20 }));
    expect(err.code).toBe('COMPILE_LIMIT');
    expect(err.message).toMatch(/memory limit, compile option compileMemoryBytes/);
    expect(debris(dir)).toEqual([]);
  });

  it('rejects flags that would change the sandbox or break floating point', async () => {
    const wasm = await watText(MOD('(f32.const 0.5)'), 'm');
    for (const f of ['-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-ffast-math', '-Ofast', '-march=native', '-I/tmp', '-Wl,-z,execstack', '-include', '-fno-stack-check']) {
      expect((await rejection(compile(wasm, { cflags: [f] }))).code, f).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('the cache', () => {
  it('removes build directories left by processes that died, keeps those of live ones', async () => {
    const dir = join(tmp.dir, 'c3');
    mkdirSync(join(dir, 'build-999999999-aabbcc'), { recursive: true });
    writeFileSync(join(dir, 'build-999999999-aabbcc', 'module.c'), 'junk');
    mkdirSync(join(dir, 'build-1-ddeeff'));
    await compile(await watText(MOD('(f32.const 0.5)'), 'm'), { cacheDir: dir });
    expect(debris(dir)).toEqual(['build-1-ddeeff']);
  });

  it('cleans up after a process killed in the middle of a build', async () => {
    const dir = join(tmp.dir, 'c4');
    const script = `import { compile } from ${JSON.stringify(new URL('../dist/host/index.js', import.meta.url).href)};
      import { readFileSync } from 'node:fs';
      await compile(new Uint8Array(readFileSync(${JSON.stringify(join(packageRoot(), 'build', 'examples', 'synth.wasm'))})), { cacheDir: ${JSON.stringify(dir)} });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const started = () => { try { return debris(dir).length > 0; } catch { return false; } };
    for (let i = 0; i < 300 && !started(); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100)); // inside wasm2c or cc
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(debris(dir).length).toBe(1);
    await compile(await watText(MOD('(f32.const 0.5)'), 'm'), { cacheDir: dir });
    expect(debris(dir)).toEqual([]);
  });

  it('reports cache directory problems as CACHE_FAILED', async () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'x');
    const wasm = await watText(MOD('(f32.const 0.25)'), 'm');
    for (const dir of [file, join(file, 'sub'), '/proc/1/jackwasm-cache']) {
      const err = await rejection(compile(wasm, { cacheDir: dir }));
      expect(err.code, dir).toBe('CACHE_FAILED');
      expect(err.message).toContain(dir);
    }
  });

  it('builds the bytes as they were when compile() was called, whatever the caller does with its array next', async () => {
    const quarter = await watText(MOD('(f32.const 0.25)'), 'm');
    const threeQuarters = await watText(MOD('(f32.const 0.75)'), 'm');
    expect(threeQuarters.length).toBe(quarter.length);
    const buf = quarter.slice();
    const pending = compile(buf, { cacheDir: join(tmp.dir, 'c-mutate') });
    buf.set(threeQuarters); // refilled while the compile runs
    const c = await pending;
    expect(c.wasm).toEqual(quarter);
    const [out] = await render(c, { frames: 8 });
    expect([...out!]).toEqual(Array(8).fill(0.25));
    // The cache entry under quarter's key holds quarter's build.
    const again = await compile(quarter, { cacheDir: join(tmp.dir, 'c-mutate') });
    expect(again.cached).toBe(true);
    expect([...(await render(again, { frames: 8 }))[0]!]).toEqual(Array(8).fill(0.25));
  });

  it('refuses a cache directory other users can write to, before trusting anything in it', async () => {
    const { chmodSync, mkdirSync } = await import('node:fs');
    const wasm = await watText(MOD('(f32.const 0.25)'), 'm');
    const dir = join(tmp.dir, 'shared-cache');
    mkdirSync(dir, { mode: 0o700 });
    const ok = await compile(wasm, { cacheDir: dir });
    for (const mode of [0o1777, 0o770, 0o702]) {
      chmodSync(dir, mode);
      const err = await rejection(compile(wasm, { cacheDir: dir })); // a hit would load its module.so
      expect(err.code).toBe('CACHE_FAILED');
      expect(err.message).toContain(`compile cache ${dir}: the directory is writable by other users (mode ${mode.toString(8)})`);
      expect((await rejection(render(ok.wasm, { frames: 1, compile: { cacheDir: dir } }))).code).toBe('CACHE_FAILED');
    }
    chmodSync(dir, 0o755); // readable by others is fine
    expect((await compile(wasm, { cacheDir: dir })).cached).toBe(true);
    // A private cache in a parent others can write to (and rename the
    // cache in) is refused too; a sticky parent, like /tmp, is fine.
    const parent = join(tmp.dir, 'open-parent');
    mkdirSync(join(parent, 'cache'), { recursive: true, mode: 0o700 });
    chmodSync(parent, 0o777);
    const err = await rejection(compile(wasm, { cacheDir: join(parent, 'cache') }));
    expect(err.code).toBe('CACHE_FAILED');
    expect(err.message).toContain(`its parent ${parent} is writable by other users and not sticky (mode 777)`);
    chmodSync(parent, 0o1777);
    expect((await compile(wasm, { cacheDir: join(parent, 'cache') })).cached).toBe(false);
  });

  it('creates the cache private to the user (0700)', async () => {
    const { statSync } = await import('node:fs');
    const dir = join(tmp.dir, 'c5', 'nested');
    const c = await compile(await watText(MOD('(f32.const 0.25)'), 'm'), { cacheDir: dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(c.path, '..')).mode & 0o777).toBe(0o700);
  });
});

describe('without the native addon', () => {
  it('compiles (and only fails on first use of JACK) when the addon cannot load', async () => {
    const script = `import { compile, Client } from ${JSON.stringify(new URL('../dist/host/index.js', import.meta.url).href)};
      const c = await compile(new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(await watText(MOD('(f32.const 0.5)'), 'm')).toString('base64'))}, 'base64')), { cacheDir: ${JSON.stringify(cache.dir)} });
      console.log('compiled', c.kind);
      try { await Client.open('x'); } catch (e) { console.log(e.code); }`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, JACKWASM_ADDON: '/nonexistent/jackwasm.node' }, timeout: 30000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out.trim().split('\n')).toEqual(['compiled jackwasm.compiled', 'NATIVE_LOAD_FAILED']);
  });
});

describe("memoryChecks: 'bounds'", () => {
  it('builds a bounds-checked module that gives the same samples and the same traps', async () => {
    const ok = await watText(MOD('(f32.mul (f32.convert_i32_u (local.get $i)) (f32.const 0.125))'), 'ok');
    const oob = await watText(MOD('(f32.load (i32.const 65534))'), 'oob');
    const [guard] = await render(await compile(ok, { name: 'ok' }), { frames: 1000 });
    const [bounds] = await render(await compile(ok, { name: 'ok', memoryChecks: 'bounds' }), { frames: 1000 });
    expect(Buffer.from(bounds!.buffer).equals(Buffer.from(guard!.buffer))).toBe(true);
    for (const memoryChecks of ['guard', 'bounds'] as const) {
      const err = await rejection(render(await compile(oob, { name: 'oob', memoryChecks }), { frames: 100 }));
      expect(err.message, memoryChecks).toBe('oob trapped in jw_process at frame 0: out of bounds memory access');
    }
    const a = await compile(ok, { name: 'ok' });
    const b = await compile(ok, { name: 'ok', memoryChecks: 'bounds' });
    expect(a.key).not.toBe(b.key);
  });
});

describe('AssemblyScript', () => {
  it('compiles in a worker with a time limit: errors name the file and line, a timeout is COMPILE_LIMIT, and the next compile works', async () => {
    const { compileAssemblyScript } = await import('../host/dsp/asc.js');
    const bad = join(tmp.dir, 'bad.ts');
    writeFileSync(bad, 'export function jw_abi(): i32 { return nope; }\n');
    const err = await rejection(compileAssemblyScript(bad));
    expect(err.code).toBe('COMPILE_FAILED');
    expect(err.message).toMatch(/bad\.ts\(1,40\)/);
    const sine = join(packageRoot(), 'examples', 'dsp', 'sine.ts');
    const slow = await rejection(compileAssemblyScript(sine, { timeoutMs: 1, cacheDir: false }));
    expect(slow.code).toBe('COMPILE_LIMIT');
    expect(slow.message).toMatch(/ran longer than 1 ms and was stopped/);
    const wasm = await compileAssemblyScript(sine);
    expect(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>)).toBe(true);
  });

  it('caches a compile by the content of every file the compiler read, and by the files it looked for and missed', async () => {
    const { compileAssemblyScript, ascStats } = await import('../host/dsp/asc.js');
    const dir = join(tmp.dir, 'asc-src');
    const cacheDir = join(tmp.dir, 'asc-cache');
    mkdirSync(join(dir, 'value'), { recursive: true });
    const main = join(dir, 'main.ts');
    writeFileSync(
      main,
      `import { VALUE } from "./value";
export function jw_abi(): i32 { return 1; }
export function jw_init(sampleRate: f32, maxFrames: i32): i32 { if (memory.size() == 0) memory.grow(1); return 0; }
export function jw_inputs(): i32 { return 0; }
export function jw_outputs(): i32 { return 1; }
export function jw_input(ch: i32): i32 { return 0; }
export function jw_output(ch: i32): i32 { return 1024; }
export function jw_process(n: i32): void { for (let i = 0; i < n; i++) store<f32>(1024 + (i << 2), VALUE); }
`,
    );
    writeFileSync(join(dir, 'value', 'index.ts'), 'export const VALUE: f32 = 0.25;\n');
    const first = async () => (await render(await compileAssemblyScript(main, { cacheDir }), { frames: 4 }))[0]![0];
    const before = { ...ascStats };
    expect(await first()).toBe(0.25); // compiled
    expect(await first()).toBe(0.25); // from the cache
    expect([ascStats.misses - before.misses, ascStats.hits - before.hits]).toEqual([1, 1]);
    writeFileSync(join(dir, 'value', 'index.ts'), 'export const VALUE: f32 = 0.5;\n'); // an import changed
    expect(await first()).toBe(0.5);
    expect(ascStats.misses - before.misses).toBe(2);
    // A file now exists where the compiler looked first and found nothing
    // ("./value" resolves to value.ts before value/index.ts).
    writeFileSync(join(dir, 'value.ts'), 'export const VALUE: f32 = 0.75;\n');
    expect(await first()).toBe(0.75);
    expect(await first()).toBe(0.75);
    expect([ascStats.misses - before.misses, ascStats.hits - before.hits]).toEqual([3, 2]);
    // load() and render() of the .ts path use the same cache.
    expect((await render(main, { frames: 4, compile: { cacheDir } }))[0]![0]).toBe(0.75);
    expect(ascStats.hits - before.hits).toBe(3);
  });
});
