/**
 * Client events, each caused by a real action and received by a separate
 * "watcher" client.
 *
 * jackd2 only notifies ACTIVE clients (JackClient::ClientNotify checks
 * IsActive()); the first test checks that, the others use an active watcher.
 */
import { readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, JackError, Port, Server, type OwnPort, type PropertyChange } from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { runChild } from './helpers/child.js';


/** Deletes /dev/shm files of a server that is no longer running. */
function removeShmFilesOf(serverName: string): void {
  for (const f of readdirSync('/dev/shm')) {
    if (f.startsWith(`jack_${serverName}_`) || f.includes(`_${serverName}_`)) rmSync(`/dev/shm/${f}`, { force: true });
  }
}

let server: Server;
let watcher: Client;
let watcherIn: OwnPort;
const log: { event: string; args: unknown[] }[] = [];
const opened: Client[] = [];

const EVENTS = [
  'xrun',
  'shutdown',
  'freewheel',
  'blockSize',
  'sampleRate',
  'clientRegistration',
  'portRegistration',
  'portConnect',
  'portRename',
  'graphOrder',
  'propertyChange',
] as const;

async function open(tag: string): Promise<Client> {
  const c = await Client.open(uniqueName(tag), { serverName: server.name });
  opened.push(c);
  return c;
}

beforeAll(async () => {
  server = await startServer('events');
  watcher = await Client.open(uniqueName('evwatch'), { serverName: server.name });
  for (const e of EVENTS) watcher.on(e, (...args: unknown[]) => log.push({ event: e, args }));
  watcherIn = watcher.inports.register('in');
  watcher.activate();
});

afterAll(async () => {
  for (const c of opened) await c.close();
  await watcher?.close();
  await server?.stop();
});

