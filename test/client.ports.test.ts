import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, JackError, OwnPort, Port, Ports, Server, maxPortNameBytes, portNameSize } from '../host/index.js';
import { startServer, uniqueName, waitForEvent } from './helpers/jack.js';
import { codeOf } from './helpers/errors.js';

const AUDIO = '32 bit float mono audio';
const MIDI = '8 bit raw midi';

let server: Server;
/** The client whose ports are under test. */
let c: Client;
/** Another client on the same server: an independent view of c's ports. */
let other: Client;
let seq = 0;

/** A short port name not used before in this file. */
const fresh = (tag: string) => `${tag}${++seq}`;

beforeAll(async () => {
  server = await startServer('ports');
  c = await Client.open(uniqueName('ports'), { serverName: server.name });
  other = await Client.open(uniqueName('ports-other'), { serverName: server.name });
  // JACK announces port (un)registrations of active clients only.
  c.activate();
  other.activate();
});

afterAll(async () => {
  await c?.close();
  await other?.close();
  await server?.stop();
});

describe('registering ports', () => {
  it('registers audio and MIDI inputs and outputs with the right properties', () => {
    const names = { ain: fresh('ain'), aout: fresh('aout'), min: fresh('min'), mout: fresh('mout') };
    const ain = c.inports.register(names.ain);
    const aout = c.outports.register(names.aout);
    const min = c.midiInports.register(names.min);
    const mout = c.midiOutports.register(names.mout);
    const expected: [OwnPort, string, string, boolean][] = [
      [ain, names.ain, AUDIO, true],
      [aout, names.aout, AUDIO, false],
      [min, names.min, MIDI, true],
      [mout, names.mout, MIDI, false],
    ];
    for (const [p, short, type, input] of expected) {
      expect(p).toBeInstanceOf(OwnPort);
      expect(p.name).toBe(`${c.name}:${short}`);
      expect(p.shortName).toBe(short);
      expect(p.type).toBe(type);
      expect(p.isAudio).toBe(type === AUDIO);
      expect(p.isMidi).toBe(type === MIDI);
      expect(p.isInput).toBe(input);
      expect(p.isOutput).toBe(!input);
      expect(p.isPhysical).toBe(false);
      expect(p.isTerminal).toBe(false);
      expect(p.canMonitor).toBe(false);
      // Another client sees the same port.
      const seen = other.getPortByName(p.name);
      expect(seen.type).toBe(type);
      expect(seen.isInput).toBe(input);
      expect(seen.isOutput).toBe(!input);
      expect(c.owns(p)).toBe(true);
      expect(other.owns(p.name)).toBe(false);
    }
    expect(c.inports.get(names.ain)).toBe(ain);
    expect(c.outports.get(names.aout)).toBe(aout);
    expect(c.midiInports.get(names.min)).toBe(min);
    expect(c.midiOutports.get(names.mout)).toBe(mout);
    // Each port is only in its own list.
    expect(c.outports.get(names.ain)).toBeUndefined();
    expect(c.midiInports.get(names.ain)).toBeUndefined();
  });

  it('sets the isTerminal, isPhysical and canMonitor flags it is asked for', () => {
    const all = c.outports.register(fresh('flags'), { isTerminal: true, isPhysical: true, canMonitor: true });
    const term = c.inports.register(fresh('term'), { isTerminal: true });
    const phys = c.inports.register(fresh('phys'), { isPhysical: true });
    const mon = c.midiInports.register(fresh('mon'), { canMonitor: true });
    const flags = (p: Port) => [p.isTerminal, p.isPhysical, p.canMonitor];
    expect(flags(all)).toEqual([true, true, true]);
    expect(flags(term)).toEqual([true, false, false]);
    expect(flags(phys)).toEqual([false, true, false]);
    expect(flags(mon)).toEqual([false, false, true]);
    expect(flags(other.getPortByName(all.name))).toEqual([true, true, true]);
    expect(flags(other.getPortByName(mon.name))).toEqual([false, false, true]);
    expect(all.isOutput).toBe(true);
    expect(mon.isMidi).toBe(true);
  });

  it('gives each port a distinct decimal UUID that other clients see too', () => {
    const a = c.outports.register(fresh('ua'));
    const b = c.outports.register(fresh('ub'));
    expect(a.uuid).toMatch(/^[1-9]\d*$/);
    expect(b.uuid).toMatch(/^[1-9]\d*$/);
    expect(a.uuid).not.toBe(b.uuid);
    expect(a.uuid).not.toBe(c.uuid);
    expect(other.getPortByName(a.name).uuid).toBe(a.uuid);
  });

  it('announces a new port of an active client to other clients', async () => {
    const short = fresh('announce');
    const event = waitForEvent<[Port, boolean]>(other, 'portRegistration', (p, reg) => reg && p.name === `${c.name}:${short}`);
    c.midiOutports.register(short);
    const [p] = await event;
    expect(p.type).toBe(MIDI);
  });

  it('rejects a name the client already uses', () => {
    const short = fresh('dup');
    c.outports.register(short);
    const before = c.outports.length;
    for (const list of [c.outports, c.inports, c.midiOutports]) {
      expect(() => list.register(short)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`"${c.name}:${short}"`) }),
      );
    }
    expect(c.outports.length).toBe(before);
    expect(c.getPorts({ namePattern: `^${c.name}:${short}$` })).toHaveLength(1);
  });

  it('rejects an empty name and a name with a NUL character', () => {
    const before = c.inports.length;
    expect(() => c.inports.register('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => c.inports.register('a\0b')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(c.inports.length).toBe(before);
  });

  it('accepts a full name exactly at the maxPortNameBytes() limit', () => {
    // jack_port_name_size() says 321, but jackd2 stores 256 bytes.
    expect(maxPortNameBytes()).toBe(Math.min(portNameSize() - 1, 256));
    const limit = maxPortNameBytes();
    const short = 'L'.repeat(limit - Buffer.byteLength(c.name) - 1);
    const full = `${c.name}:${short}`;
    expect(Buffer.byteLength(full)).toBe(limit);
    const p = c.outports.register(short);
    expect(p.name).toBe(full);
    expect(other.getPortByName(full).name).toBe(full);
    p.unregister();
  });

  it('throws NAME_TOO_LONG one byte over the limit', () => {
    const limit = maxPortNameBytes();
    const short = 'T'.repeat(limit - Buffer.byteLength(c.name));
    const before = c.outports.length;
    expect(() => c.outports.register(short)).toThrow(
      expect.objectContaining({ code: 'NAME_TOO_LONG', message: expect.stringContaining(`is ${limit + 1} bytes`) }),
    );
    expect(c.outports.length).toBe(before);
    // Bytes count, not characters: 'é' is two bytes in UTF-8.
    const wide = 'é'.repeat(Math.ceil((limit - Buffer.byteLength(c.name)) / 2));
    expect(() => c.inports.register(wide)).toThrow(expect.objectContaining({ code: 'NAME_TOO_LONG' }));
  });

  it('never registers a port under a different (truncated) name', () => {
    // A full name a little over JACK_PORT_NAME_SIZE (256): either refused with
    // NAME_TOO_LONG or registered with exactly that name.
    const short = 'x'.repeat(300 - Buffer.byteLength(c.name) - 1);
    const full = `${c.name}:${short}`;
    let p: OwnPort;
    const before = c.outports.length;
    try {
      p = c.outports.register(short);
    } catch (err) {
      expect(err).toBeInstanceOf(JackError);
      expect((err as JackError).code).toBe('NAME_TOO_LONG');
      // Refused means nothing was left registered, under any name.
      expect(c.outports.length).toBe(before);
      expect(c.getPorts({ namePattern: `^${c.name}:x` })).toEqual([]);
      return;
    }
    const actual = p.name;
    p.unregister();
    expect(actual.length).toBe(full.length);
    expect(actual).toBe(full);
  });
});

