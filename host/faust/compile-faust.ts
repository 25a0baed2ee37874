/**
 * Faust programs as jackwasm modules: .dsp source -> Faust compiler (wasm,
 * external memory) -> its sample loop's fields moved to locals
 * (promote-fields.ts) -> an adapter generated from the program's JSON and
 * compiled with asc (dsp-asm/faust/) -> binaryen's wasm-merge joins the two
 * into one module with the jw_* ABI, which then goes through the normal
 * pipeline (validation, wasm2c, cc). Results are cached by everything that
 * goes into them. Each step runs bounded: the Faust compiler and asc in
 * worker threads with time and heap limits, wasm-merge and wabt's
 * wasm2wat/wat2wasm in child processes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { checkOptionKeys, fail, JackError, require_ } from '../errors.js';
import { packageRoot } from '../paths.js';
import { compileAssemblyScript } from '../dsp/asc.js';
import { defaultCacheDir } from '../dsp/compile.js';
import { trimOldest } from '../dsp/cache-trim.js';
import { readRegularFile } from '../dsp/read-file.js';
import { run } from '../dsp/limited-run.js';
import { parseWasm } from '../dsp/wasm-binary.js';
import { describeDocument, parseFaustJson, type FaustDescription } from './faust-ui.js';
import { promoteFaustFields, PROMOTE_VERSION } from './promote-fields.js';
import { faustwasmVersion, runFaustCompiler } from './faust-worker.js';

/** Options of a Faust compile. */
export interface FaustOptions {
  /** Voices of a polyphonic instrument; 0: monophonic. Default: the program's `declare options "[nvoices:N]"`, else 0. */
  voices?: number;
  /** More Faust compiler flags (e.g. ["-vec"]); flags that change the output language or precision are refused. Default: none besides "-ftz 2". */
  args?: string[];
  /** Cache directory. Default: the compile cache. */
  cacheDir?: string;
  /** Time limit of each step, ms. Default 120000. */
  timeoutMs?: number;
}

/** A Faust program compiled into a jackwasm module. */
export interface FaustModule {
  /** The module: load(), render() and compile() take it as any .wasm. */
  wasm: Uint8Array;
  /** What the program declares: parameters with Faust addresses, voices, MIDI. */
  description: FaustDescription;
  /** Files the result depends on (the .dsp and its folder's .lib and .dsp files). */
  files: string[];
}

/** @internal A FaustModule with the sha256 of each of `files` as read (what a watch compares them with). */
export type FaustBuild = FaustModule & { sources: [string, string][] };

/** Faust's flags are fixed where the adapter depends on them. */
const REFUSED_ARGS = /^(-(lang|double|quad|fx|fx-size|o|a|json|xml|svg|mdoc|i|inline-architecture-files|cn|pn|scn|nvi|mem|mem[0-9]?|os[0-9]*|ec|rui|lm|single|h|v|help|version)|--(language|double-precision-floats|quad-precision-floats|fixed-point|fixed-point-size|single-precision-floats|output-file|architecture-file|json|xml|svg|mathdoc|inline-architecture-files|class-name|super-class-name|process-name|help|version|memory-manager|one-sample|extra-cpp-code|rust-no-faustdsp-trait|light-mode)(=.*)?)$/;
const DEFAULT_ARGS = ['-ftz', '2'];
/** Source size limit. */
const MAX_SOURCE_BYTES = 4 << 20;
/** The program's folder is mirrored into the compiler: at most this many files, this many bytes. */
const MAX_INCLUDE_FILES = 200;
const MAX_INCLUDE_BYTES = 16 << 20;

/** Programs kept in the Faust cache (each a .wasm and a .json); past this the least recently made half goes. */
const MAX_FAUST_ENTRIES = 2000;

const require = createRequire(import.meta.url);
const sha256 = (x: string | Uint8Array) => createHash('sha256').update(x).digest('hex');

