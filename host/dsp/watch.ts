/**
 * watchModule: the live-coding loop behind `jackwasm dev`. Watches a
 * module's source and everything it imports; on each save recompiles it
 * (AssemblyScript in the warm compiler worker, then the compile cache) and
 * hot-swaps the running module with a crossfade. Compile errors are
 * reported and the module keeps playing the last good version.
 *
 * Two tiers (option fastFirst, default on): each save is built fast first
 * (asc -O0 and the compile cache's fast tier, which rebuilds only the
 * pieces of C an edit changed) and swapped in, then built optimised in the
 * background (a second compiler worker) and swapped in behind it, unless a
 * newer save came meanwhile. With every piece of state declared the second
 * swap changes no sample.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkOptionKeys, fail, JackError, require_ } from '../errors.js';
import type { CompileOptions, CompiledModule } from './compile.js';
import { changedSinceCompile, compileFile, filesOfCompile } from './instance.js';
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
  /** Quiet time after the last change before recompiling, ms (editors write a file in steps microseconds apart; a change during a build is built again after it). Default 10. */
  debounceMs?: number;
  /** Compilation options. */
  compile?: CompileOptions;
  /** asc's optimisation level for AssemblyScript sources (of the optimised tier). Default 1 (the C compiler optimises again; see AscOptions.optimize). */
  ascOptimize?: 0 | 1 | 2 | 3;
  /**
   * Build each save fast first and swap it in, then the optimised build
   * behind it (default true). False: only the optimised build (slower to
   * hear, one swap per save). `compile.tier` is set per tier.
   */
  fastFirst?: boolean;
  /** Called for every change handled. */
  onEvent: (event: WatchEvent) => void;
}

/** What happened after a change. */
export type WatchEvent =
  | {
      kind: 'swap';
      /** Which build went in: the fast one right after the save, or the optimised one behind it. */
      tier: 'fast' | 'optimized';
      /** That build (`cached`, and for a fast build made in pieces, how many were compiled). */
      compiled: CompiledModule;
      report: SwapReport;
      /** Files whose change triggered it. */
      changed: string[];
      /** Recompiling (AssemblyScript, wasm2c and the C compiler, or cache hits), ms. */
      compileMs: number;
      /** From the last save (the newest modification time of the changed files) until the audio thread ran this build, ms. */
      editToAudibleMs: number;
    }
  /** The source does not compile, load or initialise (in that tier): the module keeps running the last good version. */
  | { kind: 'error'; tier: 'fast' | 'optimized'; error: JackError; changed: string[] }
  /** The files changed but the compiled module is the same (a save without edits). */
  | { kind: 'unchanged'; changed: string[] };

/** A running watch. */
export interface ModuleWatcher {
  /** Files being watched (the source and what it imports, or looked for). */
  readonly files: readonly string[];
  /** Resolves once no change is waiting or being handled (optimised builds behind included). */
  idle(): Promise<void>;
  /** Stops watching (a swap under way still completes). */
  close(): void;
}

