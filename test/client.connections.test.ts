import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, JackError, OwnPort, Port, Server, type PortFilter } from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';

let server: Server;
/** The client under test. Ports: out (audio), in (audio, canMonitor), mout (MIDI, terminal), min (MIDI, physical). */
let a: Client;
/** A second client. Ports: bout, bin (audio). */
let b: Client;
let out: OwnPort;
let inp: OwnPort;
let mout: OwnPort;
let min: OwnPort;
let bout: OwnPort;
let bin: OwnPort;

const CAP1 = 'system:capture_1';
const CAP2 = 'system:capture_2';
const PB1 = 'system:playback_1';
const PB2 = 'system:playback_2';

const names = (ports: Port[]) => ports.map((p) => p.name).sort();

/** Runs `fn`, expecting a JackError with `code` whose message contains every `mentions`. */
function expectJackError(fn: () => unknown, code: string, ...mentions: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(JackError);
  expect((err as JackError).code).toBe(code);
  for (const m of mentions) expect((err as JackError).message).toContain(m);
}

beforeAll(async () => {
  server = await startServer('conn');
  a = await Client.open(uniqueName('conn-a'), { serverName: server.name });
  b = await Client.open(uniqueName('conn-b'), { serverName: server.name });
  out = a.outports.register('out');
  inp = a.inports.register('in', { canMonitor: true });
  mout = a.midiOutports.register('mout', { isTerminal: true });
  min = a.midiInports.register('min', { isPhysical: true });
  bout = b.outports.register('bout');
  bin = b.inports.register('bin');
  a.activate();
  b.activate();
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.stop();
});

describe('connect and disconnect', () => {
  it('connects by name and returns false when the connection already exists', () => {
    expect(a.connect(out.name, PB1)).toBe(true);
    expect(a.connect(out.name, PB1)).toBe(false);
    expect(a.connect(out, a.getPortByName(PB1))).toBe(false);
    expect(out.isConnectedTo(PB1)).toBe(true);
    expect(out.numberOfConnections).toBe(1);
    expect(a.getAllConnections(PB1).map((p) => p.name)).toEqual([out.name]);
    expect(a.disconnect(out.name, PB1)).toBe(true);
    expect(a.disconnect(out.name, PB1)).toBe(false);
    expect(out.isConnectedTo(PB1)).toBe(false);
    expect(out.numberOfConnections).toBe(0);
    expect(a.getAllConnections(PB1)).toEqual([]);
  });

  it('connects and disconnects Port objects', () => {
    const pb2 = a.getPortByName(PB2);
    expect(a.connect(out, pb2)).toBe(true);
    expect(out.isConnectedTo(pb2)).toBe(true);
    expect(a.connect(out.name, PB2)).toBe(false);
    expect(a.disconnect(out, pb2)).toBe(true);
    expect(a.disconnect(out, pb2)).toBe(false);
    expect(out.isConnectedTo(pb2)).toBe(false);
  });

  it('tells other clients about a new connection', async () => {
    const event = waitForEvent<[Port, Port, boolean]>(b, 'portConnect', (x, y, on) => on && x.name === out.name && y.name === PB1);
    a.connect(out, PB1);
    const [src, dst] = await event;
    expect([src.name, dst.name]).toEqual([out.name, PB1]);
    const off = waitForEvent<[Port, Port, boolean]>(b, 'portConnect', (x, y, on) => !on && x.name === out.name && y.name === PB1);
    a.disconnect(out, PB1);
    await off;
  });

  it('connects MIDI ports', () => {
    expect(a.connect(mout, min)).toBe(true);
    expect(min.connections.map((p) => p.name)).toEqual([mout.name]);
    expect(mout.isConnectedTo(min)).toBe(true);
    expect(a.disconnect(mout, min)).toBe(true);
    expect(min.numberOfConnections).toBe(0);
  });
});