/** The adapter's AssemblyScript files (their text is part of the cache key). */
function adapterDir(): string {
  return join(packageRoot(), 'dsp-asm', 'faust');
}

/** Checks FaustOptions. */
function checkOptions(o: FaustOptions, who: string): { voices: number | undefined; args: string[]; timeoutMs: number } {
  require_(typeof o === 'object' && o !== null, `${who}: the Faust options must be an object`);
  checkOptionKeys(o, ['voices', 'args', 'cacheDir', 'timeoutMs'], `${who} faust options`);
  const { voices, args = [], timeoutMs = 120000 } = o;
  require_(voices === undefined || (Number.isInteger(voices) && voices >= 0 && voices <= 128), `${who}: voices must be an integer in [0, 128], got ${String(voices)}`);
  require_(Array.isArray(args) && args.every((a) => typeof a === 'string' && a.length > 0 && a.length < 256 && !/[\s\0]/.test(a)), `${who}: faust args must be an array of flags without spaces`);
  for (const a of args) require_(!REFUSED_ARGS.test(a), `${who}: the Faust flag ${a} is not allowed (jackwasm compiles to single-precision wasm with its own adapter)`);
  require_(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0, `${who}: timeoutMs must be a positive number`);
  return { voices, args: [...DEFAULT_ARGS, ...args], timeoutMs };
}

/** The .dsp and .lib files next to `file` (what `import("x.lib")` can find), capped. */
async function folderIncludes(file: string): Promise<{ includes: [string, string][]; sources: [string, string][] }> {
  const dir = dirname(file);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[\w.+-]+\.(lib|dsp)$/.test(n)).sort();
  const includes: [string, string][] = [];
  const sources: [string, string][] = [];
  let bytes = 0;
  for (const n of names.slice(0, MAX_INCLUDE_FILES)) {
    const p = join(dir, n);
    try {
      const raw = await readRegularFile(p, MAX_SOURCE_BYTES, 'source');
      const text = new TextDecoder().decode(raw);
      bytes += text.length;
      if (bytes > MAX_INCLUDE_BYTES) break;
      includes.push([n, text]);
      sources.push([p, sha256(raw)]);
    } catch {
      /* not a regular readable file: the compiler will not find it */
    }
  }
  return { includes, sources };
}

/** A Faust name for the program: letters, digits and _ (it names the wasm2c module too). */
function programName(s: string): string {
  const n = s.replace(/\.dsp$/, '').replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n.slice(0, 64) : `dsp_${n}`.slice(0, 64);
}

/** The AssemblyScript entry file of the adapter for `d`. */
function adapterSource(d: FaustDescription, runtimeImport: string): string {
  // JSON.stringify leaves U+2028/U+2029 raw, which end a string literal in the source.
  const lit = (s: string) => JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const f32 = (v: number) => (Number.isFinite(v) ? String(Math.fround(v)) : '0');
  return [
    `// Generated by jackwasm (host/faust/compile-faust.ts) for the Faust program ${lit(d.name)}. Do not edit.`,
    `import { configure, param, voiceParams } from ${lit(`${runtimeImport}/runtime`)};`,
    `export * from ${lit(`${runtimeImport}/${d.midi ? 'abi-midi' : 'abi'}`)};`,
    `configure(${d.size}, ${d.voices}, ${lit(describeDocument(d))});`,
    ...d.params.map((p) => `param(${p.index}, ${f32(p.min)}, ${f32(p.max)}, ${p.ctrl}, ${p.wheel});`),
    `voiceParams(${d.voice.freq}, ${d.voice.gate}, ${d.voice.gain}, ${d.voice.key}, ${d.voice.vel});`,
    '',
  ].join('\n');
}

/** binaryen's wasm-merge (a dependency of assemblyscript and of this package). */
function wasmMergeBin(): string {
  return join(dirname(require.resolve('binaryen/package.json')), 'bin', 'wasm-merge');
}

/** Features the merged module may use (what AssemblyScript and Faust emit); SIMD is not among them. */
const MERGE_FEATURES = ['--enable-bulk-memory', '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-mutable-globals', '--enable-multivalue', '--enable-reference-types'];

