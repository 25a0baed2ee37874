/**
 * Test helpers: a per-file dummy jackd server with a unique name, unique
 * client names, and waiting for events.
 */
import type { EventEmitter } from 'node:events';
import { readdirSync, rmSync } from 'node:fs';
import { Server, type Client, type ServerOptions } from '../../host/index.js';

let n = 0;

/** Prefix of every server name this test run starts (checked at teardown). */
export function serverPrefix(): string {
  return `jwtest-${process.env.JW_TEST_RUN ?? process.pid}-`;
}

/** A client name unique across every server on the machine (jackd2's client sockets ignore the server name). */
export function uniqueName(tag: string): string {
  return `${tag}-${process.pid}-${++n}`;
}

/** Starts a dummy server named for this test file. */
export function startServer(tag: string, options: ServerOptions = {}): Promise<Server> {
  return Server.start({ name: `${serverPrefix()}${tag}-${process.pid}-${++n}`, period: 256, ...options });
}

/**
 * Removes the /dev/shm files of a server started by a child process that had
 * to be killed (its jackd exits with it but leaves them).
 */
export function removeServerLeftovers(serverName: string): void {
  for (const f of readdirSync('/dev/shm')) {
    if (f.startsWith(`jack_${serverName}_`) || f.startsWith(`jack_sem.${process.getuid?.() ?? 0}_${serverName}_`)) rmSync(`/dev/shm/${f}`, { force: true });
  }
}

/** Resolves with the arguments of the first `event` whose arguments satisfy `match`. */
export function waitForEvent<T extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  match: (...args: T) => boolean = () => true,
  timeoutMs = 10000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      if (!match(...(args as T))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as T);
    };
    emitter.on(event, listener);
  });
}

/** Polls `fn` until it returns a truthy value (returned) or time runs out. */
export async function until<T>(fn: () => T | undefined | false | null, timeoutMs = 10000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A JACK frame time `seconds` ahead of the client's last cycle (default
 * 0.25 s). Rationale: a test that records from `startAt` this far ahead and
 * times its events after it does not depend on how fast this process gets to
 * run (a loaded CI machine delays timers by tens of milliseconds).
 */
export function frameAhead(client: Client, seconds = 0.25): number {
  return (client.lastFrameTime + Math.round(seconds * client.sampleRate)) >>> 0;
}

/**
 * Runs `trial` again (at most `tries` times, a quarter second apart) while it
 * reports 'xrun': a recording with a discontinuity. Rationale: the dummy
 * driver skips frames when the machine is loaded (another test file
 * compiling on both cores); frame-exact expectations cannot hold across a
 * skip, and the trial sees it (`rec.discontinuities`). A trial whose
 * planned start had passed before it began (TOO_LATE) is tried again too.
 */
export async function withoutXruns(trial: () => Promise<'xrun' | void>, tries = 8): Promise<void> {
  for (let i = 0; i < tries; i++) {
    // A stall longer than the planned lead (the trial's startAt passed
    // before it could start: TOO_LATE) is the same machine load: try again.
    const r = await trial().catch((err: unknown) => {
      if ((err as { code?: string }).code === 'TOO_LATE') return 'xrun' as const;
      throw err;
    });
    if (r !== 'xrun') return;
    await sleep(250);
  }
  throw new Error(`each of ${tries} tries had an xrun in its recording (the machine is too loaded for frame-exact checks)`);
}
