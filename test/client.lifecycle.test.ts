import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, JackError, JackOpenError, Port, Server, Status } from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { errorOf } from './helpers/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distIndex = join(root, 'dist', 'host', 'index.js');

let server: Server;
let watcher: Client;
const clients: Client[] = [];

/** Opens a client on this file's server and remembers it for cleanup. */
async function open(tag = 'lc', options: Parameters<typeof Client.open>[1] = {}): Promise<Client> {
  const c = await Client.open(uniqueName(tag), { serverName: server.name, ...options });
  clients.push(c);
  return c;
}

function clientExists(name: string): boolean {
  try {
    watcher.getUuidForClientName(name);
    return true;
  } catch (err) {
    if (err instanceof JackError && err.code === 'NO_SUCH_CLIENT') return false;
    throw err;
  }
}

beforeAll(async () => {
  server = await startServer('lifecycle');
  watcher = await Client.open(uniqueName('lc-watch'), { serverName: server.name });
  watcher.activate();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await watcher?.close();
  await server?.stop();
});

describe('Client.open', () => {
  it('opens a client with the requested name and the server settings', async () => {
    const name = uniqueName('lc-open');
    const c = await Client.open(name, { serverName: server.name });
    clients.push(c);
    expect(c.name).toBe(name);
    expect(c.serverName).toBe(server.name);
    expect(c.closed).toBe(false);
    expect(c.sampleRate).toBe(48000);
    expect(c.sampleRate).toBe(server.sampleRate);
    expect(c.blockSize).toBe(server.period);
    expect(c.blockSize).toBe(256);
    expect(typeof c.realtime).toBe('boolean');
  });

  it('reports the UUID as a decimal string that the server knows the client by', async () => {
    const c = await open();
    expect(c.uuid).toMatch(/^[1-9]\d*$/);
    expect(watcher.getUuidForClientName(c.name)).toBe(c.uuid);
    expect(watcher.getClientNameByUuid(c.uuid)).toBe(c.name);
    expect(c.uuid).not.toBe(watcher.uuid);
  });

  it('reports a clean open as status bits that are all false', async () => {
    const c = await open();
    expect(c.status).toBeInstanceOf(Status);
    expect(c.status.value).toBe(0);
    for (const bit of [
      'failure', 'invalidOption', 'nameNotUnique', 'serverStarted', 'serverFailed', 'serverError', 'noSuchClient',
      'loadFailure', 'initFailure', 'shmFailure', 'versionError', 'backendError', 'clientZombie',
    ] as const) {
      expect(c.status[bit], bit).toBe(false);
    }
    expect(c.status.describe()).toEqual([]);
  });

  it('lets JACK pick a new unique name when the name is taken', async () => {
    const first = await open('lc-dup');
    const second = await Client.open(first.name, { serverName: server.name });
    clients.push(second);
    // JACK appends "-NN" to make the name unique.
    expect(second.name).toBe(`${first.name}-01`);
    expect(second.status.nameNotUnique).toBe(true);
    expect(second.status.failure).toBe(false);
    expect(watcher.getUuidForClientName(second.name)).toBe(second.uuid);
    expect(second.uuid).not.toBe(first.uuid);
  });

  it('rejects a taken name with useExactName', async () => {
    const first = await open('lc-exact');
    const err = await Client.open(first.name, { serverName: server.name, useExactName: true }).then(
      () => {
        throw new Error('open with a taken exact name succeeded');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JackOpenError);
    const openErr = err as JackOpenError;
    expect(openErr.code).toBe('OPEN_FAILED');
    expect(openErr.clientName).toBe(first.name);
    expect(openErr.message).toContain(`"${first.name}"`);
    expect(openErr.message).toContain(`"${server.name}"`);
    expect(openErr.status.failure).toBe(true);
    // What jackd2 1.9.21 actually reports: jack_client_open_aux() overwrites the
    // status with JackFailure|JackServerError on this path, so the
    // JackNameNotUnique bit the server set is lost.
    expect(openErr.status.serverError).toBe(true);
    expect(openErr.jackCode).toBe(openErr.status.value);
    // The client that holds the name is untouched.
    expect(watcher.getUuidForClientName(first.name)).toBe(first.uuid);
    expect(clientExists(`${first.name}-01`)).toBe(false);
  });

  it('fails with serverFailed and names the server when the server does not exist', async () => {
    const missing = `nosuchserver-${process.pid}`;
    const name = uniqueName('lc-nosrv');
    const err = await Client.open(name, { serverName: missing }).then(
      () => {
        throw new Error('open against a missing server succeeded');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JackOpenError);
    const openErr = err as JackOpenError;
    expect(openErr.code).toBe('OPEN_FAILED');
    expect(openErr.status.serverFailed).toBe(true);
    expect(openErr.status.failure).toBe(true);
    expect(openErr.clientName).toBe(name);
    expect(openErr.message).toContain(`"${missing}"`);
    expect(openErr.message).toContain(`"${name}"`);
  });
});

describe('activation', () => {
  it('is inactive after open, active after activate() and inactive after deactivate()', async () => {
    const c = await open();
    expect(c.active).toBe(false);
    c.activate();
    expect(c.active).toBe(true);
    c.deactivate();
    expect(c.active).toBe(false);
    c.activate();
    expect(c.active).toBe(true);
  });

  it('can connect its ports only while active', async () => {
    const c = await open();
    const out = c.outports.register('out');
    expect(() => c.connect(out, 'system:playback_1')).toThrow(
      expect.objectContaining({ code: 'JACK_FAILED', message: expect.stringContaining('activate') }),
    );
    c.activate();
    expect(c.connect(out, 'system:playback_1')).toBe(true);
    expect(out.isConnectedTo('system:playback_1')).toBe(true);
  });
});

describe('close', () => {
  it('removes the client from the server', async () => {
    const c = await open();
    const name = c.name;
    const gone = waitForEvent<[string, boolean]>(watcher, 'clientRegistration', (n, reg) => n === name && !reg);
    await c.close();
    await gone;
    expect(c.closed).toBe(true);
    expect(clientExists(name)).toBe(false);
  });

  it('can be called twice', async () => {
    const c = await open();
    c.outports.register('out');
    const first = c.close();
    const second = c.close();
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    await expect(c.close()).resolves.toBeUndefined();
    expect(c.closed).toBe(true);
    expect(clientExists(c.name)).toBe(false);
  });

  it('makes every client method and property throw CLIENT_CLOSED', async () => {
    const c = await open();
    c.outports.register('out');
    const uuid = c.uuid;
    await c.close();
    const calls: [string, () => unknown][] = [
      ['uuid', () => c.uuid],
      ['sampleRate', () => c.sampleRate],
      ['blockSize', () => c.blockSize],
      ['blockSize =', () => (c.blockSize = 512)],
      ['realtime', () => c.realtime],
      ['framesSinceCycleStart', () => c.framesSinceCycleStart],
      ['frameTime', () => c.frameTime],
      ['lastFrameTime', () => c.lastFrameTime],
      ['cpuLoad', () => c.cpuLoad()],
      ['activate', () => c.activate()],
      ['deactivate', () => c.deactivate()],
      ['owns', () => c.owns('system:capture_1')],
      ['getPorts', () => c.getPorts()],
      ['getPortByName', () => c.getPortByName('system:capture_1')],
      ['getAllConnections', () => c.getAllConnections('system:capture_1')],
      ['connect', () => c.connect('system:capture_1', 'system:playback_1')],
      ['disconnect', () => c.disconnect('system:capture_1', 'system:playback_1')],
      ['transportStart', () => c.transportStart()],
      ['transportStop', () => c.transportStop()],
      ['transportQuery', () => c.transportQuery()],
      ['transportState', () => c.transportState],
      ['transportFrame', () => c.transportFrame],
      ['transportFrame =', () => (c.transportFrame = 0)],
      ['setSyncTimeout', () => c.setSyncTimeout(1000)],
      ['framesToTime', () => c.framesToTime(0)],
      ['timeToFrames', () => c.timeToFrames(0)],
      ['getCycleTimes', () => c.getCycleTimes()],
      ['setFreewheel', () => c.setFreewheel(false)],
      ['setProperty', () => c.setProperty(uuid, 'urn:jwtest:k', 'v')],
      ['removeProperty', () => c.removeProperty(uuid, 'urn:jwtest:k')],
      ['removeProperties', () => c.removeProperties(uuid)],
      ['getUuidForClientName', () => c.getUuidForClientName(watcher.name)],
      ['getClientNameByUuid', () => c.getClientNameByUuid(uuid)],
      ['setTimebase', () => c.setTimebase()],
      ['setSyncHandler', () => c.setSyncHandler(null)],
      ['inports.register', () => c.inports.register('in2')],
      ['outports.register', () => c.outports.register('out2')],
      ['midiInports.register', () => c.midiInports.register('min')],
      ['midiOutports.register', () => c.midiOutports.register('mout')],
    ];
    for (const [what, fn] of calls) {
      const err = errorOf(fn, what);
      expect(err.code, what).toBe('CLIENT_CLOSED');
      expect(err.message, what).toContain(`"${c.name}"`);
    }
  });

  it("makes the port lists' get() and clear() throw CLIENT_CLOSED", async () => {
    const c = await open();
    c.outports.register('out');
    c.midiInports.register('min');
    await c.close();
    // close() documents that "every later call throws CLIENT_CLOSED"; a lookup
    // on a closed client must not quietly answer "no such port".
    const outcome = (fn: () => unknown): string => {
      try {
        fn();
        return 'returned';
      } catch (err) {
        return err instanceof JackError ? err.code : String(err);
      }
    };
    expect.soft(outcome(() => c.outports.get('out')), 'outports.get').toBe('CLIENT_CLOSED');
    expect.soft(outcome(() => c.midiInports.get(`${c.name}:min`)), 'midiInports.get').toBe('CLIENT_CLOSED');
    expect.soft(outcome(() => c.outports.clear()), 'outports.clear').toBe('CLIENT_CLOSED');
  });

  it("makes every method of the client's ports throw CLIENT_CLOSED", async () => {
    const c = await open();
    const out = c.outports.register('out', { canMonitor: true });
    const inp = c.inports.register('in');
    const mout = c.midiOutports.register('mout');
    const foreign = c.getPortByName('system:capture_1');
    expect(foreign).toBeInstanceOf(Port);
    await c.close();
    const calls: [string, () => unknown][] = [];
    for (const [label, p] of [['out', out], ['in', inp], ['mout', mout]] as const) {
      calls.push(
        [`${label}.shortName`, () => p.shortName],
        [`${label}.shortName =`, () => (p.shortName = 'renamed')],
        [`${label}.aliases`, () => p.aliases],
        [`${label}.setAlias`, () => p.setAlias('alias')],
        [`${label}.unsetAlias`, () => p.unsetAlias('alias')],
        [`${label}.uuid`, () => p.uuid],
        [`${label}.type`, () => p.type],
        [`${label}.isAudio`, () => p.isAudio],
        [`${label}.isMidi`, () => p.isMidi],
        [`${label}.isInput`, () => p.isInput],
        [`${label}.isOutput`, () => p.isOutput],
        [`${label}.isPhysical`, () => p.isPhysical],
        [`${label}.isTerminal`, () => p.isTerminal],
        [`${label}.canMonitor`, () => p.canMonitor],
        [`${label}.isMonitoring`, () => p.isMonitoring],
        [`${label}.requestMonitor`, () => p.requestMonitor(true)],
        [`${label}.getLatencyRange`, () => p.getLatencyRange('playback')],
        [`${label}.setLatencyRange`, () => p.setLatencyRange('playback', { min: 1, max: 2 })],
        [`${label}.connect`, () => p.connect('system:playback_1')],
        [`${label}.disconnect()`, () => p.disconnect()],
        [`${label}.disconnect(x)`, () => p.disconnect('system:playback_1')],
        [`${label}.isConnectedTo`, () => p.isConnectedTo('system:playback_1')],
        [`${label}.connections`, () => p.connections],
        [`${label}.numberOfConnections`, () => p.numberOfConnections],
        [`${label}.unregister`, () => p.unregister()],
      );
    }
    calls.push(
      ['foreign.shortName', () => foreign.shortName],
      ['foreign.isOutput', () => foreign.isOutput],
      ['foreign.type', () => foreign.type],
      ['foreign.aliases', () => foreign.aliases],
      ['foreign.getLatencyRange', () => foreign.getLatencyRange('capture')],
    );
    for (const [what, fn] of calls) {
      expect(errorOf(fn, what).code, what).toBe('CLIENT_CLOSED');
    }
  });

  it('keeps name and closed readable after close', async () => {
    const c = await open();
    const name = c.name;
    const out = c.outports.register('out');
    await c.close();
    expect(c.name).toBe(name);
    expect(c.closed).toBe(true);
    expect(c.active).toBe(false);
    expect(out.name).toBe(`${name}:out`);
  });

  it('closes the client at the end of an `await using` block', async () => {
    const name = uniqueName('lc-using');
    let seen: Client | undefined;
    {
      await using c = await Client.open(name, { serverName: server.name });
      seen = c;
      c.outports.register('out');
      c.activate();
      expect(clientExists(name)).toBe(true);
      expect(c.closed).toBe(false);
    }
    expect(seen?.closed).toBe(true);
    await until(() => !clientExists(name), 10000, `client ${name} to leave the server`);
    expect(watcher.getPorts({ namePattern: `^${name}:` })).toEqual([]);
  });
});

describe('process exit', () => {
  it('lets a process that never closes its client exit by itself, and the client leaves the server', async () => {
    const name = uniqueName('lc-child');
    const registered: string[] = [];
    const unregistered: string[] = [];
    const portsSeen: string[] = [];
    const onClient = (n: string, reg: boolean) => {
      if (n === name) (reg ? registered : unregistered).push(n);
    };
    const onPort = (p: Port, reg: boolean) => {
      if (reg && p.name.startsWith(`${name}:`)) portsSeen.push(p.name);
    };
    watcher.on('clientRegistration', onClient);
    watcher.on('portRegistration', onPort);
    const code = `
      import { Client } from ${JSON.stringify(distIndex)};
      const c = await Client.open(process.env.JW_CLIENT, { serverName: process.env.JW_SERVER });
      c.outports.register('out');
      c.activate();
      console.log('ready ' + c.name);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, JW_CLIENT: name, JW_SERVER: server.name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`child process did not exit within 15 s; output:\n${output}`));
      }, 15000);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
    try {
      expect(exit, output).toEqual({ code: 0, signal: null });
      expect(output).toContain(`ready ${name}`);
      await until(() => registered.length > 0 && portsSeen.length > 0 && unregistered.length > 0, 5000, 'the child client to come and go');
      expect(portsSeen).toEqual([`${name}:out`]);
      await until(() => !clientExists(name), 5000, 'the child client to leave the server');
      expect(watcher.getPorts({ namePattern: `^${name}:` })).toEqual([]);
    } finally {
      watcher.off('clientRegistration', onClient);
      watcher.off('portRegistration', onPort);
    }
  });
});
