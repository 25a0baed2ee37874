/**
 * The compilation pipeline: .wasm bytes -> validation -> wasm2c -> C compiler
 * -> shared object, cached by content hash. Every step that can take long
 * runs in a child process with a time and memory limit, so the main thread
 * only waits and nothing runs unbounded. Loads nothing native (no libjack).
 *
 * Cache trust model (docs/engine.md): the cache is per user ($JACKWASM_CACHE,
 * $XDG_CACHE_HOME/jackwasm or ~/.cache/jackwasm), created 0700. A shared
 * object found there is loaded into the process, so the directory must be
 * writable only by the user who runs jackwasm: an entry is used only when its
 * manifest records the key it was built for and the SHA-256 of the .so, which
 * protects against truncated, corrupted or stale entries, not against an
 * attacker who can write the user's files. Builds happen in a private
 * temporary directory inside the cache and are renamed into place atomically.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { checkOptionKeys, fail, require_ } from '../errors.js';
import { VERSIONS } from '../generated/manifest.js';
import { nativeLibDir, packageRoot, runtimeDir } from '../paths.js';
import { generateGlue } from './glue.js';
import type { FaustOptions } from '../faust/compile-faust.js';
import { buildPieces, splitSource } from './compile-pieces.js';
import { stripCustomSections } from './wasm-binary.js';
import { run, type RunResult } from './limited-run.js';
import { checkInterface, resolveLimits, validateFeatures, DEFAULT_MAX_MEMORY, MAX_MEMORY_BYTES, type ModuleLimits } from './validate.js';

/** Bump when the runtime, glue or flags change meaning: old cache entries are then ignored. */
export const RUNTIME_VERSION = VERSIONS.runtime;

/** Flags of the fast tier (compile option tier: 'fast'). */
const FAST_CFLAGS = ['-O1'];

/** Largest stack frame a compiled function may have (shim/wasm-rt/jw-runtime.h: JW_MAX_FRAME_BYTES). */
const MAX_FRAME_BYTES = 64 << 10;

export interface CompileOptions {
  /** C compiler. Default $CC or "cc". */
  cc?: string;
  /** Optimisation and extra flags. Default ["-O2"]. -ffast-math and FMA contraction are refused. */
  cflags?: string[];
  /**
   * How out-of-bounds memory accesses are caught: 'guard' (default) reserves
   * 8 GiB of address space per memory and lets the hardware fault, 'bounds'
   * adds an explicit check to every access (slower, no reliance on signals).
   */
  memoryChecks?: 'guard' | 'bounds';
  /** Cache directory. Default $JACKWASM_CACHE, else $XDG_CACHE_HOME/jackwasm, else ~/.cache/jackwasm. */
  cacheDir?: string;
  /** Largest initial memory accepted, bytes (also the growth cap). Default 64 MiB. */
  maxMemoryBytes?: number;
  /** Size limits of the module (functions, locals, data, ...). */
  limits?: Partial<ModuleLimits>;
  /** Time limit for each compile step (wasm-validate, wasm2c, cc), ms. Default 120000. */
  compileTimeoutMs?: number;
  /** Address-space limit for each compile step, bytes. Default 4 GiB. */
  compileMemoryBytes?: number;
  /** Name used in error messages. */
  name?: string;
  /** For a Faust .dsp source: voices and compiler flags (docs/faust.md). Ignored for other sources. */
  faust?: Pick<FaustOptions, 'voices' | 'args' | 'timeoutMs'>;
  /**
   * 'optimized' (default): the whole generated C at once, with `cflags`.
   * 'fast': in pieces of a few functions at -O1 (or -O0 when `cflags` has it;
   * other `cflags` do not apply),
   * each kept in the cache by its content, so an edit that changes one
   * function rebuilds in a fraction of the time; the code runs slower (no
   * inlining across pieces). Live coding (watchModule, `jackwasm dev`) plays
   * the fast build first and swaps the optimised one in behind it. Output of
   * a shape the split does not handle is built whole.
   */
  tier?: 'optimized' | 'fast';
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
  /** Memory cap, bytes. */
  readonly maxMemoryBytes: number;
  /** Which build this is (compile option `tier`). */
  readonly tier: 'optimized' | 'fast';
  /** A fast-tier build made in pieces now: how many pieces (and the glue), and how many were compiled (the rest came from the cache). */
  readonly pieces?: { readonly total: number; readonly compiled: number };
  /** @internal What validation found, kept in the cache with the build. */
  readonly iface: CompiledInterface;
}