/**
 * Compiles a Faust program: `source` is a .dsp path, or `{ code, name }`.
 * @throws COMPILE_FAILED with the Faust compiler's message, or naming what cannot run; COMPILE_LIMIT; INVALID_ARGUMENT
 */
export async function compileFaust(source: string | { code: string; name?: string }, options: FaustOptions = {}): Promise<FaustModule> {
  const { sources: _, ...m } = await buildFaust(source, options);
  return m;
}

/** @internal compileFaust, also telling what it read. */
export async function buildFaust(source: string | { code: string; name?: string }, options: FaustOptions = {}): Promise<FaustBuild> {
  const who = 'compileFaust';
  const o = checkOptions(options, who);
  let code: string;
  let name: string;
  let includes: [string, string][] = [];
  let sources: [string, string][] = [];
  if (typeof source === 'string') {
    require_(source.length > 0, `${who}: expected a .dsp path or { code }`);
    const path = resolve(source);
    const raw = await readRegularFile(path, MAX_SOURCE_BYTES, 'source');
    code = new TextDecoder().decode(raw);
    name = programName(basename(path, extname(path)));
    ({ includes, sources } = await folderIncludes(path));
    // The text compiled, whatever the folder's listing read later.
    const own: [string, string] = [path, sha256(raw)];
    if (sources.some(([f]) => f === path)) sources = sources.map((s) => (s[0] === path ? own : s));
    else sources.unshift(own);
  } else {
    require_(typeof source === 'object' && source !== null && typeof source.code === 'string', `${who}: expected a .dsp path or { code: string, name?: string }`);
    checkOptionKeys(source, ['code', 'name'], who);
    require_(source.name === undefined || typeof source.name === 'string', `${who}: name must be a string`);
    code = source.code;
    require_(Buffer.byteLength(code) <= MAX_SOURCE_BYTES, `${who}: the source is larger than ${MAX_SOURCE_BYTES} bytes`);
    name = programName(source.name ?? 'faust');
  }
  const version = faustwasmVersion();
  if (version === undefined) fail('COMPILE_FAILED', 'the Faust compiler (npm package @grame/faustwasm) is not installed: npm install @grame/faustwasm');
  const adapter = ['runtime.ts', 'abi.ts', 'abi-midi.ts'].map((f) => readFileSync(join(adapterDir(), f), 'utf8')).join('\0');
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const key = sha256(JSON.stringify([version, sha256(adapter), PROMOTE_VERSION, name, code, includes, o.args, o.voices ?? null]));
  const dir = join(cacheDir, 'faust');
  const cached = await readCached(dir, key);
  const files = sources.map(([f]) => f);
  if (cached) return { ...cached, files, sources };

  const out = await runFaustCompiler(name, code, o.args, includes, { timeoutMs: o.timeoutMs, heapMb: 2048 });
  const adapted = await adapt(out.wasm, out.json, name, o, dir);
  await writeCached(dir, key, adapted.wasm, adapted.description);
  trimOldest(dir, MAX_FAUST_ENTRIES);
  return { ...adapted, files, sources };
}

/**
 * Adapts a program the Faust compiler already made into a module: `wasm`
 * from `faust -lang wasm-e` (another Faust installation, such as Debian's
 * `faust`), `json` its description (`-json`). Not cached.
 * @throws COMPILE_FAILED naming what cannot run; COMPILE_LIMIT; INVALID_ARGUMENT
 */
export async function adaptFaustWasm(wasm: Uint8Array, json: string, options: FaustOptions & { name?: string } = {}): Promise<Omit<FaustModule, 'files'>> {
  const who = 'adaptFaustWasm';
  require_(wasm instanceof Uint8Array, `${who}: wasm must be a Uint8Array`);
  require_(typeof json === 'string', `${who}: json must be the Faust compiler's JSON (a string)`);
  const { name = 'faust', ...rest } = options;
  require_(typeof name === 'string', `${who}: name must be a string`);
  return adapt(wasm, json, programName(name), checkOptions(rest, who), join(rest.cacheDir ?? defaultCacheDir(), 'faust'));
}

