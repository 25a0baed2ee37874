/**
 * The compilation pipeline: .wasm bytes -> validation -> wasm2c -> C compiler
 * -> shared object, cached by content hash. Runs in child processes, so the
 * main thread only waits.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fail, require_ } from '../errors.js';
import { packageRoot } from '../native.js';
import { generateGlue } from './glue.js';
import { checkInterface, validateFeatures, DEFAULT_MAX_MEMORY, type ModuleInterface } from './validate.js';

/** Bump when the runtime, glue or flags change meaning: old cache entries are then ignored. */
export const RUNTIME_VERSION = 5;

export interface CompileOptions {
  /** C compiler. Default $CC or "cc". */
  cc?: string;
  /** Optimisation and extra flags. Default ["-O2"]. -ffast-math and FMA contraction are refused. */
  cflags?: string[];
  /** Cache directory. Default $JACKWASM_CACHE, else $XDG_CACHE_HOME/jackwasm, else ~/.cache/jackwasm. */
  cacheDir?: string;
  /** Largest initial memory accepted, bytes (also the growth cap). Default 64 MiB. */
  maxMemoryBytes?: number;
  /** Name used in error messages. */
  name?: string;
}

/** A module compiled to native code, ready to load or render. */
export interface CompiledModule {
  readonly kind: 'jackwasm.compiled';
  /** Path of the shared object. */
  readonly path: string;
  /** Cache key (hex). */
  readonly key: string;
  /** True when the shared object came from the cache. */
  readonly cached: boolean;
  /** Milliseconds spent (validation + wasm2c + cc, or the cache lookup). */
  readonly compileMs: number;
  /** The original WebAssembly bytes. */
  readonly wasm: Uint8Array;
  /** Name for messages. */
  readonly name: string;
  /** @internal */
  readonly iface: ModuleInterface;
}

export function defaultCacheDir(): string {
  if (process.env.JACKWASM_CACHE) return process.env.JACKWASM_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'jackwasm');
}

function run(cmd: string, args: string[], cwd: string): Promise<{ ok: boolean; output: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({
        ok: !err,
        output: `${stdout}${stderr}`.trim(),
        missing: (err as NodeJS.ErrnoException | null)?.code === 'ENOENT',
      });
    });
  });
}

let toolVersions: Promise<string> | undefined;
function toolchainId(cc: string): Promise<string> {
  toolVersions ??= Promise.all([run('wasm2c', ['--version'], '.'), run(cc, ['--version'], '.')]).then(
    ([w, c]) => `${w.output.split('\n')[0]}|${c.output.split('\n')[0]}`,
  );
  return toolVersions;
}

function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    h.update('\0');
  }
  return h.digest('hex');
}

const runtimeDir = () => join(packageRoot(), 'shim', 'wasm-rt');
/** Where libjwrt.so (the shared runtime, built with the addon) is. */
const libDir = () => join(packageRoot(), 'build', 'Release');

let runtimeHash: Promise<string> | undefined;
function runtimeSourceHash(): Promise<string> {
  runtimeHash ??= Promise.all(['jw-runtime.c', 'jw-runtime.h', 'jw-glue.h', 'jw-module.h'].map((f) => readFile(join(runtimeDir(), f)))).then(
    // The library path is part of the key: modules find libjwrt.so by rpath.
    (files) => sha256(...files, libDir()),
  );
  return runtimeHash;
}

interface Manifest {
  runtimeVersion: number;
  soSha256: string;
}