describe('port lists', () => {
  it('are indexable, iterable, have a length and look ports up by name', async () => {
    const k = await Client.open(uniqueName('ports-list'), { serverName: server.name });
    try {
      const list: Ports = k.outports;
      expect(list.length).toBe(0);
      expect(list[0]).toBeUndefined();
      expect([...list]).toEqual([]);
      const a = list.register('a');
      const b = list.register('b');
      const d = list.register('d');
      expect(list.length).toBe(3);
      expect(list[0]).toBe(a);
      expect(list[1]).toBe(b);
      expect(list[2]).toBe(d);
      expect(list[3]).toBeUndefined();
      expect(0 in list).toBe(true);
      expect(3 in list).toBe(false);
      expect(list.at(-1)).toBe(d);
      expect([...list]).toEqual([a, b, d]);
      const viaFor: OwnPort[] = [];
      for (const p of list) viaFor.push(p);
      expect(viaFor).toEqual([a, b, d]);
      expect(list.get('b')).toBe(b);
      expect(list.get(`${k.name}:b`)).toBe(b);
      expect(list.get('nope')).toBeUndefined();
      expect(list.kind).toBe('audio');
      expect(list.direction).toBe('output');
      expect(k.midiInports.kind).toBe('midi');
      expect(k.midiInports.direction).toBe('input');
      // Iterating a snapshot: unregistering while iterating visits every port once.
      const seen: string[] = [];
      for (const p of list) {
        seen.push(p.shortName);
        p.unregister();
      }
      expect(seen).toEqual(['a', 'b', 'd']);
      expect(list.length).toBe(0);
    } finally {
      await k.close();
    }
  });
});

