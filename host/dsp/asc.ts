/**
 * Compiles an AssemblyScript DSP module (.ts) to WebAssembly with asc, in a
 * worker thread: off the main thread, with a time limit and a heap limit, so
 * a pathological source can neither freeze nor exhaust the process. The
 * worker stays alive between compiles (the compiler stays warm) and is
 * replaced after a timeout.
 */
import { isAbsolute, normalize } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fail, require_ } from '../errors.js';

export interface AscOptions {
  /** Time limit, ms. Default 120000. */
  timeoutMs?: number;
  /** Heap limit of the compiler worker, MiB. Default 2048. */
  heapMb?: number;
}

// The worker: compiles one file per message with asc's API, in memory.
const WORKER = `
const { parentPort } = require('node:worker_threads');
let ascP;
parentPort.on('message', async ({ id, path, ascUrl }) => {
  try {
    ascP ??= import(ascUrl);
    const asc = (await ascP).default;
    let binary;
    const { error, stderr } = await asc.main(
      [path, '--outFile', 'module.wasm', '--runtime', 'stub', '-O3', '--noAssert'],
      { writeFile(name, contents) { if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents; } },
    );
    if (error || !binary) parentPort.postMessage({ id, error: stderr.toString().trim() || (error && error.message) || 'no output' });
    else parentPort.postMessage({ id, binary }, [binary.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.stack || err) });
  }
});`;

type Reply = { binary?: Uint8Array; error?: string; crashed?: string };
interface CompilerWorker {
  w: Worker;
  heapMb: number;
  pending: Map<number, (r: Reply) => void>;
}
let worker: CompilerWorker | undefined;
let seq = 0;

function getWorker(heapMb: number): CompilerWorker {
  if (worker && worker.heapMb === heapMb) return worker;
  void worker?.w.terminate();
  const w = new Worker(WORKER, {
    eval: true,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    env: process.env,
  });
  w.unref();
  const pending = new Map<number, (r: Reply) => void>();
  w.on('message', (m: { id: number } & Reply) => {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  const die = (why: string) => {
    for (const [id, resolve] of pending) {
      resolve({ crashed: why });
      pending.delete(id);
    }
    if (worker?.w === w) worker = undefined;
  };
  w.on('error', (err) => die(/heap|memory/i.test(err.message) ? `ran out of memory (heap limit ${heapMb} MiB)` : err.message));
  w.on('exit', (code) => die(`the compiler worker exited (${code})`));
  worker = { w, heapMb, pending };
  return worker;
}

/**
 * Compiles `path` with the AssemblyScript compiler: stub runtime (no
 * allocation after init), -O3, no SIMD. Modules import the SDK relatively
 * (dsp-asm/) or, in an installed project, as the `jackwasm` package (its
 * package.json names dsp-asm/index.ts as "ascMain").
 */
export async function compileAssemblyScript(path: string, options: AscOptions = {}): Promise<Uint8Array> {
  require_(typeof path === 'string' && path.length > 0, 'compileAssemblyScript: path must be a file name');
  const timeoutMs = options.timeoutMs ?? 120000;
  const heapMb = options.heapMb ?? 2048;
  require_(Number.isFinite(timeoutMs) && timeoutMs > 0, 'compileAssemblyScript: timeoutMs must be a positive number');
  require_(Number.isInteger(heapMb) && heapMb >= 64, 'compileAssemblyScript: heapMb must be an integer >= 64');
  const cw = getWorker(heapMb);
  const { w, pending } = cw;
  const id = ++seq;
  const r = await new Promise<Reply>((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      // A compiler stuck in one job: replace the worker (other jobs in it fail too).
      if (worker === cw) worker = undefined;
      void w.terminate();
      resolve({ crashed: `ran longer than ${timeoutMs} ms and was stopped` });
    }, timeoutMs);
    timer.unref();
    pending.set(id, (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    w.ref();
    // Rationale: asc takes its arguments as a command line; a file named
    // "--x.ts" must stay a file name.
    const file = isAbsolute(path) ? path : `./${normalize(path)}`;
    w.postMessage({ id, path: file, ascUrl: import.meta.resolve('assemblyscript/asc') });
  }).finally(() => {
    if (pending.size === 0) w.unref();
  });
  if (r.crashed) {
    const limit = /ran longer|memory|heap/i.test(r.crashed);
    fail(limit ? 'COMPILE_LIMIT' : 'COMPILE_FAILED', `AssemblyScript compilation of "${path}" ${r.crashed}`);
  }
  if (r.error !== undefined || !r.binary) return fail('COMPILE_FAILED', `AssemblyScript compilation of "${path}" failed:\n${r.error ?? 'no output'}`);
  return r.binary;
}
