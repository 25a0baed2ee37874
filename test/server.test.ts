/**
 * Server: starting and stopping embedded jackd2 servers, and the errors
 * Server.start reports.
 *
 * jackd2's libjack maps the shared memory of one server per process, so tests
 * here open clients on one server at a time unless they test exactly that.
 */
import { readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, JackError, Server, isServerRunning, type ServerOptions } from '../host/index.js';
import { startServer, uniqueName, waitForEvent } from './helpers/jack.js';
import { rejection } from './helpers/errors.js';

let server: Server;
const extra: Server[] = [];

beforeAll(async () => {
  server = await startServer('server');
});

afterAll(async () => {
  for (const s of extra) await s.stop();
  await server?.stop();
});

/** Starts a further server that afterAll stops even if the test fails. */
async function startExtra(tag: string, options: ServerOptions = {}): Promise<Server> {
  const s = await startServer(tag, options);
  extra.push(s);
  return s;
}

/** /dev/shm entries that belong to the server called `name`. */
function shmFilesOf(name: string): string[] {
  return readdirSync('/dev/shm').filter((f) => f.startsWith(`jack_${name}_`) || f.includes(`_${name}_`));
}

describe('Server.start', () => {
  it('starts jackd with the requested sample rate, period and numbers of dummy ports', async () => {
    const s = await startExtra('srvcustom', { sampleRate: 44100, period: 128, capture: 3, playback: 5 });
    expect(s.sampleRate).toBe(44100);
    expect(s.period).toBe(128);
    expect(s.driver).toBe('dummy');
    const c = await Client.open(uniqueName('srvcustom'), { serverName: s.name });
    try {
      expect(c.sampleRate).toBe(44100);
      expect(c.blockSize).toBe(128);
      const capture = c.getPorts({ namePattern: /^system:capture_/ });
      const playback = c.getPorts({ namePattern: /^system:playback_/ });
      expect(capture.map((p) => p.name)).toEqual(['system:capture_1', 'system:capture_2', 'system:capture_3']);
      expect(playback.map((p) => p.name)).toEqual([
        'system:playback_1',
        'system:playback_2',
        'system:playback_3',
        'system:playback_4',
        'system:playback_5',
      ]);
      // Capture ports deliver data to clients (outputs); playback ports take it (inputs).
      expect(capture.every((p) => p.isOutput && p.isPhysical)).toBe(true);
      expect(playback.every((p) => p.isInput && p.isPhysical)).toBe(true);
    } finally {
      await c.close();
    }
    await s.stop();
  });

  it('is running until stop(), and stop() can be called twice', async () => {
    const s = await startExtra('srvstop');
    expect(s.running).toBe(true);
    expect(await isServerRunning(s.name)).toBe(true);
    const first = s.stop();
    const second = s.stop();
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    expect(s.running).toBe(false);
    await expect(s.stop()).resolves.toBeUndefined();
    expect(s.running).toBe(false);
    expect(await isServerRunning(s.name)).toBe(false);
    expect(() => s.assertRunning()).toThrow(expect.objectContaining({ code: 'SERVER_NOT_RUNNING' }));
  });

  it('rejects a second server with the name of a running one (SERVER_NAME_IN_USE)', async () => {
    const err = await rejection(Server.start({ name: server.name }));
    expect(err.code).toBe('SERVER_NAME_IN_USE');
    expect(err.message).toContain(server.name);
    // The running server is untouched.
    expect(server.running).toBe(true);
    expect(await isServerRunning(server.name)).toBe(true);
  });

  it('rejects with JACKD_NOT_FOUND when the jackd executable does not exist', async () => {
    const name = `jwtest-nojackd-${process.pid}`;
    const err = await rejection(Server.start({ name, jackd: '/nonexistent/bin/jackd-missing' }));
    expect(err.code).toBe('JACKD_NOT_FOUND');
    expect(err.message).toContain('/nonexistent/bin/jackd-missing');
    expect(await isServerRunning(name)).toBe(false);
  });

  it("rejects with SERVER_START_FAILED and jackd's own output when the driver does not exist", async () => {
    const name = `jwtest-nodriver-${process.pid}`;
    const err = await rejection(Server.start({ name, driver: 'nosuchdriver' }));
    expect(err.code).toBe('SERVER_START_FAILED');
    expect(err.message).toContain(name);
    // jackd2 prints: Unknown driver "nosuchdriver"
    expect(err.message).toContain('Unknown driver "nosuchdriver"');
    expect(await isServerRunning(name)).toBe(false);
    expect(shmFilesOf(name)).toEqual([]);
  });

  it('rejects invalid options with INVALID_ARGUMENT naming the option and value', async () => {
    const cases: [ServerOptions, RegExp][] = [
      [{ period: 100 }, /period.*100/],
      [{ period: 0 }, /period.*\b0\b/],
      [{ sampleRate: 'x' as unknown as number }, /sampleRate.*x/],
      [{ sampleRate: 44100.5 }, /sampleRate.*44100\.5/],
      [{ name: 'has space' }, /name "has space"/],
      [{ capture: -1 }, /capture/],
    ];
    for (const [options, message] of cases) {
      const err = await rejection(Server.start({ name: `jwtest-badopt-${process.pid}`, ...options }));
      expect(err.code, JSON.stringify(options)).toBe('INVALID_ARGUMENT');
      expect(err.message, JSON.stringify(options)).toMatch(message);
    }
    expect(await isServerRunning(`jwtest-badopt-${process.pid}`)).toBe(false);
  });

  it('gives unique default names, so two default-named servers run at once', async () => {
    const [a, b] = await Promise.all([Server.start({ sampleRate: 44100 }), Server.start({ sampleRate: 32000 })]);
    extra.push(a, b);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.running && b.running).toBe(true);
      expect(await isServerRunning(a.name)).toBe(true);
      expect(await isServerRunning(b.name)).toBe(true);
      // Each one serves its own clients (one at a time: see the file comment).
      for (const [s, rate] of [
        [a, 44100],
        [b, 32000],
      ] as const) {
        const c = await Client.open(uniqueName('srvdefault'), { serverName: s.name });
        expect(c.sampleRate).toBe(rate);
        await c.close();
      }
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(shmFilesOf(a.name)).toEqual([]);
    expect(shmFilesOf(b.name)).toEqual([]);
  });
});