describe('OwnPort connections', () => {
  it('connects an output to inputs and reports its connections', () => {
    expect(out.connect(PB1)).toBe(true);
    expect(out.connect(a.getPortByName(PB2))).toBe(true);
    expect(out.connect(PB1)).toBe(false);
    expect(out.numberOfConnections).toBe(2);
    const conns = out.connections;
    for (const p of conns) expect(p).toBeInstanceOf(Port);
    expect(names(conns)).toEqual([PB1, PB2]);
    expect(out.isConnectedTo(PB1)).toBe(true);
    expect(out.isConnectedTo(PB2)).toBe(true);
    expect(out.isConnectedTo(CAP1)).toBe(false);
    expect(out.disconnect(PB1)).toBe(true);
    expect(out.disconnect(PB1)).toBe(false);
    expect(out.connections.map((p) => p.name)).toEqual([PB2]);
    expect(out.disconnect(PB2)).toBe(true);
    expect(out.numberOfConnections).toBe(0);
    expect(out.connections).toEqual([]);
  });

  it('connects an input from an output (direction is taken from the port)', () => {
    expect(inp.connect(CAP1)).toBe(true);
    expect(inp.connect(CAP1)).toBe(false);
    expect(inp.connections.map((p) => p.name)).toEqual([CAP1]);
    // The own port comes back as the same OwnPort object.
    const back = a.getAllConnections(CAP1);
    expect(back).toHaveLength(1);
    expect(back[0]).toBe(inp);
    expect(inp.disconnect(CAP1)).toBe(true);
    expect(inp.disconnect(CAP1)).toBe(false);
    expect(inp.numberOfConnections).toBe(0);
  });

  it('disconnect() with no argument removes every connection of the port', () => {
    out.connect(PB1);
    out.connect(PB2);
    out.connect(bin);
    expect(out.numberOfConnections).toBe(3);
    expect(bin.numberOfConnections).toBe(1);
    expect(out.disconnect()).toBe(true);
    expect(out.numberOfConnections).toBe(0);
    expect(out.connections).toEqual([]);
    expect(bin.numberOfConnections).toBe(0);
    expect(a.getAllConnections(PB1)).toEqual([]);
    expect(a.getAllConnections(PB2)).toEqual([]);
    expect(out.disconnect()).toBe(false);
  });
});

describe('getAllConnections', () => {
  it("lists the connections of any client's port", async () => {
    expect(b.connect(CAP1, bin)).toBe(true);
    expect(b.connect(CAP2, bin)).toBe(true);
    expect(b.connect(bout, PB1)).toBe(true);
    try {
      expect(names(a.getAllConnections(bin.name))).toEqual([CAP1, CAP2]);
      expect(names(a.getAllConnections(CAP1))).toEqual([bin.name]);
      expect(names(a.getAllConnections(a.getPortByName(bout.name)))).toEqual([PB1]);
      expect(a.getAllConnections(CAP1)[0]).not.toBeInstanceOf(OwnPort);
    } finally {
      bin.disconnect();
      bout.disconnect();
    }
    expect(a.getAllConnections(bin.name)).toEqual([]);
  });

  it('throws NO_SUCH_PORT for an unknown port', () => {
    expectJackError(() => a.getAllConnections('nope:nothing'), 'NO_SUCH_PORT', '"nope:nothing"');
  });
});

describe('ports of another client', () => {
  it("connects another client's ports to each other", () => {
    expect(a.connect(bout.name, bin.name)).toBe(true);
    expect(bout.isConnectedTo(bin)).toBe(true);
    expect(bin.numberOfConnections).toBe(1);
    expect(a.connect(bout, bin)).toBe(false);
    expect(a.disconnect(bout, bin)).toBe(true);
    expect(bout.numberOfConnections).toBe(0);
  });

  it('connects its own port to a Port object of another client', () => {
    expect(a.connect(out, bin)).toBe(true);
    expect(bin.connections.map((p) => p.name)).toEqual([out.name]);
    expect(out.connections.map((p) => p.name)).toEqual([bin.name]);
    expect(bin.connect(out)).toBe(false);
    expect(bin.disconnect(out)).toBe(true);
    expect(out.numberOfConnections).toBe(0);
  });

  it('fails to connect the port of a client that is not active, naming both ports', async () => {
    const k = await Client.open(uniqueName('conn-idle'), { serverName: server.name });
    try {
      const idle = k.outports.register('idle');
      expectJackError(() => a.connect(idle, PB1), 'JACK_FAILED', `"${idle.name}"`, `"${PB1}"`);
      expect(a.getAllConnections(PB1)).toEqual([]);
    } finally {
      await k.close();
    }
  });

  it('rejects a port that has been unregistered with PORT_INVALID', () => {
    const gone = a.outports.register('gone');
    const name = gone.name;
    gone.unregister();
    expectJackError(() => a.connect(gone, PB1), 'PORT_INVALID', `"${name}"`);
  });
});

