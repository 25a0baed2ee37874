/**
 * The Faust compiler (faustwasm's libfaust, itself WebAssembly) in a worker
 * thread: off the main thread, with a time and heap limit, warm between
 * compiles, replaced after a timeout or a crash (as the AssemblyScript
 * compiler is, host/dsp/asc.ts).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fail } from '../errors.js';
import { WarmWorker } from '../dsp/warm-worker.js';

// The worker: loads libfaust once from the package's files (never writing
// into the package, which may be read-only), then compiles one program per
// message to `-lang wasm-e` (external memory, instances at any address).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
let compilerP;
let said = [];
// libfaust prints compile errors and emscripten notices; they belong to the reply.
console.log = console.error = console.warn = (...a) => { said.push(a.join(' ')); };
async function load() {
  const dir = workerData.libDir;
  const file = join(dir, 'libfaust-wasm.js');
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', '__dirname', '__filename', readFileSync(file, 'utf8'))(mod, mod.exports, require, dir, file);
  const data = readFileSync(join(dir, 'libfaust-wasm.data'));
  const faustModule = await mod.exports({
    wasmBinary: new Uint8Array(readFileSync(join(dir, 'libfaust-wasm.wasm'))).buffer,
    getPreloadedPackage: (name) => (name === 'libfaust-wasm.data' ? new Uint8Array(data).buffer : new ArrayBuffer(0)),
  });
  const fw = await import(workerData.faustwasmUrl);
  const lib = new fw.LibFaust(faustModule);
  return { compiler: new fw.FaustCompiler(lib), fs: lib.fs() };
}
let seq = 0;
parentPort.on('message', async ({ id, name, code, args, includes }) => {
  said = [];
  try {
    compilerP ??= load();
    const { compiler, fs } = await compilerP;
    // The program's own folder (its .lib and .dsp files), fresh per compile.
    const dir = '/jackwasm/inc' + (++seq);
    fs.mkdirTree(dir);
    for (const [file, text] of includes) fs.writeFile(dir + '/' + file, text);
    const factory = await compiler.createPolyDSPFactory(name, code, [...args, '-I', dir].join(' '));
    if (!factory) throw new Error(compiler.getErrorMessage() || 'no output');
    parentPort.postMessage({ id, wasm: factory.code, json: factory.json, version: compiler.version() });
  } catch (err) {
    const message = String((err && err.message) || err).trim();
    parentPort.postMessage({ id, error: message || said.join('\\n') });
  }
});`;

type Reply = { wasm?: Uint8Array; json?: string; version?: string; error?: string };
type Job = { name: string; code: string; args: string[]; includes: [string, string][] };
let worker: WarmWorker<Job, Reply> | undefined;

const require = createRequire(import.meta.url);

/** Where faustwasm's files are, or undefined when the package is missing. */
function faustwasmPaths(): { libDir: string; faustwasmUrl: string } | undefined {
  try {
    const js = require.resolve('@grame/faustwasm/libfaust-wasm/libfaust-wasm.js');
    return { libDir: dirname(js), faustwasmUrl: import.meta.resolve('@grame/faustwasm/dist/esm/index.js') };
  } catch {
    return undefined;
  }
}

function getWorker(heapMb: number): WarmWorker<Job, Reply> {
  if (worker?.heapMb === heapMb) return worker;
  worker?.terminate();
  const paths = faustwasmPaths();
  if (!paths) return fail('COMPILE_FAILED', 'the Faust compiler (npm package @grame/faustwasm) is not installed: npm install @grame/faustwasm');
  worker = new WarmWorker<Job, Reply>(WORKER, heapMb, paths);
  return worker;
}

/** What the Faust compiler made of a program. */
export interface FaustOutput {
  /** The program as wasm (wasm-e: imports its memory). */
  wasm: Uint8Array;
  /** Faust's JSON description. */
  json: string;
  /** The Faust compiler's version. */
  version: string;
}

/**
 * Compiles Faust source `code` with the compiler flags `args`; `includes`
 * are [file name, text] of the program's folder (its local libraries).
 * @throws COMPILE_FAILED with the compiler's message; COMPILE_LIMIT on the time or heap limit
 */
export async function runFaustCompiler(name: string, code: string, args: string[], includes: [string, string][], limits: { timeoutMs: number; heapMb: number }): Promise<FaustOutput> {
  const r = await getWorker(limits.heapMb).call({ name, code, args, includes }, limits.timeoutMs);
  if (r.crashed) fail(/ran longer|memory|heap/i.test(r.crashed) ? 'COMPILE_LIMIT' : 'COMPILE_FAILED', `Faust compilation of "${name}" ${r.crashed}`);
  if (r.error !== undefined || !r.wasm || r.json === undefined) {
    // Rationale: libfaust is C++ compiled to wasm without exception support;
    // a failed compile (a stack overflow in particular: measured, two or three
    // of them broke every later compile) can leave it corrupt. A fresh one
    // costs about 0.3 s.
    worker?.terminate();
    worker = undefined;
    return fail('COMPILE_FAILED', `Faust compilation of "${name}" failed:\n${r.error ?? 'no output'}`);
  }
  return { wasm: r.wasm, json: r.json, version: r.version ?? '' };
}

/** The faustwasm package's version (part of cache keys), or undefined when it is missing. */
export function faustwasmVersion(): string | undefined {
  try {
    return (require('@grame/faustwasm/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}
