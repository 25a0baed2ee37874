/**
 * What a hung process is doing, for the message of the test that gives up on
 * it. Rationale: hangs seen only under the full suite's load (never alone)
 * can't be debugged from "killed after N ms"; the threads' stacks say where.
 */
import { spawnSync } from 'node:child_process';

/** Every thread's native stack of process `pid` (gdb, when installed), trimmed; '' when unavailable. */
export function threadStacks(pid: number | undefined, maxChars = 12000): string {
  if (pid === undefined) return '';
  const r = spawnSync('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'set pagination off', '-ex', 'thread apply all bt 25'], {
    encoding: 'utf8',
    timeout: 30000,
  });
  if (r.error || typeof r.stdout !== 'string') return '';
  // Keep the thread headers and frames; drop gdb's symbol-loading chatter.
  // Frames without their argument lists: "#3 0x… in fn at file.c:12".
  const lines = r.stdout
    .split('\n')
    .filter((l) => /^(Thread |#\d)/.test(l))
    .map((l) => l.replace(/^(#\d+\s+(?:0x[0-9a-f]+ in )?)((?:[^ (]|\(anonymous namespace\))+)[ (].*?((?: at | from )\S+)?$/, '$1$2$3'));
  const text = lines.join('\n');
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n[… ${text.length - maxChars} more characters]` : text;
}