describe('client events', () => {
  it('delivers notifications only to active clients', async () => {
    const idle = await open('evidle');
    const seen: string[] = [];
    idle.on('clientRegistration', (name) => seen.push(name));
    const otherName = uniqueName('evidleother');
    // The active watcher hears about `other`; by then the idle client would have too.
    const heard = waitForEvent<[string, boolean]>(watcher, 'clientRegistration', (n, r) => n === otherName && r);
    const other = await Client.open(otherName, { serverName: server.name });
    opened.push(other);
    await heard;
    const left = waitForEvent<[string, boolean]>(watcher, 'clientRegistration', (n, r) => n === otherName && !r);
    await other.close();
    await left;
    expect(seen).toEqual([]);

    idle.activate();
    const third = await open('evidlethird');
    await until(() => seen.includes(third.name), 5000, 'the now active client to see the registration');
    await third.close();
    await idle.close();
  });

  it('emits clientRegistration when another client opens and closes', async () => {
    const name = uniqueName('evcreg');
    const registered = waitForEvent<[string, boolean]>(watcher, 'clientRegistration', (n) => n === name);
    const other = await Client.open(name, { serverName: server.name });
    opened.push(other);
    expect(await registered).toEqual([name, true]);

    const unregistered = waitForEvent<[string, boolean]>(watcher, 'clientRegistration', (n, r) => n === name && !r);
    await other.close();
    expect(await unregistered).toEqual([name, false]);
  });

  it('emits portRegistration with a Port named after the registered port, and keeps the name after unregistration', async () => {
    const other = await open('evpreg');
    other.activate();
    const prefix = `${other.name}:`;
    const reg = waitForEvent<[Port, boolean]>(watcher, 'portRegistration', (p, r) => r && p.name.startsWith(prefix));
    const out = other.outports.register('out');
    const [port, registered] = await reg;
    expect(registered).toBe(true);
    expect(port).toBeInstanceOf(Port);
    expect(port.name).toBe(`${other.name}:out`);
    expect(port.isOutput).toBe(true);
    expect(port.isAudio).toBe(true);
    expect(port.equals(out)).toBe(true);

    const unreg = waitForEvent<[Port, boolean]>(watcher, 'portRegistration', (p, r) => !r && p.name.startsWith(prefix));
    out.unregister();
    const [gone, stillRegistered] = await unreg;
    expect(stillRegistered).toBe(false);
    expect(gone.name).toBe(`${other.name}:out`);
    expect(String(gone)).toBe(`${other.name}:out`);
    // The port no longer exists: using it fails with a code that names it.
    let err: unknown;
    try {
      void gone.type;
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JackError);
    expect((err as JackError).code).toBe('PORT_INVALID');
    expect((err as JackError).message).toContain(`${other.name}:out`);
    await other.close();
  });

  it('emits portConnect with both ports on connect and on disconnect', async () => {
    const other = await open('evconn');
    const out = other.outports.register('out');
    other.activate();
    const mine = (a: Port) => a.name === out.name;

    const connected = waitForEvent<[Port, Port, boolean]>(watcher, 'portConnect', (a, b, c) => c && (mine(a) || mine(b)));
    expect(other.connect(out, watcherIn)).toBe(true);
    const [a, b, flag] = await connected;
    expect(flag).toBe(true);
    expect([a.name, b.name]).toEqual([out.name, watcherIn.name]);
    // The watcher's own port comes back as its OwnPort object.
    expect(b).toBe(watcherIn);
    expect(a.isOutput).toBe(true);

    const disconnected = waitForEvent<[Port, Port, boolean]>(watcher, 'portConnect', (x, y, c) => !c && (mine(x) || mine(y)));
    expect(other.disconnect(out, watcherIn)).toBe(true);
    const [a2, b2, flag2] = await disconnected;
    expect(flag2).toBe(false);
    expect([a2.name, b2.name]).toEqual([out.name, watcherIn.name]);
    await other.close();
  });

  it('emits graphOrder after a connection changes the graph', async () => {
    const other = await open('evgraph');
    const out = other.outports.register('out');
    other.activate();
    const start = log.length;
    other.connect(out, 'system:playback_1');
    await until(
      () => {
        const i = log.findIndex(
          (e, k) => k >= start && e.event === 'portConnect' && (e.args[0] as Port).name === out.name && e.args[2] === true,
        );
        return i >= 0 && log.slice(i + 1).some((e) => e.event === 'graphOrder');
      },
      5000,
      'graphOrder after the portConnect event',
    );
    await other.close();
  });

  it('emits portRename with the old and new names, and the Port has the new name', async () => {
    const other = await open('evren');
    const out = other.outports.register('before');
    other.activate();
    const renamed = waitForEvent<[Port, string, string]>(watcher, 'portRename', (_p, o) => o.startsWith(`${other.name}:`));
    out.shortName = 'after';
    const [port, oldName, newName] = await renamed;
    expect(oldName).toBe(`${other.name}:before`);
    expect(newName).toBe(`${other.name}:after`);
    expect(port.name).toBe(`${other.name}:after`);
    expect(port.equals(out)).toBe(true);
    await other.close();
  });

  it('emits propertyChange created / changed / deleted for a port property', async () => {
    const other = await open('evprop');
    const out = other.outports.register('out');
    other.activate();
    const key = `urn:jwtest:${uniqueName('key')}`;
    const next = (change: PropertyChange) =>
      waitForEvent<[string, string, PropertyChange]>(watcher, 'propertyChange', (s, k, c) => k === key && c === change);

    let ev = next('created');
    other.setProperty(out, key, 'one');
    expect(await ev).toEqual([out.uuid, key, 'created']);

    ev = next('changed');
    other.setProperty(out, key, 'two');
    expect(await ev).toEqual([out.uuid, key, 'changed']);

    ev = next('deleted');
    expect(other.removeProperty(out, key)).toBe(true);
    expect(await ev).toEqual([out.uuid, key, 'deleted']);
    await other.close();
  });

  it('emits sampleRate once, right after open (before activation), and not again on activate', async () => {
    const c = await open('evsr');
    const rates: number[] = [];
    c.on('sampleRate', (r) => rates.push(r));
    await until(() => rates.length > 0, 5000, 'the sampleRate event');
    expect(rates).toEqual([server.sampleRate]);
    expect(c.active).toBe(false);

    // Activation is followed by a graphOrder notification; everything the
    // activation caused has been delivered by then.
    const graph = waitForEvent(c, 'graphOrder');
    c.activate();
    await graph;
    expect(rates).toEqual([server.sampleRate]);
    await c.close();
  });

  it('emits blockSize when the block size is changed', async () => {
    const other = await open('evbs');
    const original = watcher.blockSize;
    expect(original).toBe(server.period);
    const target = original * 2;
    try {
      const ev = waitForEvent<[number]>(watcher, 'blockSize');
      other.blockSize = target;
      expect(await ev).toEqual([target]);
      expect(watcher.blockSize).toBe(target);
      expect(other.blockSize).toBe(target);
    } finally {
      const back = waitForEvent<[number]>(watcher, 'blockSize', (n) => n === original);
      other.blockSize = original;
      await back;
    }
    expect(watcher.blockSize).toBe(original);
    await other.close();
  });

  it('emits freewheel true then false', async () => {
    const other = await open('evfw');
    other.activate();
    try {
      const on = waitForEvent<[boolean]>(watcher, 'freewheel');
      other.setFreewheel(true);
      expect(await on).toEqual([true]);
    } finally {
      // Freewheel must be off before any client closes (jackd2 issue #1006).
      const off = waitForEvent<[boolean]>(watcher, 'freewheel', (s) => s === false);
      other.setFreewheel(false);
      expect(await off).toEqual([false]);
    }
    await other.close();
  });

  it('emits shutdown with a Status and reason when the server stops, then methods throw SERVER_GONE', async () => {
    // Rationale: jackd2's libjack maps one server's shared memory per process
    // (JackLibGlobals), so a client on a second server must live in another
    // process while this one has clients open on the file's server.
    const second = await startServer('evshut');
    const name = uniqueName('evshut');
    const child = runChild(
      `const c = await JW.Client.open(process.env.JW_NAME, { serverName: process.env.JW_SERVER });
       const out = c.outports.register('out');
       c.activate();
       const shut = new Promise((r) => c.on('shutdown', (...a) => r(a)));
       const keepAlive = setInterval(() => {}, 1000); // open clients do not keep Node running
       process.stdout.write('ready\\n');
       const [status, reason] = await shut;
       clearInterval(keepAlive);
       const attempt = (f) => { try { f(); return 'no error'; } catch (e) { return { cls: e.constructor.name, isJackError: e instanceof JW.JackError, code: e.code, message: e.message }; } };
       const errors = {
         sampleRate: attempt(() => c.sampleRate),
         blockSize: attempt(() => c.blockSize),
         getPorts: attempt(() => c.getPorts()),
         activate: attempt(() => c.activate()),
         connect: attempt(() => c.connect(out, 'system:playback_1')),
         shortName: attempt(() => out.shortName),
         connections: attempt(() => out.connections),
       };
       const portName = out.name;
       await c.close();
       const afterClose = attempt(() => c.sampleRate);
       process.stdout.write('\\n' + JSON.stringify({
         isStatus: status instanceof JW.Status, failure: status.failure, reason, errors, portName, closed: c.closed, afterClose,
       }));`,
      { JW_NAME: name, JW_SERVER: second.name },
    );
    try {
      await until(() => child.stdout.join('').includes('ready') || child.proc.exitCode !== null, 10000, 'the child client');
      await second.stop();
      expect(second.running).toBe(false);
      expect(await child.exited, `the child ended with signal ${String(child.proc.signalCode)}; stderr: ${child.stderr.join('')}`).toBe(0);
      const out = JSON.parse(child.stdout.join('').trim().split('\n').pop() ?? '') as {
        isStatus: boolean;
        failure: boolean;
        reason: unknown;
        errors: Record<string, { cls: string; isJackError: boolean; code: string; message: string } | string>;
        portName: string;
        closed: boolean;
        afterClose: { code: string } | string;
      };
      expect(out.isStatus).toBe(true);
      expect(out.failure).toBe(true);
      expect(typeof out.reason).toBe('string');
      expect(out.reason).toMatch(/closed/i);
      for (const [what, err] of Object.entries(out.errors)) {
        expect(err, what).toMatchObject({ isJackError: true, code: 'SERVER_GONE' });
        expect(typeof err === 'object' && err.message, what).toContain(name);
      }
      // The port still knows its name.
      expect(out.portName).toBe(`${name}:out`);
      // close() resolved; the client is closed afterwards.
      expect(out.closed).toBe(true);
      expect(out.afterClose).toMatchObject({ code: 'CLIENT_CLOSED' });
    } finally {
      if (child.proc.exitCode === null) {
        child.proc.kill('SIGKILL');
        await child.exited;
      }
      await second.stop();
      // jackd2 leaves the semaphore file of a client that was still connected
      // when the server stopped (see server.test.ts); remove it for this dead server.
      removeShmFilesOf(second.name);
    }
  });

  it('keeps delivering events after a listener throws', async () => {
    // A throwing listener surfaces as an uncaught exception; run it in a child
    // so the exception can be observed without failing this test run.
    const child = runChild(
      `const errors = [];
       process.on('uncaughtException', (e) => errors.push(e.message));
       const opts = { serverName: process.env.JW_SERVER };
       const w = await JW.Client.open(process.env.JW_NAME + '-w', opts);
       w.activate();
       let calls = 0;
       w.on('clientRegistration', (name, reg) => { if (reg) { calls++; throw new Error('boom ' + name); } });
       const wait = async (n) => { for (let i = 0; i < 500 && calls < n; i++) await new Promise((r) => setTimeout(r, 10)); };
       const a = await JW.Client.open(process.env.JW_NAME + '-a', opts);
       await wait(1);
       const b = await JW.Client.open(process.env.JW_NAME + '-b', opts);
       await wait(2);
       const rate = w.sampleRate;
       await a.close(); await b.close(); await w.close();
       process.stdout.write(JSON.stringify({ calls, errors, rate }));`,
      { JW_NAME: uniqueName('evthrow'), JW_SERVER: server.name },
    );
    try {
      const code = await child.exited;
      expect(child.stderr.join('')).toBe('');
      expect(code).toBe(0);
      const out = JSON.parse(child.stdout.join('')) as { calls: number; errors: string[]; rate: number };
      expect(out.calls).toBe(2);
      expect(out.errors).toHaveLength(2);
      expect(out.errors[0]).toMatch(/^boom evthrow-.*-a$/);
      expect(out.errors[1]).toMatch(/^boom evthrow-.*-b$/);
      expect(out.rate).toBe(server.sampleRate);
    } finally {
      if (child.proc.exitCode === null) {
        child.proc.kill('SIGKILL');
        await child.exited;
      }
    }
  });
});
