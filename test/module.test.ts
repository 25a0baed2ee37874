/**
 * Module-level functions: version, name size limits, clientPid, JACK's error
 * and info message routing, transport constants and the error classes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  JackError,
  JackOpenError,
  Server,
  Status,
  TransportState,
  clientNameSize,
  clientPid,
  maxPortNameBytes,
  portNameSize,
  setErrorFunction,
  setInfoFunction,
  transportStateName,
  version,
  versionString,
} from '../host/index.js';
import { removeServerLeftovers, serverPrefix, startServer, uniqueName, until } from './helpers/jack.js';
import { killChild, runChild } from './helpers/child.js';

/** A name of exactly `bytes` bytes that starts with a unique prefix. */
function nameOfBytes(tag: string, bytes: number, pad = 'x'): string {
  const base = `${uniqueName(tag)}-`;
  const padBytes = Buffer.byteLength(pad);
  const n = Math.floor((bytes - Buffer.byteLength(base)) / padBytes);
  const name = base + pad.repeat(n) + 'y'.repeat(bytes - Buffer.byteLength(base) - n * padBytes);
  expect(Buffer.byteLength(name)).toBe(bytes);
  return name;
}

let server: Server;
const opened: Client[] = [];

async function open(name: string): Promise<Client> {
  const c = await Client.open(name, { serverName: server.name });
  opened.push(c);
  return c;
}

beforeAll(async () => {
  server = await startServer('module');
});

afterAll(async () => {
  setErrorFunction();
  setInfoFunction();
  for (const c of opened) await c.close();
  await server?.stop();
});

describe('version', () => {
  it('reports the numbers of versionString(), which is the installed jackd2 version', () => {
    const s = versionString();
    expect(s).toMatch(/^1\.9\.\d+/);
    const [major, minor, micro] = s.split(/[.\s-]/).map(Number);
    const v = version();
    expect({ major: v.major, minor: v.minor, micro: v.micro }).toEqual({ major, minor, micro });
    expect(Number.isInteger(v.protocol)).toBe(true);
    // The jackd binary reports the same version ("jackdmp version 1.9.21 tmpdir ...").
    const jackd = execFileSync('jackd', ['--version'], { encoding: 'utf8' });
    expect(jackd).toContain(`version ${s}`);
  });
});

describe('name sizes', () => {
  it('reports jackd2 sizes that include the terminating NUL', () => {
    expect(Number.isInteger(clientNameSize())).toBe(true);
    expect(Number.isInteger(portNameSize())).toBe(true);
    expect(portNameSize()).toBeGreaterThan(clientNameSize());
    expect(maxPortNameBytes()).toBeLessThanOrEqual(portNameSize() - 1);
  });

  it('opens a client whose name is the longest jackd2 accepts (clientNameSize() - 2 bytes)', async () => {
    // jackd2's JackLibClient::Open refuses strlen(name) >= JACK_CLIENT_NAME_SIZE
    // (64), while jack_client_name_size() returns JACK_CLIENT_NAME_SIZE + 1.
    const name = nameOfBytes('modname', clientNameSize() - 2);
    const c = await open(name);
    expect(c.name).toBe(name);
    expect(c.getUuidForClientName(name)).toBe(c.uuid);
  });

  it('throws NAME_TOO_LONG, not a server error, for a name one byte longer than jackd2 accepts', async () => {
    const name = nameOfBytes('modname', clientNameSize() - 1);
    let err: unknown;
    setErrorFunction(() => {}); // jackd2 logs its refusal; keep it off stderr
    try {
      opened.push(await Client.open(name, { serverName: server.name }));
    } catch (e) {
      err = e;
    } finally {
      setErrorFunction();
    }
    expect(err).toBeInstanceOf(JackError);
    expect((err as JackError).code).toBe('NAME_TOO_LONG');
    expect((err as JackError).message).toContain(name);
  });

  it('throws NAME_TOO_LONG for a clientNameSize()-byte name, counting UTF-8 bytes', async () => {
    // 'é' is two bytes: the name has fewer characters than bytes.
    const name = nameOfBytes('modutf', clientNameSize(), 'é');
    expect(name.length).toBeLessThan(clientNameSize());
    await expect(Client.open(name, { serverName: server.name })).rejects.toThrow(
      expect.objectContaining({ code: 'NAME_TOO_LONG', message: expect.stringContaining(name) }),
    );
  });

  it('registers a port whose full name has maxPortNameBytes() bytes under exactly that name, and refuses one byte more', async () => {
    const c = await open(uniqueName('modport'));
    const short = 'p'.repeat(maxPortNameBytes() - Buffer.byteLength(c.name) - 1);
    const p = c.outports.register(short);
    expect(p.name).toBe(`${c.name}:${short}`);
    expect(Buffer.byteLength(p.name)).toBe(maxPortNameBytes());
    expect(c.getPortByName(p.name).equals(p)).toBe(true);
    expect(() => c.outports.register(`${short}q`)).toThrow(
      expect.objectContaining({ code: 'NAME_TOO_LONG', message: expect.stringContaining(`${c.name}:`) }),
    );
  });
});

