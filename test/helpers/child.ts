/** Child Node processes that use the compiled library (dist/, built by the global setup). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadStacks } from './stacks.js';

const distIndex = fileURLToPath(new URL('../../dist/host/index.js', import.meta.url));

export interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Runs an ES module snippet in a child Node process; `JW` is the library. */
export function runChild(code: string, env: Record<string, string> = {}, deadlineMs = 25000): Child {
  const script = `import * as JW from ${JSON.stringify(pathToFileURL(distIndex).href)};\n${code}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => stdout.push(d.toString()));
  proc.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  // Rationale: a hung child must not outlive its test (vitest abandons a
  // test at its timeout without running its finally blocks): past the
  // deadline it is killed, with a note on stderr, and exits with null.
  const deadline = setTimeout(() => {
    const stacks = threadStacks(proc.pid);
    proc.kill('SIGKILL');
    stderr.push(`\n[test helper: child still running after ${deadlineMs} ms; killed]\n${stacks ? `its threads were at:\n${stacks}\n` : ''}`);
  }, deadlineMs);
  deadline.unref();
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      clearTimeout(deadline);
      resolve(code);
    }),
  );
  return { proc, stdout, stderr, exited };
}

/** Kills a child that is still running and waits for it. */
export async function killChild(child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}