describe('connection errors', () => {
  it('rejects an unknown port, naming it', () => {
    expectJackError(() => a.connect('nope:out', PB1), 'NO_SUCH_PORT', '"nope:out"');
    expectJackError(() => a.connect(out, 'nope:in'), 'NO_SUCH_PORT', '"nope:in"');
    expectJackError(() => a.disconnect(out, 'nope:in'), 'NO_SUCH_PORT', '"nope:in"');
    expectJackError(() => out.connect('nope:in'), 'NO_SUCH_PORT', '"nope:in"');
    expectJackError(() => inp.disconnect('nope:out'), 'NO_SUCH_PORT', '"nope:out"');
    expect(out.numberOfConnections).toBe(0);
  });

  it('rejects connecting two inputs', () => {
    expectJackError(() => a.connect(PB1, PB2), 'DIRECTION_MISMATCH', `"${PB1}"`);
    expectJackError(() => a.connect(inp, bin), 'DIRECTION_MISMATCH', `"${inp.name}"`);
    expectJackError(() => inp.connect(PB1), 'DIRECTION_MISMATCH', `"${PB1}"`);
    expect(a.getAllConnections(PB2)).toEqual([]);
    expect(inp.numberOfConnections).toBe(0);
  });

  it('rejects connecting two outputs', () => {
    expectJackError(() => a.connect(CAP1, CAP2), 'DIRECTION_MISMATCH', `"${CAP2}"`);
    expectJackError(() => a.connect(out, bout), 'DIRECTION_MISMATCH', `"${bout.name}"`);
    expectJackError(() => out.connect(CAP1), 'DIRECTION_MISMATCH', `"${CAP1}"`);
    expect(out.numberOfConnections).toBe(0);
  });

  it('rejects connecting an input to an output (wrong order)', () => {
    expectJackError(() => a.connect(PB1, out), 'DIRECTION_MISMATCH', `"${PB1}"`);
    expectJackError(() => a.disconnect(inp, CAP1), 'DIRECTION_MISMATCH', `"${inp.name}"`);
  });

  it('rejects connecting audio to MIDI and MIDI to audio', () => {
    expectJackError(() => a.connect(out, min), 'TYPE_MISMATCH', `"${out.name}"`, `"${min.name}"`);
    expectJackError(() => a.connect(mout, PB1), 'TYPE_MISMATCH', `"${mout.name}"`, `"${PB1}"`);
    expectJackError(() => mout.connect(bin), 'TYPE_MISMATCH', `"${mout.name}"`, `"${bin.name}"`);
    expectJackError(() => min.connect(CAP1), 'TYPE_MISMATCH', `"${CAP1}"`, `"${min.name}"`);
    expect(min.numberOfConnections).toBe(0);
    expect(mout.numberOfConnections).toBe(0);
  });

  it('rejects arguments that are neither a Port nor a name', () => {
    expectJackError(() => a.connect(42 as unknown as string, PB1), 'INVALID_ARGUMENT');
    expectJackError(() => a.connect(out, '' as string), 'INVALID_ARGUMENT');
  });
});