describe('renaming', () => {
  it('renames a port through shortName; the old name no longer resolves', async () => {
    const oldShort = fresh('old');
    const newShort = fresh('new');
    const p = c.outports.register(oldShort);
    const uuid = p.uuid;
    const oldName = `${c.name}:${oldShort}`;
    const newName = `${c.name}:${newShort}`;
    const renamed = waitForEvent<[Port, string, string]>(other, 'portRename', (_p, o) => o === oldName);
    p.shortName = newShort;
    expect(p.shortName).toBe(newShort);
    expect(p.name).toBe(newName);
    expect(p.uuid).toBe(uuid);
    expect(c.getPortByName(newName)).toBe(p);
    expect(c.outports.get(newShort)).toBe(p);
    expect(c.outports.get(oldShort)).toBeUndefined();
    expect(() => c.getPortByName(oldName)).toThrow(
      expect.objectContaining({ code: 'NO_SUCH_PORT', message: expect.stringContaining(`"${oldName}"`) }),
    );
    expect(() => other.getPortByName(oldName)).toThrow(expect.objectContaining({ code: 'NO_SUCH_PORT' }));
    expect(other.getPortByName(newName).uuid).toBe(uuid);
    const [port, from, to] = await renamed;
    expect([port.name, from, to]).toEqual([newName, oldName, newName]);
  });

  it('rejects renaming to an empty or too long name and keeps the old name', () => {
    const short = fresh('keep');
    const p = c.inports.register(short);
    expect(() => (p.shortName = '')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const tooLong = 'y'.repeat(portNameSize() - 1 - Buffer.byteLength(c.name));
    expect(() => (p.shortName = tooLong)).toThrow(expect.objectContaining({ code: 'NAME_TOO_LONG' }));
    expect(p.name).toBe(`${c.name}:${short}`);
    expect(p.shortName).toBe(short);
  });
});

describe('aliases', () => {
  it('has no aliases after registration', () => {
    expect(c.outports.register(fresh('noalias')).aliases).toEqual([]);
  });

  it('keeps two aliases, refuses a third, and finds the port by alias', () => {
    const p = c.outports.register(fresh('alias'));
    const a1 = `jwalias-${process.pid}-${++seq}`;
    const a2 = `jwalias-${process.pid}-${++seq}`;
    p.setAlias(a1);
    expect(p.aliases).toEqual([a1]);
    p.setAlias(a2);
    expect(p.aliases).toEqual([a1, a2]);
    expect(() => p.setAlias('third')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`"${p.name}"`) }),
    );
    expect(p.aliases).toEqual([a1, a2]);
    expect(other.getPortByName(p.name).aliases).toEqual([a1, a2]);
    expect(c.getPortByName(a1)).toBe(p);
    expect(other.getPortByName(a2).name).toBe(p.name);
  });

  it('unsetAlias of the second alias keeps the first', () => {
    const p = c.outports.register(fresh('alias'));
    p.setAlias('first');
    p.setAlias('second');
    p.unsetAlias('second');
    expect(p.aliases).toEqual(['first']);
  });

  it('unsetAlias of the first alias keeps the second', () => {
    const p = c.outports.register(fresh('alias'));
    p.setAlias('first');
    p.setAlias('second');
    p.unsetAlias('first');
    expect(p.aliases).toEqual(['second']);
    p.unsetAlias('second');
    expect(p.aliases).toEqual([]);
  });

  it('frees a slot for a new alias after unsetAlias', () => {
    const p = c.outports.register(fresh('alias'));
    p.setAlias('one');
    p.setAlias('two');
    p.unsetAlias('two');
    p.setAlias('three');
    expect(p.aliases).toEqual(['one', 'three']);
  });

  it('throws INVALID_ARGUMENT naming the alias when unsetting an alias the port does not have', () => {
    const p = c.outports.register(fresh('alias'));
    expect(() => p.unsetAlias('missing')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"missing"') }),
    );
    p.setAlias('present');
    expect(() => p.unsetAlias('absent')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"absent"') }),
    );
    expect(p.aliases).toEqual(['present']);
  });
});