const WATCH_KEYS = ['crossfadeMs', 'keepParams', 'keepState', 'debounceMs', 'compile', 'ascOptimize', 'fastFirst', 'onEvent'] as const;

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
  const debounceMs = options.debounceMs ?? 10;
  require_(Number.isFinite(debounceMs) && debounceMs >= 0 && debounceMs <= 10000, `watchModule: debounceMs must be in [0, 10000], got ${String(debounceMs)}`);
  const swapOptions: SwapOptions = {
    ...(options.crossfadeMs !== undefined ? { crossfadeMs: options.crossfadeMs } : {}),
    ...(options.keepParams !== undefined ? { keepParams: options.keepParams } : {}),
    ...(options.keepState !== undefined ? { keepState: options.keepState } : {}),
  };
  require_(options.ascOptimize === undefined || [0, 1, 2, 3].includes(options.ascOptimize), `watchModule: ascOptimize must be 0, 1, 2 or 3, got ${String(options.ascOptimize)}`);
  const fastFirst = options.fastFirst ?? true;
  require_(typeof fastFirst === 'boolean', 'watchModule: fastFirst must be a boolean');
  const entry = resolve(path);
  const optimized = { compile: { ...options.compile, tier: 'optimized' as const }, asc: { optimize: options.ascOptimize ?? DEV_ASC_OPTIMIZE } };
  const fast = { compile: { ...options.compile, tier: 'fast' as const }, asc: { optimize: 0 as const } };
  // The files the current build depends on (compiling again is a cache hit).
  let files: Set<string>;
  let startError = false;
  try {
    files = new Set((await compileFile(path, optimized.compile, optimized.asc)).files.concat(entry));
  } catch (err) {
    // Rationale: a save that does not build can land between the module's
    // compile and this one (jackwasm dev's start): watch what the playing
    // module was built from, and report the error as that save's.
    if (!(err instanceof JackError) || err.code === 'INVALID_ARGUMENT') throw err;
    files = new Set((filesOfCompile(module.compiled) ?? []).concat(entry));
    startError = true;
  }
  const watchers = new Map<string, FSWatcher>();
  /** Each watched folder's inode when its watch began (a folder removed and made again needs a new watch). */
  const inodes = new Map<string, number>();
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** Builds behind the loop: the first fast build, then each optimised one. */
  let behind: Promise<void> | undefined;
  /** Bumped per handled save: an optimised build swaps in only if no newer save was handled. */
  let generation = 0;
  /** The fast build of the version playing (or being optimised): the same again is no change. */
  let lastFast: string | undefined;
  /** Changes seen: the first fast build counts as the version playing only if none came while it was made. */
  let changes = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];
  /** The save whose optimised build runs (the generation it was made for). */
  let optimizedFor = 0;

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
          changes++;
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
    if (running || timer || changed.size || behind) return;
    for (const w of idleWaiters) w();
    idleWaiters = [];
  };

  /** Runs `job` behind the loop (one at a time: a newer one waits for the older). */
  const runBehind = (job: () => Promise<void>) => {
    const prev = behind;
    const p: Promise<void> = (async () => {
      await prev;
      await job();
    })().finally(() => {
      if (behind === p) behind = undefined;
      settle();
    });
    behind = p;
  };

  /**
   * Calls onEvent. Rationale: an exception from the caller's callback is
   * its own; it is thrown again as an uncaught exception (as from an event
   * listener), not swallowed and not left as an unhandled rejection here.
   */
  const emit = (e: WatchEvent) => {
    try {
      options.onEvent(e);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  };

  const errorOf = (err: unknown) => (err instanceof JackError ? err : new JackError('COMPILE_FAILED', String((err as Error)?.message ?? err)));

  /** The optimised build of save `gen`, swapped in if no newer save was handled. */
  const optimize = async (gen: number, paths: string[], edit: number): Promise<void> => {
    if (gen !== generation || closed) return; // queued behind an older build, and already stale
    const t0 = performance.now();
    try {
      const { compiled } = await compileFile(path, optimized.compile, { ...optimized.asc, background: true });
      if (gen !== generation || closed) return;
      const compileMs = performance.now() - t0;
      const startWall = Date.now();
      const report = await module.swap(compiled, swapOptions);
      optimizedFor = gen;
      emit({ kind: 'swap', tier: 'optimized', compiled, report, changed: paths, compileMs, editToAudibleMs: startWall + report.audibleMs - edit });
    } catch (err) {
      const error = errorOf(err);
      if (error.code === 'MODULE_UNLOADED' || error.code === 'CLIENT_CLOSED') close();
      // A save under way (the file read half written) is built again: not an error of this version.
      else if (gen === generation && !closed && !changed.size && !timer) emit({ kind: 'error', tier: 'optimized', error, changed: paths });
    }
  };

  const handle = async (): Promise<void> => {
    const paths = [...changed];
    changed.clear();
    // The save: the newest modification among the changed files.
    let edit = 0;
    for (const f of paths) edit = Math.max(edit, (await stat(f).catch(() => undefined))?.mtimeMs ?? 0);
    if (!edit) edit = Date.now();
    const t0 = performance.now();
    const tier = fastFirst ? fast : optimized;
    try {
      const { compiled, files: deps } = await compileFile(path, tier.compile, tier.asc);
      files = new Set(deps.concat(entry));
      rewatch();
      const compileMs = performance.now() - t0;
      if (compiled.key === (fastFirst ? lastFast : module.compiled.key)) {
        emit({ kind: 'unchanged', changed: paths });
        // Rationale: an optimised build that failed while this save was
        // pending reported nothing (it looked stale); with the code unchanged
        // it is this version's, so build it again.
        if (fastFirst && optimizedFor !== generation && !behind) {
          const gen = generation;
          runBehind(() => optimize(gen, paths, edit));
        }
        return;
      }
      if (closed) return;
      // A new version goes in: an optimised build of an older one is stale.
      // (A save that is unchanged or does not build leaves it be.)
      const gen = ++generation;
      const startWall = Date.now();
      const report = await module.swap(compiled, swapOptions);
      emit({ kind: 'swap', tier: fastFirst ? 'fast' : 'optimized', compiled, report, changed: paths, compileMs, editToAudibleMs: startWall + report.audibleMs - edit });
      if (fastFirst) {
        lastFast = compiled.key;
        runBehind(() => optimize(gen, paths, edit));
      }
    } catch (err) {
      const error = errorOf(err);
      if (error.code === 'MODULE_UNLOADED' || error.code === 'CLIENT_CLOSED') close();
      if (!closed) emit({ kind: 'error', tier: fastFirst ? 'fast' : 'optimized', error, changed: paths });
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
  // Rationale: a save between the module's compile and the watch above
  // fired no event (and the builds here may have read it already); compare
  // the files with what that compile read, not build keys (its asc level
  // may not be ours).
  const stale = startError ? [entry] : await changedSinceCompile(module.compiled, entry);
  if (stale?.length && !closed) {
    changes++;
    for (const f of stale) changed.add(f);
    timer = setTimeout(kick, debounceMs);
  }
  // Rationale: the first fast build compiles every piece (several times a
  // whole optimised build); doing it now, behind the running module, leaves
  // the first save only the pieces it changed.
  if (fastFirst) {
    runBehind(async () => {
      const seen = changes;
      if (seen > 0 || closed) return;
      try {
        const { compiled } = await compileFile(path, fast.compile, fast.asc);
        // A save while it was made: it may have read the new text, which is not what plays.
        if (changes === seen && generation === 0) lastFast = compiled.key;
      } catch {
        /* reported when a save builds it */
      }
    });
  }
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
