/**
 * Checks that the test run leaves no jackd process and no JACK shared-memory
 * file behind for the servers its tests started. Every server of one run is
 * named "jwtest-<run id>-..." (see helpers/jack.ts), so concurrent runs on the
 * same machine do not see each other's servers.
 */
import { readdirSync, readFileSync } from 'node:fs';

function testJackds(): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith('jackd')) && cmd.some((a) => a.startsWith(prefix()))) pids.push(Number(e));
    } catch {
      /* exited */
    }
  }
  return pids;
}

function testShmFiles(): string[] {
  return readdirSync('/dev/shm').filter((f) => f.includes(prefix()));
}

const prefix = () => `jwtest-${process.env.JW_TEST_RUN}-`;

export function setup(): void {
  // Inherited by the test worker processes.
  process.env.JW_TEST_RUN ??= String(process.pid);
}

export async function teardown(): Promise<void> {
  // jackd removes its files just after it exits; give it a moment.
  for (let i = 0; i < 50 && (testJackds().length || testShmFiles().length); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const pids = testJackds();
  const files = testShmFiles();
  if (pids.length || files.length) {
    throw new Error(`tests left JACK state behind: jackd pids [${pids.join(', ')}], /dev/shm files [${files.join(', ')}]`);
  }
}
