/**
 * Compiles an AssemblyScript DSP module (.ts) to WebAssembly with asc, in a
 * worker thread: off the main thread, with a time limit and a heap limit, so
 * a pathological source can neither freeze nor exhaust the process. The
 * worker stays alive between compiles (the compiler stays warm) and is
 * replaced after a timeout. Results are cached by the content of every file
 * the compiler read (the source and everything it imports).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, require_ } from '../errors.js';
import { trimOldest } from './cache-trim.js';
import { defaultCacheDir } from './compile.js';
import { WarmWorker } from './warm-worker.js';

export interface AscOptions {
  /** Time limit, ms. Default 120000. */
  timeoutMs?: number;
  /** Heap limit of the compiler worker, MiB. Default 2048. */
  heapMb?: number;
  /** Where compiled sources are cached (in its asc/ folder); false: no cache. Default: the compile cache. */
  cacheDir?: string | false;
  /**
   * asc's optimisation level (-O0 .. -O3). Default 3. Rationale: the C
   * compiler optimises the generated code again, so lower levels run as
   * fast (measured: the example synth renders as fast from -O1 as from
   * -O3) and compile in half the time; the live-coding loop uses 1.
   */
  optimize?: 0 | 1 | 2 | 3;
  /**
   * Compile in a second warm worker (default false). Rationale: the
   * live-coding loop builds the optimised version of an edit there, so it
   * does not hold up the fast build of the next edit.
   */
  background?: boolean;
  /** @internal More asc flags (the Faust adapter's --memoryBase). */
  extraFlags?: string[];
}

/** @internal For tests: how compiles were served. */
export const ascStats = { hits: 0, misses: 0 };

