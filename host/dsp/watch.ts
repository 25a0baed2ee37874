/**
 * watchModule: the live-coding loop behind `jackwasm dev`. Watches a
 * module's source and everything it imports; on each save recompiles it
 * (AssemblyScript in the warm compiler worker, then the compile cache) and
 * hot-swaps the running module with a crossfade. Compile errors are
 * reported and the module keeps playing the last good version.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkOptionKeys, fail, JackError, require_ } from '../errors.js';
import type { CompileOptions } from './compile.js';
import { compileFile } from './instance.js';
import type { DspModule } from './module.js';
import type { SwapOptions, SwapReport } from './swap.js';

/** Options for {@link watchModule}. */
export interface WatchOptions {
  /** The crossfade of each swap, ms. Default 10. */
  crossfadeMs?: number;
  /** Carry parameter values over (default true). */
  keepParams?: boolean;
  /** Carry declared state over (default true). */
  keepState?: boolean;
  /** Quiet time after the last change before recompiling, ms (editors write files in several steps). Default 30. */
  debounceMs?: number;
  /** Compilation options. */
  compile?: CompileOptions;
  /** asc's optimisation level for AssemblyScript sources. Default 1 (the C compiler optimises again; see AscOptions.optimize). */
  ascOptimize?: 0 | 1 | 2 | 3;
  /** Called for every change handled. */
  onEvent: (event: WatchEvent) => void;
}

/** What happened after a change. */
export type WatchEvent =
  | {
      kind: 'swap';
      report: SwapReport;
      /** Files whose change triggered it. */
      changed: string[];
      /** Recompiling (AssemblyScript, wasm2c and the C compiler, or cache hits), ms. */
      compileMs: number;
      /** From the last save (the newest modification time of the changed files) until the audio thread ran the new code, ms. */
      editToAudibleMs: number;
    }
  /** The source does not compile, load or initialise: the module keeps running the last good version. */
  | { kind: 'error'; error: JackError; changed: string[] }
  /** The files changed but the compiled module is the same (a save without edits). */
  | { kind: 'unchanged'; changed: string[] };

/** A running watch. */
export interface ModuleWatcher {
  /** Files being watched (the source and what it imports, or looked for). */
  readonly files: readonly string[];
  /** Resolves once no change is waiting or being handled. */
  idle(): Promise<void>;
  /** Stops watching (a swap under way still completes). */
  close(): void;
}

const WATCH_KEYS = ['crossfadeMs', 'keepParams', 'keepState', 'debounceMs', 'compile', 'ascOptimize', 'onEvent'] as const;

/** The asc level watchModule (and `jackwasm dev`) builds with by default. */
export const DEV_ASC_OPTIMIZE = 1;

/**
 * Watches `path` (the .ts or .wasm the module was loaded from, or a new one)
 * and swaps `module` to it whenever it or a file it imports changes.
 */
