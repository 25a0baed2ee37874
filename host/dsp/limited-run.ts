/**
 * Child processes of the compile pipeline (wasm-validate, wasm2c, cc), each
 * bounded in time and address space.
 */
import { spawn } from 'node:child_process';

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

/**
 * Runs `cmd` in its own process group under `ulimit -v` (address space), with
 * a time limit after which the whole group (cc's cc1, as, ld too) is killed.
 */
export function run(cmd: string, args: string[], cwd: string, limits: StepLimits): Promise<RunResult> {
  return new Promise((resolve) => {
    const kb = Math.max(65536, Math.floor(limits.memoryBytes / 1024));
    const child = spawn('/bin/sh', ['-c', `ulimit -v ${kb} 2>/dev/null; exec "$0" "$@"`, cmd, ...args], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (b: Buffer) => {
      if (output.length < 1 << 20) output += b.toString();
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, limits.timeoutMs);
    child.on('error', () => {
      /* reported through 'close' with code 127 by the shell */
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && !timedOut, output: output.trim(), missing: code === 127, timedOut, signal });
    });
  });
}