/** @internal The parts of the module's interface the host needs after compiling. */
export interface CompiledInterface {
  /** ABI exports present. */
  exports: Set<string>;
  /** Imports, "module.name". */
  imports: string[];
  /** Initial memory, bytes. */
  memoryBytes: number;
}

export function defaultCacheDir(): string {
  if (process.env.JACKWASM_CACHE) return process.env.JACKWASM_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'jackwasm');
}

function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    h.update('\0');
  }
  return h.digest('hex');
}

/** Resolves a command name on PATH. */
function which(cmd: string): string | undefined {
  if (cmd.includes('/')) return isAbsolute(cmd) ? cmd : join(process.cwd(), cmd);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * Identity of a tool without running it: resolved path, size, mtime and
 * inode. Rationale: spawning `cc --version` on every compile cost 15-18 ms of
 * a cache hit; a changed compiler changes these.
 */
const toolIds = new Map<string, string>();
function toolId(cmd: string): string {
  let id = toolIds.get(cmd);
  if (id === undefined) {
    const path = which(cmd);
    const s = path ? statSync(path, { throwIfNoEntry: false }) : undefined;
    id = s ? `${path}:${s.size}:${s.mtimeMs}:${s.ino}` : `${cmd}:missing`;
    toolIds.set(cmd, id);
  }
  return id;
}

const RUNTIME_FILES = ['jw-runtime.c', 'jw-runtime.h', 'jw-glue.h', 'jw-module.h', '../generated/manifest.h'];
let runtimeHash: string | undefined;
function runtimeSourceHash(): string {
  if (runtimeHash === undefined) {
    let files: Buffer[];
    try {
      files = RUNTIME_FILES.map((f) => readFileSync(join(runtimeDir(), f)));
    } catch {
      return fail('COMPILE_FAILED', `cannot read the WebAssembly runtime sources in ${runtimeDir()} (is the package complete?)`);
    }
    // The library path is part of the key: modules find libjwrt.so by rpath.
    runtimeHash = sha256(...files, nativeLibDir());
  }
  return runtimeHash;
}

interface Manifest {
  runtimeVersion: number;
  key: string;
  soSha256: string;
  exports: string[];
  imports: string[];
  memoryBytes: number;
}

async function cacheOp<T>(what: string, dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return fail('CACHE_FAILED', `compile cache ${dir}: cannot ${what} (${e.code ?? ''} ${e.message}); set cacheDir or $JACKWASM_CACHE to a writable directory`, { cause: err });
  }
}

/**
 * Creates `dir` and its missing parents (mode 0700), or checks it is a
 * directory. Rationale: fs.mkdir({ recursive }) loops forever on some paths
 * under /proc; this walks up at most once per path component.
 */
async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && dirname(dir) !== dir) {
      await ensureDir(dirname(dir));
      await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    } else if (code !== 'EEXIST') {
      throw err;
    }
  }
  if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
}

/**
 * Refuses a cache directory other users could write to: the shared objects
 * in it are loaded into this process (docs/engine.md, "The compile cache").
 * A missing directory is fine (it is created with mode 0700).
 */