/** Validates and compiles `wasm` (or returns the cached build). */
export async function compile(wasm: Uint8Array, options: CompileOptions = {}): Promise<CompiledModule> {
  require_(wasm instanceof Uint8Array, 'compile: expected the module bytes as a Uint8Array');
  const t0 = performance.now();
  const name = options.name ?? 'module';
  const cc = options.cc ?? process.env.CC ?? 'cc';
  const cflags = options.cflags ?? ['-O2'];
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  require_(Array.isArray(cflags) && cflags.every((f) => typeof f === 'string'), 'compile: cflags must be an array of strings');
  for (const f of cflags) {
    if (/^-(ffast-math|Ofast|ffp-contract=(fast|on)|funsafe-math|fassociative-math|freciprocal-math|ffinite-math)/.test(f)) {
      fail('INVALID_ARGUMENT', `compile: flag ${f} would break WebAssembly floating-point semantics (bit-exactness with V8)`);
    }
  }
  require_(Number.isInteger(maxMemoryBytes) && maxMemoryBytes >= 65536, 'compile: maxMemoryBytes must be an integer >= 65536');

  const iface = checkInterface(wasm, name, { maxMemoryBytes });
  const capPages = Math.floor(maxMemoryBytes / 65536);
  const key = sha256(wasm, String(RUNTIME_VERSION), await runtimeSourceHash(), await toolchainId(cc), cc, JSON.stringify(cflags), String(capPages));
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const dir = join(cacheDir, key.slice(0, 2), key);
  const so = join(dir, 'module.so');

  // Cache hit: the manifest must match and the shared object must hash to
  // what was recorded (a truncated or corrupted file is rebuilt).
  if (existsSync(so)) {
    try {
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
      if (manifest.runtimeVersion === RUNTIME_VERSION && manifest.soSha256 === sha256(await readFile(so))) {
        return { kind: 'jackwasm.compiled', path: so, key, cached: true, compileMs: performance.now() - t0, wasm, name, iface };
      }
    } catch {
      /* stale or corrupt: rebuild */
    }
  }

  await validateFeatures(wasm, name);
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'build-'));
  try {
    const modName = `jw_${key.slice(0, 12)}`;
    await writeFile(join(work, 'module.wasm'), wasm);
    const w2c = await run('wasm2c', ['-n', modName, 'module.wasm', '-o', 'module.c'], work);
    if (w2c.missing) fail('COMPILE_FAILED', `${name}: wasm2c not found (install Debian's wabt package)`);
    if (!w2c.ok) fail('COMPILE_FAILED', `${name}: wasm2c failed: ${w2c.output || 'no output (it aborts on unsupported opcodes)'}`);
    // Rationale: wasm2c puts an empty asm barrier after every load; it blocks
    // optimisation (measured 1.85x slower on a memory-heavy reverb) and is
    // not needed for correctness: loads and stores stay memcpy-based, which
    // is correct for unaligned and type-punned accesses.
    const generated = await readFile(join(work, 'module.c'), 'utf8');
    let tuned = generated.replaceAll('wasm_asm("" ::"r"(result));', '');
    if (tuned === generated) fail('COMPILE_FAILED', `${name}: unexpected wasm2c output (load barrier not found; wasm2c version changed?)`);
    // Rationale: loads and stores go through char-typed memcpy, so without
    // this GCC must assume every store into linear memory may change the
    // instance (memory base and size, globals) and reload them after each one
    // (measured: delay example 13.4 -> 11.9 ns/frame). Correct because linear
    // memory is a separate allocation, and the import context only reads the
    // instance.
    tuned = tuned.replaceAll(`(Z_${modName}_instance_t* instance`, `(Z_${modName}_instance_t* restrict instance`);
    // The call-depth counter lives with the instance (jw-runtime.h: JW_DEPTH),
    // not in a global or thread-local: see the rationale there.
    if (!tuned.includes('++wasm_rt_call_stack_depth')) fail('COMPILE_FAILED', `${name}: unexpected wasm2c output (no call-depth counter)`);
    tuned = tuned.replaceAll('wasm_rt_call_stack_depth', 'JW_DEPTH(instance)');
    await writeFile(join(work, 'module.c'), tuned);
    const header = await readFile(join(work, 'module.h'), 'utf8');
    const proto = new RegExp(`void Z_${modName}_instantiate\\(Z_${modName}_instance_t\\*([^)]*)\\);`).exec(header);
    if (!proto) fail('COMPILE_FAILED', `${name}: unexpected wasm2c output (no instantiate function)`);
    const instantiateArgs = (proto[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const imports = iface.shape.imports.flatMap((i) => (i.desc.kind === 'func' ? [{ module: i.module, name: i.name, type: i.desc.type }] : []));
    await writeFile(join(work, 'glue.c'), generateGlue({ name: modName, imports, optional: iface.optional, instantiateArgs }));
    const args = [
      ...cflags,
      '-std=gnu11', '-fPIC', '-shared',
      // WebAssembly forbids fusing a*b+c; never contract.
      '-ffp-contract=off', '-fno-fast-math',
      '-fvisibility=hidden', '-fno-semantic-interposition',
      '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-DWASM_RT_USE_STACK_DEPTH_COUNT=1',
      `-DJW_MEMORY_CAP_PAGES=${capPages}u`,
      `-I${runtimeDir()}`, '-I.',
      'glue.c', '-o', 'module.so',
      '-Wl,-Bsymbolic', `-L${libDir()}`, '-ljwrt', `-Wl,-rpath,${libDir()}`, '-lm', '-lpthread',
    ];
    const c = await run(cc, args, work);
    if (c.missing) fail('COMPILE_FAILED', `${name}: C compiler "${cc}" not found`);
    if (!c.ok) fail('COMPILE_FAILED', `${name}: ${cc} failed:\n${c.output.split('\n').slice(0, 30).join('\n')}`);
    const soBytes = await readFile(join(work, 'module.so'));
    const manifest: Manifest = { runtimeVersion: RUNTIME_VERSION, soSha256: sha256(soBytes) };
    await writeFile(join(work, 'manifest.json'), JSON.stringify(manifest));
    // Publish atomically: concurrent compiles of the same module both succeed.
    await mkdir(join(cacheDir, key.slice(0, 2)), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(work, dir);
    } catch (err) {
      if (!existsSync(so)) throw err;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { kind: 'jackwasm.compiled', path: so, key, cached: false, compileMs: performance.now() - t0, wasm, name, iface };
}
