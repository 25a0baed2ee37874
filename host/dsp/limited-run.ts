/**
 * Child processes of the compile pipeline (wasm-validate, wasm2c, cc), each
 * bounded in time and address space.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Limits of one step. */
export interface StepLimits {
  timeoutMs: number;
  /** Address space (ulimit -v), bytes. */
  memoryBytes: number;
}

export interface RunResult {
  ok: boolean;
  output: string;
  missing: boolean;
  /** Stopped by the time limit. */
  timedOut: boolean;
  /** Ended by a signal (a crash, or the memory limit). */
  signal: string | null;
}

/** How a launched process ended. */
interface Ended {
  code: number | null;
  signal: string | null;
  output: string;
}

/** Starts `argv` detached (its own process group) in `cwd`; reports its pid, then how it ended with its output (capped at 1 MiB). */
type Launch = (argv: string[], cwd: string, onStart: (pid: number) => void, onEnd: (e: Ended) => void) => void;

const OUTPUT_CAP = 1 << 20;

const launchHere: Launch = (argv, cwd, onStart, onEnd) => {
  const child = spawn(argv[0] as string, argv.slice(1), { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) onStart(child.pid);
  let output = '';
  const take = (b: Buffer) => {
    if (output.length < OUTPUT_CAP) output += b.toString();
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  child.on('error', () => {
    /* reported through 'close' */
  });
  child.on('close', (code, signal) => onEnd({ code: code ?? (signal ? null : 127), signal, output }));
};

// The launcher: a small Node process that starts the compile steps for this
// one. Rationale: Node starts a child by fork(), which copies this process's
// page tables: with the compiler workers warm, 15-20 ms of the main thread
// per step (a fast-tier build has three); from the launcher's small heap it
// costs nothing here. Its children are started detached, so the time limit
// kills their process group from here, by pid.
const LAUNCHER = `
const { spawn } = require('node:child_process');
process.on('message', ({ id, argv, cwd }) => {
  let child;
  try {
    child = spawn(argv[0], argv.slice(1), { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    process.send({ id, end: { code: 127, signal: null, output: String(err && err.message) } });
    return;
  }
  if (child.pid !== undefined) process.send({ id, pid: child.pid });
  let output = '';
  const take = (b) => { if (output.length < ${OUTPUT_CAP}) output += b.toString(); };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  child.on('error', () => {});
  child.on('close', (code, signal) => process.send({ id, end: { code: code ?? (signal ? null : 127), signal, output } }));
});
process.on('disconnect', () => process.exit(0));
`;

interface Job {
  onStart: (pid: number) => void;
  onEnd: (e: Ended) => void;
  argv: string[];
  cwd: string;
  /** Its process group, once started. */
  pid?: number;
  /** Kills the launcher if it has not started the job in time (stopped or stuck). */
  watch?: NodeJS.Timeout;
}

interface Launcher {
  child: ChildProcess;
  jobs: Map<number, Job>;
  /** Holds the event loop while jobs are out (see launch). */
  keepAlive?: NodeJS.Timeout;
}

/** How long the launcher may take to start a job before it is replaced, ms. */
const LAUNCH_TIMEOUT_MS = 2000;
let launcher: Launcher | undefined;
let jobSeq = 0;

function getLauncher(): Launcher | undefined {
  if (launcher) return launcher;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--max-old-space-size=64', '-e', LAUNCHER], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  } catch {
    return undefined;
  }
  const l: Launcher = { child, jobs: new Map() };
  child.on('message', (m: { id: number; pid?: number; end?: Ended }) => {
    const job = l.jobs.get(m.id);
    if (!job) return;
    if (m.pid !== undefined) {
      clearTimeout(job.watch);
      job.pid = m.pid;
      job.onStart(m.pid);
    }
    if (m.end) {
      clearTimeout(job.watch);
      l.jobs.delete(m.id);
      if (l.jobs.size === 0) {
        child.unref();
        child.channel?.unref();
        clearInterval(l.keepAlive);
        l.keepAlive = undefined;
      }
      job.onEnd(m.end);
    }
  });
  // A launcher that goes away: what it started is killed (its process
  // groups outlive it), and its jobs are started again here.
  const gone = () => {
    if (launcher === l) launcher = undefined;
    clearInterval(l.keepAlive);
    l.keepAlive = undefined;
    for (const [id, job] of l.jobs) {
      l.jobs.delete(id);
      clearTimeout(job.watch);
      if (job.pid !== undefined) {
        try {
          process.kill(-job.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      launchHere(job.argv, job.cwd, job.onStart, job.onEnd);
    }
  };
  child.on('exit', gone);
  child.on('error', gone);
  child.unref();
  child.channel?.unref();
  launcher = l;
  return l;
}

const launch: Launch = (argv, cwd, onStart, onEnd) => {
  const l = getLauncher();
  if (!l || !l.child.connected) {
    launchHere(argv, cwd, onStart, onEnd);
    return;
  }
  const id = ++jobSeq;
  const job: Job = { onStart, onEnd, argv, cwd };
  job.watch = setTimeout(() => {
    if (job.pid === undefined) l.child.kill('SIGKILL'); // then its jobs start here
  }, LAUNCH_TIMEOUT_MS);
  job.watch.unref();
  l.jobs.set(id, job);
  // Waiting for a result keeps this process alive: the channel, and the
  // launcher's process handle too. Rationale: a launcher killed for being
  // slow (or dying) closes the channel at once; with its handle unref'd,
  // nothing else may keep the loop running until its 'exit' starts the jobs
  // here, and Node ended with the compile (and the caller's await) pending.
  // A ref'd interval too: measured, 1 run in 4 of a CLI whose first job went
  // to a just-started launcher exited with the job out without it.
  l.child.ref();
  l.child.channel?.ref();
  l.keepAlive ??= setInterval(() => {}, 1 << 30);
  l.child.send({ id, argv, cwd });
};

/**
 * Runs `cmd` in its own process group under `ulimit -v` (address space), with
 * a time limit after which the whole group (cc's cc1, as, ld too) is killed;
 * `abort` kills it too.
 */
export function run(cmd: string, args: string[], cwd: string, limits: StepLimits, abort?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve) => {
    const kb = Math.max(65536, Math.floor(limits.memoryBytes / 1024));
    let pid: number | undefined;
    let killWanted = false;
    let timedOut = false;
    const killGroup = () => {
      killWanted = true;
      if (pid === undefined) return; // killed as soon as it starts
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    let timer: NodeJS.Timeout | undefined;
    let deadline: number | undefined;
    // Aborted (its result is no longer wanted): the whole group goes.
    if (abort?.aborted) killWanted = true;
    else abort?.addEventListener('abort', killGroup, { once: true });
    launch(
      ['/bin/sh', '-c', `ulimit -v ${kb} 2>/dev/null; exec "$0" "$@"`, cmd, ...args],
      cwd,
      (p) => {
        pid = p;
        if (killWanted) killGroup();
        // The time limit counts from the step's first start (not the
        // launcher's); a step started again (its launcher died) keeps it.
        deadline ??= Date.now() + limits.timeoutMs;
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          killGroup();
        }, Math.max(0, deadline - Date.now()));
      },
      ({ code, signal, output }) => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', killGroup);
        resolve({ ok: code === 0 && !timedOut, output: output.trim(), missing: code === 127, timedOut, signal });
      },
    );
  });
}

/** @internal For tests: the launcher's pid, if one runs. */
export function launcherPid(): number | undefined {
  return launcher?.child.pid;
}