function checkCacheTrust(cacheDir: string): void {
  let real: string;
  try {
    real = realpathSync(cacheDir);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  const refuse = (dir: string, why: string): never =>
    fail('CACHE_FAILED', `compile cache ${cacheDir}: ${dir === real ? 'the directory' : `its parent ${dir}`} ${why}: shared objects loaded from it could be replaced by someone else's code; use a private directory (set cacheDir or $JACKWASM_CACHE; it is created with mode 0700)`);
  const st = statSync(real);
  if (!st.isDirectory()) refuse(real, 'is not a directory');
  if (uid !== undefined && st.uid !== uid) refuse(real, `belongs to another user (uid ${st.uid})`);
  if (st.mode & 0o022) refuse(real, `is writable by other users (mode ${(st.mode & 0o7777).toString(8)})`);
  // Rationale (as ssh's StrictModes): whoever can rename entries of a parent
  // can swap the whole cache after it was checked. A parent must belong to
  // root or the user and be writable by no one else, unless sticky (/tmp).
  // The same for the parents of the path as given (a symlink could be swapped).
  for (const start of new Set([dirname(real), dirname(resolve(cacheDir))])) {
    for (let dir = start; ; dir = dirname(dir)) {
      const p = statSync(dir);
      if (uid !== undefined && p.uid !== uid && p.uid !== 0) refuse(dir, `belongs to another user (uid ${p.uid})`);
      if (p.mode & 0o022 && !(p.mode & 0o1000)) refuse(dir, `is writable by other users and not sticky (mode ${(p.mode & 0o7777).toString(8)})`);
      if (dir === dirname(dir)) break;
    }
  }
}

/**
 * Refuses a folder of the cache (pieces/) that is a symbolic link, belongs to
 * another user or that others can write to: objects from it are linked into
 * modules this process loads. @throws CACHE_FAILED
 */
function checkPrivateDir(dir: string, cacheDir: string): void {
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  let why: string | undefined;
  if (st.isSymbolicLink()) why = 'is a symbolic link';
  else if (!st.isDirectory()) why = 'is not a directory';
  else if (uid !== undefined && st.uid !== uid) why = `belongs to another user (uid ${st.uid})`;
  else if (st.mode & 0o022) why = `is writable by other users (mode ${(st.mode & 0o7777).toString(8)})`;
  if (why) fail('CACHE_FAILED', `compile cache ${cacheDir}: ${dir} ${why}: objects linked from it could be someone else's code; remove it (it is made again, mode 0700)`);
}

/** Removes build directories left by processes that no longer exist (killed mid-build). */
async function sweepDebris(cacheDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (n) => {
      const m = /^build-(\d+)-[0-9a-f]+$/.exec(n);
      if (!m) return;
      const pid = Number(m[1]);
      let alive = pid === process.pid;
      if (!alive) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (err) {
          alive = (err as NodeJS.ErrnoException).code === 'EPERM';
        }
      }
      if (!alive) await rm(join(cacheDir, n), { recursive: true, force: true }).catch(() => {});
    }),
  );
}

/**
 * Marks the functions no realtime export can reach as cold and compiles them
 * without optimisation. Rationale: most of a module's code runs once (start
 * function, jw_init, jw_describe, string handling for aborts); the C compiler
 * spent half its time optimising it. Hot are jw_process, jw_midi and
 * jw_param_set, everything they call directly, and every function a table
 * holds (call_indirect may reach it). A function missed here is still
 * correct, only slower.
 */
