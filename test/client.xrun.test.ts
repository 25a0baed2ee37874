/**
 * The xrun event, caused by a real stall: a client in the realtime graph (in
 * a child process) is stopped for 100 ms, several periods, so the server
 * misses its deadline. On its own server so a misbehaving jackd cannot
 * disturb other tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type OwnPort, type Server } from '../host/index.js';
import { runChild } from './helpers/child.js';
import { sleep, startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';

let server: Server;
let watcher: Client;
let watcherIn: OwnPort;

beforeAll(async () => {
  server = await startServer('xrun', { period: 128 });
  watcher = await Client.open(uniqueName('xrunwatch'), { serverName: server.name });
  watcherIn = watcher.inports.register('in');
  watcher.activate();
});

afterAll(async () => {
  await watcher?.close();
  await server?.stop();
});

describe('xrun', () => {
  it('emits xrun with a numeric delay when a client in the graph stalls', async () => {
    // Rationale: jackd2 runs only clients with a realtime callback (process,
    // sync or timebase); setTimebase() gives the child one. The stall is
    // bounded: stalls of ~1 s wedge jackd2 (seen with a plain C client too).
    const name = uniqueName('xrunchild');
    const child = runChild(
      `const c = await JW.Client.open(process.env.JW_NAME, { serverName: process.env.JW_SERVER });
       const p = c.outports.register('out');
       c.setTimebase();
       c.activate();
       c.connect(p, process.env.JW_TARGET);
       process.stdout.write('ready\\n');
       process.stdin.once('data', async () => { await c.close(); process.exit(0); });`,
      { JW_NAME: name, JW_SERVER: server.name, JW_TARGET: watcherIn.name },
    );
    try {
      await until(() => child.stdout.join('').includes('ready') || child.proc.exitCode !== null, 10000, 'the child client');
      expect(child.stderr.join('')).toBe('');
      expect(watcherIn.isConnectedTo(`${name}:out`)).toBe(true);

      const xrun = waitForEvent<[number]>(watcher, 'xrun', () => true, 10000);
      child.proc.kill('SIGSTOP');
      await sleep(100);
      child.proc.kill('SIGCONT');
      const [delayed] = await xrun;
      expect(Number.isFinite(delayed)).toBe(true);
      expect(delayed).toBeGreaterThanOrEqual(0);

      child.proc.stdin?.write('close\n');
      expect(await child.exited, `the child ended with signal ${String(child.proc.signalCode)}; stderr: ${child.stderr.join('')}`).toBe(0);
    } finally {
      if (child.proc.exitCode === null) {
        child.proc.kill('SIGCONT');
        child.proc.kill('SIGKILL');
        await child.exited;
      }
    }
  });
});