// The worker: compiles one file per message with asc's API, in memory.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { readFileSync, statSync } = require('node:fs');
const { resolve } = require('node:path');
const { createHash } = require('node:crypto');
let ascP;
parentPort.on('message', async ({ id, path, ascUrl, flags }) => {
  try {
    ascP ??= import(ascUrl);
    const asc = (await ascP).default;
    let binary;
    // Every file the compiler asks for, found or not: the cache key.
    const files = [];
    const refused = [];
    const { error, stderr } = await asc.main([path, '--outFile', 'module.wasm', ...flags], {
      readFile(name, baseDir) {
        const p = resolve(baseDir, name);
        let text = null;
        // Only regular files: reading a FIFO or a device would block this
        // thread for good (and keep the process from exiting).
        try {
          const st = statSync(p);
          if (!st.isFile()) throw new Error(p + ' is not a regular file');
          if (st.size > 64 * 1024 * 1024) throw new Error(p + ' is larger than 64 MiB');
          text = readFileSync(p, 'utf8');
        } catch (err) {
          if (err && err.code !== 'ENOENT' && err.code !== 'ENOTDIR') refused.push(String(err.message || err));
        }
        files.push([p, text === null ? null : createHash('sha256').update(text).digest('hex')]);
        return text;
      },
      writeFile(name, contents) { if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents; },
    });
    if (error || !binary) parentPort.postMessage({ id, error: [stderr.toString().trim(), ...refused.map((r) => 'refused to read ' + r)].filter(Boolean).join('\\n') || (error && error.message) || 'no output' });
    else parentPort.postMessage({ id, binary, files }, [binary.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.stack || err) });
  }
});`;

type Reply = { binary?: Uint8Array; files?: [string, string | null][]; error?: string };
type Job = { path: string; ascUrl: string; flags: string[] };
// One worker per lane: the default one, and the background one.
const workers = new Map<boolean, WarmWorker<Job, Reply>>();

function getWorker(heapMb: number, background: boolean): WarmWorker<Job, Reply> {
  const worker = workers.get(background);
  if (worker && worker.heapMb === heapMb) return worker;
  worker?.terminate();
  const created = new WarmWorker<Job, Reply>(WORKER, heapMb);
  workers.set(background, created);
  return created;
}

/**
 * Compiles `path` with the AssemblyScript compiler: stub runtime (no
 * allocation after init), -O3, no SIMD. Modules import the SDK relatively
 * (dsp-asm/) or, in an installed project, as the `jackwasm` package (its
 * package.json names dsp-asm/index.ts as "ascMain").
 */
export async function compileAssemblyScript(path: string, options: AscOptions = {}): Promise<Uint8Array> {
  return (await compileAssemblyScriptWithFiles(path, options)).binary;
}

/** What {@link compileAssemblyScriptWithFiles} returns. */
export interface AscResult {
  binary: Uint8Array;
  /** Absolute paths of every file the compiler read, and of those it looked for and did not find (a watcher's list). */
  files: string[];
  /** @internal Each of `files` with the sha256 of the text the compiler read (null: not found). */
  sources: [string, string | null][];
}

/** compileAssemblyScript, also telling which files the result depends on. */
export async function compileAssemblyScriptWithFiles(path: string, options: AscOptions = {}): Promise<AscResult> {
  require_(typeof path === 'string' && path.length > 0, 'compileAssemblyScript: path must be a file name');
  const timeoutMs = options.timeoutMs ?? 120000;
  const heapMb = options.heapMb ?? 2048;
  require_(Number.isFinite(timeoutMs) && timeoutMs > 0, 'compileAssemblyScript: timeoutMs must be a positive number');
  require_(Number.isInteger(heapMb) && heapMb >= 64, 'compileAssemblyScript: heapMb must be an integer >= 64');
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  require_(cacheDir === false || (typeof cacheDir === 'string' && cacheDir.length > 0), 'compileAssemblyScript: cacheDir must be a path or false');
  const entry = resolve(path);
  const optimize = options.optimize ?? 3;
  require_([0, 1, 2, 3].includes(optimize), `compileAssemblyScript: optimize must be 0, 1, 2 or 3, got ${String(optimize)}`);
  const flags = [...ascFlags(optimize), ...(options.extraFlags ?? [])];
  const cached = cacheDir === false ? undefined : ascCacheGet(cacheDir, entry, flags);
  if (cached) {
    ascStats.hits++;
    return cached;
  }
  ascStats.misses++;
  const background = options.background ?? false;
  require_(typeof background === 'boolean', 'compileAssemblyScript: background must be a boolean');
  // Rationale: asc takes its arguments as a command line; a file named
  // "--x.ts" must stay a file name.
  const file = isAbsolute(path) ? path : `./${normalize(path)}`;
  const r = await getWorker(heapMb, background).call({ path: file, ascUrl: ASC_URL, flags }, timeoutMs);
  if (r.crashed) {
    const limit = /ran longer|memory|heap/i.test(r.crashed);
    fail(limit ? 'COMPILE_LIMIT' : 'COMPILE_FAILED', `AssemblyScript compilation of "${path}" ${r.crashed}`);
  }
  if (r.error !== undefined || !r.binary) return fail('COMPILE_FAILED', `AssemblyScript compilation of "${path}" failed:\n${r.error ?? 'no output'}`);
  if (cacheDir !== false && r.files) ascCachePut(cacheDir, entry, flags, r.files, r.binary);
  return { binary: r.binary, files: (r.files ?? []).map(([f]) => f), sources: r.files ?? [] };
}

// --- the source cache ----------------------------------------------------------

const ASC_URL = import.meta.resolve('assemblyscript/asc');
const ascFlags = (optimize: number) => ['--runtime', 'stub', `-O${optimize}`, '--noAssert'];
let ascVersion: string | undefined;

interface AscCacheEntry {
  compiler: string;
  entry: string;
  /** Every file the compiler read or looked for: [absolute path, sha256 of its text, or null if missing]. */
  files: [string, string | null][];
  wasmSha256: string;
}

const sha256 = (x: string | Uint8Array) => createHash('sha256').update(x).digest('hex');

/** Builds kept in the source cache (a version of a file each); past this the least recently made half goes. */
const MAX_ASC_ENTRIES = 2000;

/** The compiler's identity: its version and our flags. */
function compilerId(flags: string[]): string {
  ascVersion ??= (JSON.parse(readFileSync(join(dirname(fileURLToPath(ASC_URL)), '..', 'package.json'), 'utf8')) as { version: string }).version;
  return `asc ${ascVersion} ${flags.join(' ')}`;
}

/**
 * Where the build of `entry` with this text (sha256 `entryHash`) is kept.
 * Rationale: one entry per version of the file, so going back to an
 * earlier version (undo, switching between two) is a hit; the imports are
 * checked on lookup.
 */
function ascCachePaths(cacheDir: string, entry: string, flags: string[], entryHash: string): { json: string; wasm: string } {
  const base = join(cacheDir, 'asc', sha256(`${compilerId(flags)}\0${entry}\0${entryHash}`));
  return { json: `${base}.json`, wasm: `${base}.wasm` };
}

/** The cached binary if every file the compiler read last time is unchanged (and every file it missed is still missing). */
function ascCacheGet(cacheDir: string, entry: string, flags: string[]): AscResult | undefined {
  try {
    const { json, wasm } = ascCachePaths(cacheDir, entry, flags, sha256(readFileSync(entry, 'utf8')));
    const e = JSON.parse(readFileSync(json, 'utf8')) as AscCacheEntry;
    if (e.compiler !== compilerId(flags) || e.entry !== entry || !Array.isArray(e.files)) return undefined;
    for (const [file, hash] of e.files) {
      const st = statSync(file, { throwIfNoEntry: false });
      if (hash === null ? st !== undefined : !st?.isFile() || sha256(readFileSync(file, 'utf8')) !== hash) return undefined;
    }
    const bytes = new Uint8Array(readFileSync(wasm));
    return sha256(bytes) === e.wasmSha256 ? { binary: bytes, files: e.files.map(([f]) => f), sources: e.files } : undefined;
  } catch {
    return undefined; // missing or unreadable: compile
  }
}

function ascCachePut(cacheDir: string, entry: string, flags: string[], files: [string, string | null][], binary: Uint8Array): void {
  try {
    // The text the compiler read (the file may have changed since).
    const entryHash = files.find(([f]) => f === entry)?.[1];
    if (!entryHash) return;
    const { json, wasm } = ascCachePaths(cacheDir, entry, flags, entryHash);
    mkdirSync(dirname(json), { recursive: true, mode: 0o700 });
    trimOldest(dirname(json), MAX_ASC_ENTRIES);
    const tmp = `${json}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(`${tmp}.wasm`, binary, { mode: 0o600 });
    renameSync(`${tmp}.wasm`, wasm);
    const e: AscCacheEntry = { compiler: compilerId(flags), entry, files, wasmSha256: sha256(binary) };
    writeFileSync(tmp, JSON.stringify(e), { mode: 0o600 });
    renameSync(tmp, json);
  } catch {
    /* a cache that cannot be written only costs time */
  }
}