function markColdFunctions(c: string): string {
  // (wasm2c wraps a long parameter list onto more lines.)
  const head = /^static [\w ]+? (w2c_\w+)\(\w+_instance_t\* restrict instance[^(){};]*\) \{$/gm;
  const bodies = new Map<string, string>();
  const starts: { name: string; at: number }[] = [];
  for (let m = head.exec(c); m; m = head.exec(c)) starts.push({ name: m[1] as string, at: m.index });
  starts.forEach((s, i) => {
    const end = c.indexOf('\n}\n', s.at);
    bodies.set(s.name, c.slice(s.at, end < 0 ? (starts[i + 1]?.at ?? c.length) : end));
  });
  const roots = ['w2c_jw_process', 'w2c_jw_midi', 'w2c_jw_param_set', ...[...c.matchAll(/&(w2c_\w+)/g)].map((m) => m[1] as string)];
  const hot = new Set<string>();
  const stack = roots.filter((r) => bodies.has(r));
  while (stack.length) {
    const f = stack.pop() as string;
    if (hot.has(f)) continue;
    hot.add(f);
    for (const m of (bodies.get(f) as string).matchAll(/\b(w2c_\w+)\(/g)) if (bodies.has(m[1] as string) && !hot.has(m[1] as string)) stack.push(m[1] as string);
  }
  return c.replace(head, (line, name: string) => (hot.has(name) ? line : `__attribute__((cold, optimize("O0"))) ${line}`));
}

/** Largest stack frame in a -fstack-usage report, and whether any is unbounded. */
function stackUsage(su: string): { max: number; fn: string; dynamic: string | undefined } {
  let max = 0;
  let fn = '';
  let dynamic: string | undefined;
  for (const line of su.split('\n')) {
    const m = /^(.*)\t(\d+)\t(\S+)$/.exec(line);
    if (!m) continue;
    const bytes = Number(m[2]);
    const name = (m[1] as string).split(':').pop() as string;
    if (bytes > max) {
      max = bytes;
      fn = name;
    }
    if (m[3] === 'dynamic') dynamic = name;
  }
  return { max, fn, dynamic };
}

/** The flags every module is compiled with (part of the cache key). */
function fixedFlags(memoryChecks: 'guard' | 'bounds'): string[] {
  return [
    '-std=gnu11', '-fPIC', '-shared', '-pipe',
    // WebAssembly forbids fusing a*b+c; never contract.
    '-ffp-contract=off', '-fno-fast-math',
    '-fvisibility=hidden', '-fno-semantic-interposition',
    // Stack frames are bounded (checked after the build) and probed page by page.
    '-fstack-usage', '-fstack-clash-protection',
    // WebAssembly has no tail calls: a call uses stack, so unbounded
    // recursion traps stack-exhausted as in V8 (GCC would turn some
    // recursion into loops).
    '-fno-optimize-sibling-calls',
    '-U_FORTIFY_SOURCE',
    `-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=${memoryChecks === 'guard' ? 1 : 0}`, '-DWASM_RT_USE_STACK_DEPTH_COUNT=1',
    `-I${runtimeDir()}`, '-I.',
  ];
}

// Rationale: gold links faster than ld.bfd (56 against 72 ms for an SDK
// example here; more for the fast tier's many pieces), so both tiers use it.
function goldFlag(): string[] {
  return which('ld.gold') ? ['-fuse-ld=gold'] : [];
}

function linkFlags(): string[] {
  return ['-Wl,-Bsymbolic', `-L${nativeLibDir()}`, '-ljwrt', `-Wl,-rpath,${nativeLibDir()}`, '-lm', '-lpthread'];
}

/**
 * The cache entry in `dir` if it is complete and intact: its manifest matches
 * the key and its shared object hashes to what the manifest recorded.
 * Rationale for synchronous reads: two small files; in a fresh process the
 * first asynchronous file operations cost more than the reads themselves.
 */
function readEntry(dir: string, key: string): CompiledInterface | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (m.runtimeVersion !== RUNTIME_VERSION || m.key !== key || !Array.isArray(m.exports) || !Array.isArray(m.imports)) return undefined;
    if (m.soSha256 !== sha256(readFileSync(join(dir, 'module.so')))) return undefined;
    return { exports: new Set(m.exports), imports: m.imports, memoryBytes: m.memoryBytes };
  } catch {
    return undefined; // missing, stale or corrupt
  }
}

/**
 * Moves the finished build `work` to `dir`. Never removes an intact entry
 * (another process may have just published it and be loading it): when one
 * is there, the new build is dropped; a broken one is moved aside first.
 */