describe('clientPid', () => {
  it('returns this process id for a client opened here, and undefined once it is closed', async () => {
    const c = await Client.open(uniqueName('modpid'), { serverName: server.name });
    expect(clientPid(c.name)).toBe(process.pid);
    await c.close();
    expect(clientPid(c.name)).toBeUndefined();
  });

  it("returns the child's pid for a client opened by a child process", async () => {
    const name = uniqueName('modpidchild');
    const child = runChild(
      `const c = await JW.Client.open(process.env.JW_NAME, { serverName: process.env.JW_SERVER });
       process.stdout.write('ready\\n');
       process.stdin.once('data', async () => { await c.close(); process.exit(0); });`,
      { JW_NAME: name, JW_SERVER: server.name },
    );
    try {
      await until(() => child.stdout.join('').includes('ready') || child.proc.exitCode !== null, 10000, 'the child client');
      expect(child.stderr.join('')).toBe('');
      expect(child.proc.pid).toBeDefined();
      expect(clientPid(name)).toBe(child.proc.pid);
      child.proc.stdin?.write('close\n');
      expect(await child.exited, `the child ended with signal ${String(child.proc.signalCode)}; stderr: ${child.stderr.join('')}`).toBe(0);
    } finally {
      await killChild(child);
    }
  });

  it('returns undefined for a name no client has', () => {
    expect(clientPid(`no-such-client-${process.pid}`)).toBeUndefined();
  });
});

