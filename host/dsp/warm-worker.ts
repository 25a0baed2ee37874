/**
 * A compiler in a worker thread that stays warm between jobs: each job has a
 * time limit, the worker a heap limit; a job past its limit, or a crash,
 * ends the worker (its other jobs fail too) and the next job starts a new
 * one. The AssemblyScript and Faust compilers run this way, so a
 * pathological source can neither freeze nor exhaust the process.
 */
import { Worker } from 'node:worker_threads';

/** A job's reply; `crashed` says why the worker could not answer. */
export type WorkerReply<R> = R & { crashed?: string };

export class WarmWorker<M extends object, R extends object> {
  #worker: { w: Worker; pending: Map<number, (r: WorkerReply<R>) => void> } | undefined;
  #seq = 0;
  readonly #code: string;
  readonly #heapMb: number;
  readonly #workerData: unknown;

  /** `code`: the worker's CommonJS source; it answers each message `{ id, ... }` with `{ id, ... }`. */
  constructor(code: string, heapMb: number, workerData?: unknown) {
    this.#code = code;
    this.#heapMb = heapMb;
    this.#workerData = workerData;
  }

  get heapMb(): number {
    return this.#heapMb;
  }

  #start() {
    if (this.#worker) return this.#worker;
    const w = new Worker(this.#code, { eval: true, workerData: this.#workerData, resourceLimits: { maxOldGenerationSizeMb: this.#heapMb }, env: process.env });
    w.unref();
    const pending = new Map<number, (r: WorkerReply<R>) => void>();
    w.on('message', (m: { id: number } & R) => {
      pending.get(m.id)?.(m);
      pending.delete(m.id);
    });
    const die = (why: string) => {
      for (const [id, resolve] of pending) {
        resolve({ crashed: why } as WorkerReply<R>);
        pending.delete(id);
      }
      if (this.#worker?.w === w) this.#worker = undefined;
    };
    w.on('error', (err) => die(/heap|memory/i.test(err.message) ? `ran out of memory (heap limit ${this.#heapMb} MiB)` : err.message));
    w.on('exit', (code) => die(`the compiler worker exited (${code})`));
    this.#worker = { w, pending };
    return this.#worker;
  }

  /** Runs one job; past `timeoutMs` the worker is ended and the reply says so in `crashed`. */
  call(message: M, timeoutMs: number): Promise<WorkerReply<R>> {
    const job = this.#start();
    const { w, pending } = job;
    const id = ++this.#seq;
    return new Promise<WorkerReply<R>>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        if (this.#worker === job) this.#worker = undefined;
        void w.terminate();
        resolve({ crashed: `ran longer than ${timeoutMs} ms and was stopped` } as WorkerReply<R>);
      }, timeoutMs);
      timer.unref();
      pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      // Waiting for a job keeps the process alive; an idle worker does not.
      w.ref();
      w.postMessage({ ...message, id });
    }).finally(() => {
      if (pending.size === 0) w.unref();
    });
  }

  /** Ends the worker (jobs in flight fail). */
  terminate(): void {
    const job = this.#worker;
    this.#worker = undefined;
    void job?.w.terminate();
  }
}