describe('getPorts', () => {
  const A = () => a.name;
  const B = () => b.name;
  const all = () => [`${A()}:out`, `${A()}:in`, `${A()}:mout`, `${A()}:min`, `${B()}:bout`, `${B()}:bin`, CAP1, CAP2, PB1, PB2];
  const inputs = () => [`${A()}:in`, `${A()}:min`, `${B()}:bin`, PB1, PB2];
  const physical = () => [`${A()}:min`, CAP1, CAP2, PB1, PB2];
  const terminal = () => [`${A()}:mout`, CAP1, CAP2, PB1, PB2];
  const monitor = () => [`${A()}:in`];
  const midi = () => [`${A()}:mout`, `${A()}:min`];
  const without = (xs: string[]) => all().filter((n) => !xs.includes(n));

  it('returns every port without a filter', () => {
    expect(names(a.getPorts())).toEqual(all().sort());
    expect(names(b.getPorts({}))).toEqual(all().sort());
  });

  it('filters by each flag, true and false', () => {
    const cases: [PortFilter, string[]][] = [
      [{ isInput: true }, inputs()],
      [{ isInput: false }, without(inputs())],
      [{ isOutput: true }, without(inputs())],
      [{ isOutput: false }, inputs()],
      [{ isPhysical: true }, physical()],
      [{ isPhysical: false }, without(physical())],
      [{ isTerminal: true }, terminal()],
      [{ isTerminal: false }, without(terminal())],
      [{ canMonitor: true }, monitor()],
      [{ canMonitor: false }, without(monitor())],
      [{ isAudio: true }, without(midi())],
      [{ isAudio: false }, midi()],
      [{ isMidi: true }, midi()],
      [{ isMidi: false }, without(midi())],
      [{ type: '8 bit raw midi' }, midi()],
      [{ type: '32 bit float mono audio' }, without(midi())],
    ];
    for (const [filter, expected] of cases) {
      expect(names(a.getPorts(filter)), JSON.stringify(filter)).toEqual([...expected].sort());
    }
  });

  it('combines filters', () => {
    expect(names(a.getPorts({ isInput: true, isPhysical: true, isAudio: true }))).toEqual([PB1, PB2]);
    expect(names(a.getPorts({ isOutput: true, isPhysical: false }))).toEqual([`${A()}:mout`, `${A()}:out`, `${B()}:bout`].sort());
    expect(names(a.getPorts({ namePattern: /capture|mout/, isTerminal: true, isMidi: false }))).toEqual([CAP1, CAP2]);
    expect(names(a.getPorts({ isInput: true, isMidi: true, isPhysical: true }))).toEqual([`${A()}:min`]);
    expect(a.getPorts({ isOutput: true, isPhysical: true, isMidi: true })).toEqual([]);
    expect(a.getPorts({ isInput: true, isOutput: true })).toEqual([]);
  });

  it('filters by a RegExp name pattern', () => {
    expect(names(a.getPorts({ namePattern: /^system:capture_\d$/ }))).toEqual([CAP1, CAP2]);
    expect(names(a.getPorts({ namePattern: /:B?IN$/i }))).toEqual([`${A()}:in`, `${B()}:bin`].sort());
    // A global RegExp keeps state between test() calls; every match must still count.
    const g = /system/g;
    expect(names(a.getPorts({ namePattern: g }))).toEqual([CAP1, CAP2, PB1, PB2]);
    expect(names(a.getPorts({ namePattern: g }))).toEqual([CAP1, CAP2, PB1, PB2]);
    expect(a.getPorts({ namePattern: /^no such port$/ })).toEqual([]);
  });

  it('filters by a string name pattern (a regular expression)', () => {
    expect(names(a.getPorts({ namePattern: 'playback_' }))).toEqual([PB1, PB2]);
    expect(names(a.getPorts({ namePattern: `^${A()}:m` }))).toEqual([`${A()}:min`, `${A()}:mout`]);
    expect(names(a.getPorts({ namePattern: 'capture_[2-9]$' }))).toEqual([CAP2]);
  });

  it('throws INVALID_ARGUMENT for an invalid regular expression string', () => {
    expectJackError(() => a.getPorts({ namePattern: '(' }), 'INVALID_ARGUMENT', '"("');
    expectJackError(() => a.getPorts({ namePattern: 'capture_[' }), 'INVALID_ARGUMENT', '"capture_["');
  });

  it('returns own ports as their OwnPort objects and other ports as Port', () => {
    const mine = a.getPorts({ namePattern: `^${A()}:out$` });
    expect(mine).toHaveLength(1);
    expect(mine[0]).toBe(out);
    const theirs = a.getPorts({ namePattern: `^${B()}:bout$` });
    expect(theirs).toHaveLength(1);
    expect(theirs[0]).toBeInstanceOf(Port);
    expect(theirs[0]).not.toBeInstanceOf(OwnPort);
    expect(theirs[0]?.equals(bout)).toBe(true);
  });

  it('sees a port registered by another client once it is announced', async () => {
    const k = await Client.open(uniqueName('conn-late'), { serverName: server.name });
    try {
      k.activate();
      const p = k.outports.register('late');
      await until(() => a.getPorts({ namePattern: `^${k.name}:` }).length === 1, 5000, 'the new port');
      expect(names(a.getPorts({ namePattern: `^${k.name}:`, isOutput: true }))).toEqual([p.name]);
    } finally {
      await k.close();
    }
    expect(a.getPorts({ namePattern: `^${k.name}:` })).toEqual([]);
  });
});

describe('getPortByName and owns', () => {
  it('throws NO_SUCH_PORT naming an unknown port', () => {
    expectJackError(() => a.getPortByName('ghost:port'), 'NO_SUCH_PORT', '"ghost:port"');
    expectJackError(() => a.getPortByName(`${a.name}:ghost`), 'NO_SUCH_PORT', `"${a.name}:ghost"`);
    expectJackError(() => a.getPortByName(''), 'INVALID_ARGUMENT');
  });

  it('returns own ports as the same OwnPort and ports of others as Port', () => {
    expect(a.getPortByName(out.name)).toBe(out);
    expect(a.getPortByName(min.name)).toBe(min);
    const p = a.getPortByName(bout.name);
    expect(p).not.toBeInstanceOf(OwnPort);
    expect(p.name).toBe(bout.name);
    expect(p.uuid).toBe(bout.uuid);
  });

  it('owns() tells own ports from ports of other clients', () => {
    expect(a.owns(out)).toBe(true);
    expect(a.owns(min.name)).toBe(true);
    expect(a.owns(bout)).toBe(false);
    expect(a.owns(bin.name)).toBe(false);
    expect(b.owns(bout)).toBe(true);
    expect(b.owns(out.name)).toBe(false);
    expect(a.owns(CAP1)).toBe(false);
    expect(a.owns(a.getPortByName(PB1))).toBe(false);
    expectJackError(() => a.owns('ghost:port'), 'NO_SUCH_PORT', '"ghost:port"');
  });
});