export async function watchModule(module: DspModule, path: string, options: WatchOptions): Promise<ModuleWatcher> {
  require_(typeof path === 'string' && path.length > 0, 'watchModule: path must be a module file (.ts or .wasm)');
  require_(typeof options === 'object' && options !== null && typeof options.onEvent === 'function', 'watchModule: options.onEvent must be a function');
  checkOptionKeys(options, WATCH_KEYS, 'watchModule');
  const debounceMs = options.debounceMs ?? 30;
  require_(Number.isFinite(debounceMs) && debounceMs >= 0 && debounceMs <= 10000, `watchModule: debounceMs must be in [0, 10000], got ${String(debounceMs)}`);
  const swapOptions: SwapOptions = {
    ...(options.crossfadeMs !== undefined ? { crossfadeMs: options.crossfadeMs } : {}),
    ...(options.keepParams !== undefined ? { keepParams: options.keepParams } : {}),
    ...(options.keepState !== undefined ? { keepState: options.keepState } : {}),
  };
  const entry = resolve(path);
  const asc = { optimize: options.ascOptimize ?? DEV_ASC_OPTIMIZE };
  // The files the current build depends on (compiling again is a cache hit).
  let files = new Set((await compileFile(path, options.compile, asc)).files.concat(entry));
  const watchers = new Map<string, FSWatcher>();
  /** Each watched folder's inode when its watch began (a folder removed and made again needs a new watch). */
  const inodes = new Map<string, number>();
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const rewatch = () => {
    const dirs = new Set([...files].map((f) => dirname(f)));
    for (const [d, w] of watchers) {
      if (dirs.has(d)) continue;
      w.close();
      watchers.delete(d);
      inodes.delete(d);
    }
    for (const d of dirs) {
      if (watchers.has(d)) continue;
      try {
        // Rationale: directories, not files: editors save by writing a new
        // file and renaming it over the old one, which ends a file watch.
        const w = watch(d, { persistent: false }, (_event, name) => {
          if (name === null) return;
          const f = join(d, name.toString());
          if (!files.has(f) || closed) return;
          changed.add(f);
          clearTimeout(timer);
          timer = setTimeout(kick, debounceMs);
        });
        w.on('error', () => {
          w.close();
          watchers.delete(d);
          inodes.delete(d);
        });
        watchers.set(d, w);
        inodes.set(d, statSync(d).ino);
      } catch {
        /* a directory that does not exist (yet): a missing import's */
      }
    }
  };

  const settle = () => {
    if (running || timer || changed.size) return;
    for (const w of idleWaiters) w();
    idleWaiters = [];
  };

  const handle = async (): Promise<void> => {
    const paths = [...changed];
    changed.clear();
    // The save: the newest modification among the changed files.
    let edit = 0;
    for (const f of paths) edit = Math.max(edit, (await stat(f).catch(() => undefined))?.mtimeMs ?? 0);
    if (!edit) edit = Date.now();
    const t0 = performance.now();
    try {
      const { compiled, files: deps } = await compileFile(path, options.compile, asc);
      files = new Set(deps.concat(entry));
      rewatch();
      const compileMs = performance.now() - t0;
      if (compiled.key === module.compiled.key) {
        options.onEvent({ kind: 'unchanged', changed: paths });
        return;
      }
      const startWall = Date.now();
      const report = await module.swap(compiled, swapOptions);
      options.onEvent({ kind: 'swap', report, changed: paths, compileMs, editToAudibleMs: startWall + report.audibleMs - edit });
    } catch (err) {
      const error = err instanceof JackError ? err : new JackError('COMPILE_FAILED', String((err as Error)?.message ?? err));
      if (error.code === 'MODULE_UNLOADED' || error.code === 'CLIENT_CLOSED') close();
      options.onEvent({ kind: 'error', error, changed: paths });
    }
  };

  function kick(): void {
    timer = undefined;
    if (closed || running) return; // the running one picks up what changed meanwhile
    running = (async () => {
      while (changed.size && !closed) await handle();
    })().finally(() => {
      running = undefined;
      settle();
    });
  }

  // Rationale: a watch on a folder that was removed (a checkout, an editor's
  // atomic save of the folder) goes quiet without an error; look every
  // 500 ms, and when a folder comes back watch it again and treat its files
  // as changed.
  const check = setInterval(() => {
    if (closed) return;
    for (const [d, ino] of inodes) {
      const st = statSync(d, { throwIfNoEntry: false });
      if (st?.ino === ino) continue;
      watchers.get(d)?.close();
      watchers.delete(d);
      inodes.delete(d);
    }
    const dirs = new Set([...files].map((f) => dirname(f)));
    for (const d of dirs) {
      if (watchers.has(d) || !statSync(d, { throwIfNoEntry: false })?.isDirectory()) continue;
      rewatch();
      if (!watchers.has(d)) continue;
      for (const f of files) if (dirname(f) === d) changed.add(f);
      clearTimeout(timer);
      timer = setTimeout(kick, debounceMs);
    }
  }, 500);
  check.unref();

  function close(): void {
    closed = true;
    clearInterval(check);
    clearTimeout(timer);
    timer = undefined;
    changed.clear();
    for (const w of watchers.values()) w.close();
    watchers.clear();
    settle();
  }

  rewatch();
  if (watchers.size === 0) fail('INVALID_ARGUMENT', `watchModule: cannot watch the folder of ${basename(path)}`);
  return {
    get files() {
      return [...files];
    },
    idle: () =>
      new Promise<void>((r) => {
        idleWaiters.push(r);
        settle();
      }),
    close,
  };
}