/** The adapter for `wasm` (Faust, wasm-e) and its JSON, merged with it. */
async function adapt(faustWasm: Uint8Array, json: string, name: string, o: { voices: number | undefined; timeoutMs: number }, dir: string): Promise<Omit<FaustModule, 'files'>> {
  let description: FaustDescription;
  try {
    description = parseFaustJson(json, name, o.voices);
  } catch (err) {
    if (err instanceof JackError) throw err;
    return fail('COMPILE_FAILED', `${name}: the Faust compiler's JSON cannot be read: ${(err as Error).message}`);
  }
  const shape = parseWasm(faustWasm, name);
  if (!shape.imports.some((i) => i.module === 'env' && i.name === 'memory')) fail('COMPILE_FAILED', `${name}: not a Faust program compiled with -lang wasm-e (it does not import its memory)`);
  if (shape.dataSegments > 1) fail('COMPILE_FAILED', `${name}: unexpected Faust output (${shape.dataSegments} data segments)`);
  // The Faust code's one data segment (its JSON) sits at address 0: the
  // adapter's own data goes after it.
  const memoryBase = Math.ceil((shape.dataBytes + 64) / 1024) * 1024;

  const work = join(dir, `build-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(work, { recursive: true, mode: 0o700 });
  try {
    const entry = join(work, 'entry.ts');
    let rel = relative(work, adapterDir());
    if (!rel.startsWith('.')) rel = `./${rel}`;
    await writeFile(entry, adapterSource(description, rel));
    const adapterWasm = await compileAssemblyScript(entry, { cacheDir: false, optimize: 3, timeoutMs: o.timeoutMs, extraFlags: ['--memoryBase', String(memoryBase)] });
    await writeFile(join(work, 'adapter.wasm'), adapterWasm);
    await writeFile(join(work, 'faust.wasm'), (await promoteFaustFields(faustWasm, work, o.timeoutMs)).wasm);
    // The adapter is "env" to the Faust code (its memory import), and the
    // Faust code is "faust" to the adapter (its function imports).
    const r = await run(process.execPath, [wasmMergeBin(), 'adapter.wasm', 'env', 'faust.wasm', 'faust', '-o', 'merged.wasm', ...MERGE_FEATURES], work, { timeoutMs: o.timeoutMs, memoryBytes: 16 * 2 ** 30 });
    if (!r.ok) fail(r.timedOut ? 'COMPILE_LIMIT' : 'COMPILE_FAILED', `${name}: wasm-merge failed${r.timedOut ? ` (ran longer than ${o.timeoutMs} ms)` : ''}: ${r.output.slice(-2000)}`);
    return { wasm: new Uint8Array(await readFile(join(work, 'merged.wasm'))), description };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readCached(dir: string, key: string): Promise<Omit<FaustModule, 'files'> | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as { sha256: string; description: FaustDescription };
    const wasm = new Uint8Array(await readFile(join(dir, `${key}.wasm`)));
    return sha256(wasm) === meta.sha256 ? { wasm, description: meta.description } : undefined;
  } catch {
    return undefined;
  }
}

async function writeCached(dir: string, key: string, wasm: Uint8Array, description: FaustDescription): Promise<void> {
  try {
    const tmp = join(dir, `${key}.${process.pid}.${randomBytes(4).toString('hex')}`);
    await writeFile(`${tmp}.wasm`, wasm, { mode: 0o600 });
    await rename(`${tmp}.wasm`, join(dir, `${key}.wasm`));
    await writeFile(tmp, JSON.stringify({ sha256: sha256(wasm), description }), { mode: 0o600 });
    await rename(tmp, join(dir, `${key}.json`));
  } catch {
    /* a cache that cannot be written only costs time */
  }
}