describe('isServerRunning', () => {
  it('is true for a running server and false for an unknown or stopped one', async () => {
    expect(await isServerRunning(server.name)).toBe(true);
    expect(await isServerRunning(`jwtest-never-started-${process.pid}`)).toBe(false);
    const s = await startExtra('srvrun');
    expect(await isServerRunning(s.name)).toBe(true);
    await s.stop();
    expect(await isServerRunning(s.name)).toBe(false);
  });

  it('reports a server whose jackd does not answer with SERVER_TIMEOUT, not a hang or a second server', async () => {
    const s = await startExtra('srvstopped');
    process.kill(s.pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      await expect(isServerRunning(s.name)).rejects.toMatchObject({ code: 'SERVER_TIMEOUT', message: `JACK server "${s.name}" runs but did not answer within 10 s (stopped, or overloaded)` });
      expect(Date.now() - t0).toBeLessThan(20000);
    } finally {
      process.kill(s.pid, 'SIGCONT');
    }
    expect(await isServerRunning(s.name)).toBe(true);
    await s.stop();
  }, 60000);
});

describe('Server.stop', () => {
  it('leaves no /dev/shm file of the server behind', async () => {
    const s = await startExtra('srvshm');
    const c = await Client.open(uniqueName('srvshm'), { serverName: s.name });
    expect(shmFilesOf(s.name)).toContain(`jack_${s.name}_${process.getuid?.() ?? 0}_0`);
    await c.close();
    await s.stop();
    expect(shmFilesOf(s.name)).toEqual([]);
  });

  it('leaves no /dev/shm file behind when a client was still connected', async () => {
    const s = await startExtra('srvshm2');
    const c = await Client.open(uniqueName('srvshm2'), { serverName: s.name });
    try {
      const shutdown = waitForEvent(c, 'shutdown');
      await s.stop();
      await shutdown;
      await c.close();
      expect(shmFilesOf(s.name)).toEqual([]);
    } finally {
      // Do not leave the files for the next test run either way.
      for (const f of shmFilesOf(s.name)) rmSync(`/dev/shm/${f}`, { force: true });
    }
  });

  it('removes the control files of a jackd that was killed', async () => {
    const s = await startExtra('srvkill');
    expect(shmFilesOf(s.name)).toContain(`jack_${s.name}_${process.getuid?.() ?? 0}_0`);
    try {
      process.kill(s.pid, 'SIGKILL');
      await s.stop();
      expect(shmFilesOf(s.name)).toEqual([]);
      expect(await isServerRunning(s.name)).toBe(false);
    } finally {
      for (const f of shmFilesOf(s.name)) rmSync(`/dev/shm/${f}`, { force: true });
    }
  });
});

describe('several servers in one process', () => {
  it('refuses a client on a second server while clients of the first are open (SERVER_CONFLICT), and allows it after', async () => {
    const first = await Client.open(uniqueName('srvmulti1'), { serverName: server.name });
    const s = await startExtra('srvmulti', { sampleRate: 44100, capture: 1, playback: 1 });
    const name2 = uniqueName('srvmulti2');
    try {
      const err = await Client.open(name2, { serverName: s.name }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JackError);
      expect((err as JackError).code).toBe('SERVER_CONFLICT');
      expect((err as JackError).message).toContain(`"${server.name}"`);
      expect((err as JackError).message).toContain(`"${s.name}"`);
      // The first client still sees its own server.
      expect(first.sampleRate).toBe(server.sampleRate);
    } finally {
      await first.close();
    }
    // With no client left on the first server, the second one is usable.
    const second = await Client.open(name2, { serverName: s.name });
    try {
      expect(second.sampleRate).toBe(44100);
      expect(second.getPorts({ namePattern: /^system:/ }).map((p) => p.name)).toEqual(['system:capture_1', 'system:playback_1']);
    } finally {
      await second.close();
    }
  });
});