describe('monitoring', () => {
  it('counts monitor requests', () => {
    const p = c.inports.register(fresh('mon'), { canMonitor: true });
    expect(p.isMonitoring).toBe(false);
    p.requestMonitor(true);
    expect(p.isMonitoring).toBe(true);
    p.requestMonitor(true);
    p.requestMonitor(false);
    expect(p.isMonitoring).toBe(true);
    p.requestMonitor(false);
    expect(p.isMonitoring).toBe(false);
  });
});

describe('latency', () => {
  it('sets and gets capture and playback ranges independently', () => {
    const p = c.outports.register(fresh('lat'));
    expect(p.getLatencyRange('capture')).toEqual({ min: 0, max: 0 });
    expect(p.getLatencyRange('playback')).toEqual({ min: 0, max: 0 });
    p.setLatencyRange('capture', { min: 32, max: 64 });
    expect(p.getLatencyRange('capture')).toEqual({ min: 32, max: 64 });
    expect(p.getLatencyRange('playback')).toEqual({ min: 0, max: 0 });
    p.setLatencyRange('playback', { min: 128, max: 512 });
    expect(p.getLatencyRange('capture')).toEqual({ min: 32, max: 64 });
    expect(p.getLatencyRange('playback')).toEqual({ min: 128, max: 512 });
    // Another client reads the same ranges.
    const seen = other.getPortByName(p.name);
    expect(seen.getLatencyRange('playback')).toEqual({ min: 128, max: 512 });
    expect(seen.getLatencyRange('capture')).toEqual({ min: 32, max: 64 });
  });

  it('rejects an unknown latency mode and an inverted range', () => {
    const p = c.outports.register(fresh('lat'));
    const bad = 'sideways' as unknown as 'capture';
    expect(() => p.getLatencyRange(bad)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('sideways') }),
    );
    expect(() => p.setLatencyRange(bad, { min: 1, max: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('sideways') }),
    );
    expect(() => p.setLatencyRange('capture', { min: 5, max: 4 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => p.setLatencyRange('capture', { min: -1, max: 4 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(p.getLatencyRange('capture')).toEqual({ min: 0, max: 0 });
  });
});

describe('unregistering', () => {
  it('removes the port from its list and from the server', async () => {
    const short = fresh('unreg');
    const p = c.outports.register(short);
    const name = p.name;
    const before = c.outports.length;
    const gone = waitForEvent<[Port, boolean]>(other, 'portRegistration', (q, reg) => !reg && q.name === name);
    p.unregister();
    expect(c.outports.length).toBe(before - 1);
    expect(c.outports.get(short)).toBeUndefined();
    expect([...c.outports]).not.toContain(p);
    expect(c.getPorts({ namePattern: `^${name}$` })).toEqual([]);
    expect(() => c.getPortByName(name)).toThrow(expect.objectContaining({ code: 'NO_SUCH_PORT' }));
    await gone;
    expect(() => other.getPortByName(name)).toThrow(expect.objectContaining({ code: 'NO_SUCH_PORT' }));
  });

  it('makes later use of the port throw PORT_INVALID naming it', () => {
    const p = c.inports.register(fresh('unreg'));
    const name = p.name;
    p.unregister();
    expect(p.name).toBe(name);
    const calls: [string, () => unknown][] = [
      ['shortName', () => p.shortName],
      ['shortName =', () => (p.shortName = 'again')],
      ['type', () => p.type],
      ['isInput', () => p.isInput],
      ['uuid', () => p.uuid],
      ['aliases', () => p.aliases],
      ['setAlias', () => p.setAlias('x')],
      ['connect', () => p.connect('system:capture_1')],
      ['disconnect', () => p.disconnect()],
      ['connections', () => p.connections],
      ['numberOfConnections', () => p.numberOfConnections],
      ['getLatencyRange', () => p.getLatencyRange('capture')],
      ['requestMonitor', () => p.requestMonitor(true)],
      ['unregister', () => p.unregister()],
    ];
    for (const [what, fn] of calls) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(JackError);
      expect((err as JackError).code, what).toBe('PORT_INVALID');
      expect((err as JackError).message, what).toContain(`"${name}"`);
    }
  });

  it('clear() unregisters every port of a list and leaves the other lists alone', async () => {
    const k = await Client.open(uniqueName('ports-clear'), { serverName: server.name });
    try {
      const ports = [k.midiOutports.register('m1'), k.midiOutports.register('m2'), k.midiOutports.register('m3')];
      const keep = k.outports.register('keep');
      k.midiOutports.clear();
      expect(k.midiOutports.length).toBe(0);
      expect([...k.midiOutports]).toEqual([]);
      for (const p of ports) expect(codeOf(() => p.shortName)).toBe('PORT_INVALID');
      expect(k.getPorts({ namePattern: `^${k.name}:` }).map((p) => p.name)).toEqual([keep.name]);
      expect(k.outports.length).toBe(1);
      k.midiOutports.clear(); // nothing left: a no-op
      expect(k.midiOutports.length).toBe(0);
    } finally {
      await k.close();
    }
  });

  it("invalidates another client's view of a port once the port is unregistered", async () => {
    const k = await Client.open(uniqueName('ports-view'), { serverName: server.name });
    try {
      k.activate();
      const p = k.outports.register('viewed');
      const name = p.name;
      const view = other.getPortByName(name);
      expect(view.isOutput).toBe(true);
      const gone = waitForEvent<[Port, boolean]>(other, 'portRegistration', (q, reg) => !reg && q.name === name);
      p.unregister();
      await gone;
      // A new port may reuse the freed JACK port slot; the old view must not
      // silently turn into it.
      const reuse = waitForEvent<[Port, boolean]>(other, 'portRegistration', (q, reg) => reg && q.name === `${k.name}:newcomer`);
      k.inports.register('newcomer');
      await reuse;
      expect(view.name).toBe(name);
      expect(codeOf(() => view.shortName)).toBe('PORT_INVALID');
      expect(codeOf(() => view.isOutput)).toBe('PORT_INVALID');
    } finally {
      await k.close();
    }
  });
});

describe('system ports of the dummy driver', () => {
  it('are physical terminal audio ports: capture ports are outputs, playback ports inputs', () => {
    for (const n of [1, 2]) {
      const cap = c.getPortByName(`system:capture_${n}`);
      expect(cap).toBeInstanceOf(Port);
      expect(cap).not.toBeInstanceOf(OwnPort);
      expect(cap.name).toBe(`system:capture_${n}`);
      expect(cap.shortName).toBe(`capture_${n}`);
      expect([cap.isPhysical, cap.isTerminal, cap.isOutput, cap.isInput, cap.isAudio, cap.isMidi]).toEqual([
        true, true, true, false, true, false,
      ]);
      expect(c.owns(cap)).toBe(false);
      const play = c.getPortByName(`system:playback_${n}`);
      expect([play.isPhysical, play.isTerminal, play.isOutput, play.isInput, play.isAudio, play.isMidi]).toEqual([
        true, true, false, true, true, false,
      ]);
      expect(c.owns(play)).toBe(false);
    }
  });

  it('are two capture and two playback ports', () => {
    const names = other
      .getPorts({ namePattern: /^system:/ })
      .map((p) => p.name)
      .sort();
    expect(names).toEqual(['system:capture_1', 'system:capture_2', 'system:playback_1', 'system:playback_2']);
  });
});