describe('setErrorFunction', () => {
  it("receives JACK's error messages for a failing open, and stops receiving them once reset", async () => {
    const missing = `jwtest-missing-${process.pid}`;
    const first: string[] = [];
    setErrorFunction((m) => first.push(m));
    try {
      await expect(Client.open(uniqueName('moderr'), { serverName: missing })).rejects.toBeInstanceOf(JackOpenError);
      await until(() => first.some((m) => /server is not running/.test(m)), 5000, 'the error message');
      expect(first.every((m) => typeof m === 'string')).toBe(true);
      expect(first.some((m) => /Cannot connect to server/.test(m))).toBe(true);

      // Reset to the default (stderr): the old function hears nothing more.
      setErrorFunction();
      const count = first.length;
      await expect(Client.open(uniqueName('moderr'), { serverName: missing })).rejects.toBeInstanceOf(JackOpenError);
      // A new function receives the next failure's messages; by then any
      // message routed to the old one would have arrived.
      const second: string[] = [];
      setErrorFunction((m) => second.push(m));
      await expect(Client.open(uniqueName('moderr'), { serverName: missing })).rejects.toBeInstanceOf(JackOpenError);
      await until(() => second.some((m) => /server is not running/.test(m)), 5000, 'the error message');
      expect(first).toHaveLength(count);
    } finally {
      setErrorFunction();
    }
  });

  it('rejects a non-function with INVALID_ARGUMENT', () => {
    expect(() => setErrorFunction('nope' as unknown as () => void)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => setInfoFunction(42 as unknown as () => void)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('setInfoFunction', () => {
  it("receives JACK's info messages, and after a reset they go to stderr again", async () => {
    // libjack's client side only emits info messages (its jack_log trace) when
    // the server runs verbose (jackd -v); that switches the whole process to
    // verbose, so this runs in a child process with its own verbose server.
    const serverName = `${serverPrefix()}verbose-${uniqueName('s')}`;
    const a = uniqueName('modinfoa');
    const b = uniqueName('modinfob');
    const child = runChild(
      `const server = await JW.Server.start({ name: process.env.JW_SERVER, serverArgs: ['-v'] });
       const got = [];
       try {
         JW.setInfoFunction((m) => got.push(m));
         const ca = await JW.Client.open(process.env.JW_A, { serverName: server.name });
         for (let i = 0; i < 500 && !got.some((m) => m.includes(process.env.JW_A)); i++) await new Promise((r) => setTimeout(r, 10));
         JW.setInfoFunction();
         const cb = await JW.Client.open(process.env.JW_B, { serverName: server.name });
         await cb.close();
         await ca.close();
       } finally {
         await server.stop();
       }
       process.stdout.write('\\n@@result@@' + JSON.stringify(got));`,
      { JW_SERVER: serverName, JW_A: a, JW_B: b },
    );
    try {
      const code = await child.exited;
      expect(code, `child exited ${code}; stderr tail:\n${child.stderr.join('').slice(-1500)}`).toBe(0);
      // (libjack's own default info output goes to stdout, before the marker.)
      const got = JSON.parse(child.stdout.join('').split('@@result@@')[1] ?? '') as string[];
      expect(got.some((m) => m.includes(`JackLibClient::Open name = ${a}`))).toBe(true);
      expect(got.some((m) => m.includes(b))).toBe(false);
      const stderr = child.stderr.join('');
      expect(stderr).toContain(`JackLibClient::Open name = ${b}`);
      expect(stderr).not.toContain(`JackLibClient::Open name = ${a}`);
    } finally {
      await killChild(child);
      removeServerLeftovers(serverName);
    }
  });
});

describe('setErrorFunction reset', () => {
  it('sends error messages to stderr again after setErrorFunction()', async () => {
    const child = runChild(
      `const got = [];
       JW.setErrorFunction((m) => got.push(m));
       await JW.Client.open('a-' + process.pid, { serverName: process.env.JW_MISSING }).catch(() => {});
       for (let i = 0; i < 500 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
       process.stderr.write('--- reset ---\\n');
       JW.setErrorFunction();
       await JW.Client.open('b-' + process.pid, { serverName: process.env.JW_MISSING }).catch(() => {});
       process.stdout.write(JSON.stringify(got));`,
      { JW_MISSING: `jwtest-missing-${process.pid}` },
    );
    try {
      // (The exit status is checked by 'exits cleanly after failed opens'.)
      await child.exited;
      const got = JSON.parse(child.stdout.join('')) as string[];
      expect(got.some((m) => /server is not running/.test(m))).toBe(true);
      const [before, after] = child.stderr.join('').split('--- reset ---\n');
      expect(before).not.toMatch(/server is not running/);
      expect(after).toMatch(/server is not running/);
    } finally {
      await killChild(child);
    }
  });
});

describe('TransportState', () => {
  it("matches jack_transport_state_t in JACK's header", () => {
    const header = readFileSync('/usr/include/jack/types.h', 'utf8');
    const value = (name: string) => Number(new RegExp(`\\b${name}\\s*=\\s*(\\d+)`).exec(header)?.[1]);
    expect(TransportState).toEqual({
      STOPPED: value('JackTransportStopped'),
      ROLLING: value('JackTransportRolling'),
      LOOPING: value('JackTransportLooping'),
      STARTING: value('JackTransportStarting'),
      NETSTARTING: value('JackTransportNetStarting'),
    });
    expect(transportStateName(TransportState.STOPPED)).toBe('stopped');
    expect(transportStateName(TransportState.ROLLING)).toBe('rolling');
    expect(transportStateName(TransportState.LOOPING)).toBe('looping');
    expect(transportStateName(TransportState.STARTING)).toBe('starting');
    expect(transportStateName(TransportState.NETSTARTING)).toBe('netstarting');
  });

  it('names the state the transport is really in', async () => {
    const c = await open(uniqueName('modtransport'));
    c.activate();
    try {
      c.transportStart();
      await until(() => c.transportState === transportStateName(TransportState.ROLLING), 5000, 'rolling');
    } finally {
      c.transportStop();
    }
    await until(() => c.transportState === transportStateName(TransportState.STOPPED), 5000, 'stopped');
  });
});

describe('error classes', () => {
  it('JackOpenError is a JackError and an Error with code OPEN_FAILED and the status bits', async () => {
    const missing = `jwtest-missing-${process.pid}`;
    const name = uniqueName('moderrcls');
    setErrorFunction(() => {}); // keep JACK's messages for this expected failure off stderr
    let err: unknown;
    try {
      await Client.open(name, { serverName: missing });
    } catch (e) {
      err = e;
    } finally {
      setErrorFunction();
    }
    expect(err).toBeInstanceOf(JackOpenError);
    expect(err).toBeInstanceOf(JackError);
    expect(err).toBeInstanceOf(Error);
    const e = err as JackOpenError;
    expect(e.name).toBe('JackOpenError');
    expect(e.code).toBe('OPEN_FAILED');
    expect(e.clientName).toBe(name);
    expect(e.status).toBeInstanceOf(Status);
    expect(e.status.failure).toBe(true);
    expect(e.status.serverFailed).toBe(true);
    expect(e.jackCode).toBe(e.status.value);
    expect(e.message).toContain(name);
    expect(e.message).toContain(missing);
    expect(e.stack).toContain('JackOpenError');
  });

  it('a process whose Client.open calls failed exits cleanly', async () => {
    const child = runChild(
      `JW.setErrorFunction(() => {});
       for (const n of ['a', 'b']) {
         await JW.Client.open(n + '-' + process.pid, { serverName: process.env.JW_MISSING }).then(
           () => process.stdout.write('opened?!'),
           (e) => process.stdout.write(e.code + ' '),
         );
       }`,
      { JW_MISSING: `jwtest-missing-${process.pid}` },
    );
    try {
      const code = await child.exited;
      expect(child.stdout.join('')).toBe('OPEN_FAILED OPEN_FAILED ');
      expect({ code, signal: child.proc.signalCode }).toEqual({ code: 0, signal: null });
    } finally {
      await killChild(child);
    }
  });

  it('JackError is an Error with a code, and is what argument errors throw', async () => {
    let err: unknown;
    try {
      await Client.open('bad:name', { serverName: server.name });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JackError);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(JackOpenError);
    const e = err as JackError;
    expect(e.name).toBe('JackError');
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('bad:name');
    expect(e.jackCode).toBeUndefined();
    const direct = new JackError('NO_SUCH_PORT', 'no port named "x:y"');
    expect(direct).toBeInstanceOf(Error);
    expect(direct.code).toBe('NO_SUCH_PORT');
    expect(direct.message).toBe('no port named "x:y"');
  });
});
