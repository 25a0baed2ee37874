/**
 * Checks that the test run leaves no jackd process and no JACK shared-memory
 * file behind for the servers its tests started. Every server of one run is
 * named "jwtest-<run id>-..." (see helpers/jack.ts), so concurrent runs on the
 * same machine do not see each other's servers.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

let shmBefore = new Set<string>();

function anyJackd(): boolean {
  return readdirSync('/proc').some((e) => {
    if (!/^\d+$/.test(e)) return false;
    try {
      return readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').some((a) => /(^|\/)jackd(mp)?$/.test(a));
    } catch {
      return false;
    }
  });
}

export function setup(): void {
  // Child-process tests load dist/ and the preloaded checker: build what is
  // stale once here, not in each test file (they run in parallel).
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
  // Inherited by the test worker processes.
  process.env.JW_TEST_RUN ??= String(process.pid);
  shmBefore = new Set(readdirSync('/dev/shm'));
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
  // jackd2 keeps machine-wide files (its server registry, the metadata
  // database) after the last server exits. When no JACK server runs at all,
  // remove the ones this run created, leaving /dev/shm as it was found.
  if (!anyJackd()) {
    for (const f of readdirSync('/dev/shm')) {
      if (!shmBefore.has(f) && /^jack(-shm-registry$|_db-|-\d+-)/.test(f)) rmSync(`/dev/shm/${f}`, { recursive: true, force: true });
    }
  }
}