async function publish(work: string, dir: string, key: string, cacheDir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(work, dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt === 3) return cacheOp('publish the build', cacheDir, () => Promise.reject(err));
    }
    if (readEntry(dir, key)) return; // published meanwhile: use that one (work is removed by the caller)
    const aside = join(cacheDir, `build-${process.pid}-${randomBytes(6).toString('hex')}`); // swept as debris if we die here
    await rename(dir, aside).catch(() => {});
    await rm(aside, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * The compiled modules this process's compile() returned.
 * Rationale: load() and render() dlopen a compiled module's path; a
 * look-alike object must not make them load an arbitrary shared object.
 */
const issued = new WeakSet<object>();

/** Whether `x` is a compiled module returned by compile() in this process (frozen, so never altered). */
export function isCompiled(x: unknown): x is CompiledModule {
  return typeof x === 'object' && x !== null && issued.has(x);
}

/** Validates and compiles `wasm` (or returns the cached build). */
export async function compile(wasm: Uint8Array, options: CompileOptions = {}): Promise<CompiledModule> {
  require_(wasm instanceof Uint8Array, 'compile: expected the module bytes as a Uint8Array');
  // Rationale: compiling is asynchronous; a caller refilling its array
  // meanwhile must not get one module validated and another built.
  wasm = wasm.slice();
  require_(typeof options === 'object' && options !== null, 'compile: options must be an object');
  checkOptionKeys(options, ['cc', 'cflags', 'memoryChecks', 'cacheDir', 'maxMemoryBytes', 'limits', 'compileTimeoutMs', 'compileMemoryBytes', 'name', 'tier', 'faust'], 'compile');
  const t0 = performance.now();
  const name = options.name ?? 'module';
  require_(typeof name === 'string', 'compile: name must be a string');
  const cc = options.cc ?? process.env.CC ?? 'cc';
  require_(typeof cc === 'string' && cc.length > 0 && !cc.includes('\0'), 'compile: cc must be a command name or path (no NUL characters)');
  const tier = options.tier ?? 'optimized';
  require_(tier === 'optimized' || tier === 'fast', `compile: tier must be 'optimized' or 'fast', got ${String(tier)}`);
  const cflags = options.cflags ?? ['-O2'];
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  const memoryChecks = options.memoryChecks ?? 'guard';
  const timeoutMs = options.compileTimeoutMs ?? 120000;
  const memoryBytes = options.compileMemoryBytes ?? 4 * 2 ** 30;
  require_(Array.isArray(cflags) && cflags.every((f) => typeof f === 'string' && !f.includes('\0')), 'compile: cflags must be an array of strings (no NUL characters)');
  for (const f of cflags) {
    if (/^-(ffast-math|Ofast|ffp-contract=(fast|on)|funsafe-math|fassociative-math|freciprocal-math|ffinite-math|march=|mfma)/.test(f)) {
      fail('INVALID_ARGUMENT', `compile: flag ${f} would break WebAssembly floating-point semantics (bit-exactness with V8)`);
    }
    if (/^-(fno-stack-check|D|U|include|I|o$|shared|l|L|Wl)/.test(f)) fail('INVALID_ARGUMENT', `compile: flag ${f} is not allowed (it would change the sandbox or the build)`);
  }
  require_(memoryChecks === 'guard' || memoryChecks === 'bounds', `compile: memoryChecks must be 'guard' or 'bounds', got ${String(memoryChecks)}`);
  require_(Number.isInteger(maxMemoryBytes) && maxMemoryBytes >= 65536 && maxMemoryBytes <= MAX_MEMORY_BYTES, `compile: maxMemoryBytes must be an integer in [65536, ${MAX_MEMORY_BYTES}]`);
  require_(Number.isFinite(timeoutMs) && timeoutMs >= 100, 'compile: compileTimeoutMs must be a number of milliseconds >= 100');
  require_(Number.isFinite(memoryBytes) && memoryBytes >= 32 * 2 ** 20, 'compile: compileMemoryBytes must be at least 32 MiB');
  const limits = resolveLimits(options.limits);

  const capPages = Math.floor(maxMemoryBytes / 65536);
  // Everything that decides the build or its validation is in the key, so a
  // cache hit needs no validation pass (the module was validated, under the
  // same limits, when it was built).
  // -O0 asked for is honoured by the fast tier too (it compiles faster still: a
  // function with thousands of locals took 20 s at -O1 and 2.7 s at -O0).
  const buildFlags = tier === 'fast' ? (cflags.includes('-O0') ? ['-O0'] : FAST_CFLAGS) : cflags;
  const key = sha256(wasm, String(RUNTIME_VERSION), runtimeSourceHash(), toolId('wasm2c'), toolId(cc), cc, tier, JSON.stringify(buildFlags), JSON.stringify(fixedFlags(memoryChecks)), String(capPages), JSON.stringify(limits));
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  require_(typeof cacheDir === 'string' && cacheDir.length > 0 && !cacheDir.includes('\0'), 'compile: cacheDir must be a path (no NUL characters)');
  const dir = join(cacheDir, key.slice(0, 2), key);
  const so = join(dir, 'module.so');
  const result = (cached: boolean, iface: CompiledInterface, pieces?: { total: number; compiled: number }): CompiledModule => {
    const m: CompiledModule = Object.freeze({
      kind: 'jackwasm.compiled', path: so, key, cached, compileMs: performance.now() - t0, wasm, name, maxMemoryBytes, tier, iface,
      ...(pieces ? { pieces: Object.freeze(pieces) } : {}),
    } as const);
    issued.add(m);
    return m;
  };

  // Cache hit: the manifest must match and the shared object must hash to
  // what was recorded (a truncated or corrupted file is rebuilt).
  checkCacheTrust(cacheDir);
  const hit = readEntry(dir, key);
  if (hit) return result(true, hit);

  const checked = checkInterface(wasm, name, { maxMemoryBytes, limits });
  const iface: CompiledInterface = {
    exports: checked.exports,
    imports: checked.shape.imports.map((i) => `${i.module}.${i.name}`),
    memoryBytes: checked.memoryBytes,
  };

  const stepLimits = { timeoutMs, memoryBytes };
  // Rationale: validation and wasm2c are separate processes; run them side
  // by side (30 ms of a 300 ms fast-tier build) and stop wasm2c when
  // validation fails, whose error is the one reported.
  const validated = validateFeatures(wasm, name, stepLimits);
  const stopWasm2c = new AbortController();
  validated.catch(() => stopWasm2c.abort());
  try {
    await cacheOp('create the directory', cacheDir, () => ensureDir(cacheDir));
  } catch (err) {
    await validated; // its error first
    throw err;
  }
  await sweepDebris(cacheDir);
  const work = join(cacheDir, `build-${process.pid}-${randomBytes(6).toString('hex')}`);
  await cacheOp('create a build directory', cacheDir, () => mkdir(work, { mode: 0o700 }));
  let pieces: { total: number; compiled: number } | undefined;
  try {
    // Rationale: the fast tier reuses pieces across edits, so its names must
    // not depend on the key (the shared object exports only the API table).
    const modName = tier === 'fast' ? 'jw_module' : `jw_${key.slice(0, 12)}`;
    await cacheOp('write', cacheDir, () => writeFile(join(work, 'module.wasm'), stripCustomSections(wasm)));
    const w2cRun = run('wasm2c', ['-n', modName, 'module.wasm', '-o', 'module.c'], work, stepLimits, stopWasm2c.signal);
    await validated;
    const w2c = await w2cRun;
    if (w2c.missing) fail('COMPILE_FAILED', `${name}: wasm2c not found (install Debian's wabt package)`);
    if (w2c.timedOut) fail('COMPILE_LIMIT', `${name}: wasm2c ran longer than ${timeoutMs} ms and was stopped (compile option compileTimeoutMs)`);
    if (!w2c.ok) {
      if (w2c.signal === 'SIGKILL' || /bad_alloc|memory/i.test(w2c.output)) {
        fail('COMPILE_LIMIT', `${name}: wasm2c ran out of memory (limit ${memoryBytes} bytes, compile option compileMemoryBytes)`);
      }
      if (w2c.signal) fail('COMPILE_FAILED', `${name}: wasm2c crashed (${w2c.signal}) on this module (deeply nested code overflows its stack)`);
      fail('COMPILE_FAILED', `${name}: wasm2c failed: ${w2c.output.slice(0, 2000) || 'no output'}`);
    }
    // Rationale: some constructs expand a lot (a br_table of 2M targets in a
    // 2 MB module: 62 MB of C, which cc would chew on until its time limit).
    const cBytes = (await stat(join(work, 'module.c'))).size;
    if (cBytes > limits.maxGeneratedBytes) {
      fail('MODULE_TOO_LARGE', `${name}: wasm2c generated ${cBytes} bytes of C (limit ${limits.maxGeneratedBytes}; raise it with the compile option limits.maxGeneratedBytes)`);
    }
    const generated = await readFile(join(work, 'module.c'), 'utf8');
    // Rationale: wasm2c puts an empty asm barrier after every load; it blocks
    // optimisation (measured 1.85x slower on a memory-heavy reverb) and is
    // not needed for correctness: loads and stores stay memcpy-based, which
    // is correct for unaligned and type-punned accesses.
    let tuned = generated.replaceAll('wasm_asm("" ::"r"(result));', '');
    if (tuned === generated) fail('COMPILE_FAILED', `${name}: unexpected wasm2c output (load barrier not found; wasm2c version changed?)`);
    // Rationale: loads and stores go through char-typed memcpy, so without
    // this GCC must assume every store into linear memory may change the
    // instance (memory base and size, globals) and reload them after each one
    // (measured: delay example 13.4 -> 11.9 ns/frame). Correct because linear
    // memory is a separate mapping, and the import context only reads the
    // instance.
    tuned = tuned.replaceAll(`(Z_${modName}_instance_t* instance`, `(Z_${modName}_instance_t* restrict instance`);
    // The stack is bounded in bytes, not calls: every function checks the
    // stack pointer on entry (jw-runtime.h: JW_STACK_CHECK).
    if (!tuned.includes('FUNC_PROLOGUE;')) {
      if (checked.shape.definedFunctions > 0) fail('COMPILE_FAILED', `${name}: unexpected wasm2c output (no function prologue)`);
    }
    tuned = tuned.replaceAll('FUNC_PROLOGUE;', 'JW_STACK_CHECK(instance);').replaceAll('FUNC_EPILOGUE;', '');
    // Rationale: the initialisation functions run once per instance, and
    // their size scales with the module's declarations (5000 function types
    // made GCC -O2 spend over two minutes on init_func_types alone, -O0 two
    // seconds). Compile them without optimisation.
    tuned = tuned.replace(/^static void (init_\w+)\(/gm, '__attribute__((cold, optimize("O0"))) static void $1(');
    const header = await readFile(join(work, 'module.h'), 'utf8');
    const proto = new RegExp(`void Z_${modName}_instantiate\\(Z_${modName}_instance_t\\*([^)]*)\\);`).exec(header);
    if (!proto) fail('COMPILE_FAILED', `${name}: unexpected wasm2c output (no instantiate function)`);
    const instantiateArgs = (proto[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const imports = checked.shape.imports.flatMap((i) => (i.desc.kind === 'func' ? [{ module: i.module, name: i.name, type: i.desc.type }] : []));
    const glue = generateGlue({ name: modName, imports, exports: checked.exports, instantiateArgs });
    const ccRun = (args: string[]) => run(cc, args, work, stepLimits);
    const ccFailed = (c: RunResult): never => {
      if (c.missing) fail('COMPILE_FAILED', `${name}: C compiler "${cc}" not found (install Debian's gcc package)`);
      if (c.timedOut) fail('COMPILE_LIMIT', `${name}: ${cc} ran longer than ${timeoutMs} ms and was stopped (compile option compileTimeoutMs)`);
      const oom = c.signal === 'SIGKILL' || /out of memory|cannot allocate|virtual memory exhausted/i.test(c.output);
      return fail(oom ? 'COMPILE_LIMIT' : 'COMPILE_FAILED', `${name}: ${cc} failed${oom ? ` (over the ${memoryBytes}-byte memory limit, compile option compileMemoryBytes)` : ''}:\n${c.output.split('\n').slice(0, 30).join('\n')}`);
    };
    let report: string | undefined;
    const split = tier === 'fast' ? splitSource(tuned, header) : undefined;
    if (split) {
      const pieceDir = resolve(cacheDir, 'pieces'); // absolute: cc runs in the build directory
      await cacheOp('create a directory', cacheDir, () => ensureDir(pieceDir));
      checkPrivateDir(pieceDir, cacheDir);
      const built = await buildPieces({
        split, glue, work, pieceDir, cc,
        sh: (script) => run('/bin/sh', [script], work, stepLimits),
        salt: sha256(String(RUNTIME_VERSION), runtimeSourceHash(), toolId(cc), cc, JSON.stringify(buildFlags), JSON.stringify(fixedFlags(memoryChecks))),
        compileFlags: [...buildFlags, ...fixedFlags(memoryChecks)],
        linkFlags: [...goldFlag(), ...linkFlags()],
      });
      // A limit reached is reported; a piece that does not compile on its own is built whole.
      if (built.failed && (built.failed.timedOut || built.failed.missing || built.failed.signal)) ccFailed(built.failed);
      if (!built.failed) {
        report = built.stackUsage;
        pieces = { total: built.pieces, compiled: built.compiled };
      }
    }
    if (report === undefined) {
      tuned = markColdFunctions(tuned);
      await writeFile(join(work, 'module.c'), tuned);
      await writeFile(join(work, 'glue.c'), glue);
      const args = [...buildFlags, ...fixedFlags(memoryChecks), 'glue.c', '-o', 'module.so', ...goldFlag(), ...linkFlags()];
      const c = await ccRun(args);
      if (!c.ok) ccFailed(c);
      // GCC names the report after the output when it compiles and links in one step.
      report = await readFile(join(work, 'module.so-glue.su'), 'utf8').catch(() => undefined);
    }
    if (report === undefined) fail('COMPILE_FAILED', `${name}: ${cc} wrote no stack-usage report (-fstack-usage); is it GCC?`);
    const usage = stackUsage(report);
    if (usage.dynamic) fail('MODULE_TOO_LARGE', `${name}: function ${usage.dynamic} has a stack frame of unbounded size`);
    if (usage.max > MAX_FRAME_BYTES) fail('MODULE_TOO_LARGE', `${name}: function ${usage.fn} needs a ${usage.max}-byte stack frame; the limit is ${MAX_FRAME_BYTES} bytes (too many live locals)`);
    const soBytes = await readFile(join(work, 'module.so'));
    const manifest: Manifest = { runtimeVersion: RUNTIME_VERSION, key, soSha256: sha256(soBytes), exports: [...iface.exports], imports: iface.imports, memoryBytes: iface.memoryBytes };
    await cacheOp('write', cacheDir, () => writeFile(join(work, 'manifest.json'), JSON.stringify(manifest)));
    // Publish atomically: concurrent compiles of the same module both succeed.
    for (const f of await readdir(work)) if (f !== 'module.so' && f !== 'manifest.json') await rm(join(work, f), { force: true });
    await cacheOp('create a directory', cacheDir, () => ensureDir(join(cacheDir, key.slice(0, 2))));
    await publish(work, dir, key, cacheDir);
    await chmod(dir, 0o700).catch(() => {});
  } finally {
    await rm(work, { recursive: true, force: true }).catch(() => {});
  }
  return result(false, iface, pieces);
}

/** @internal For tests: the package root the pipeline compiles against. */
export const compileRoots = () => ({ packageRoot: packageRoot(), runtimeDir: runtimeDir(), libDir: nativeLibDir() });
