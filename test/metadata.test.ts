import { native } from '../host/native.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  JackError,
  METADATA,
  Server,
  getAllProperties,
  getProperties,
  getProperty,
  type OwnPort,
  type PropertyChange,
} from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { errorOf } from './helpers/errors.js';

// Metadata is shared by every JACK server on the machine (DESIGN.md): every
// key here is unique to this process, and only our own subjects are cleaned.
let n = 0;
const key = (what: string) => `urn:jackwasm-test:${process.pid}:${what}:${++n}`;

let server: Server;
let a: Client; // writes properties
let b: Client; // observes propertyChange events
let port: OwnPort;

beforeAll(async () => {
  server = await startServer('metadata');
  a = await Client.open(uniqueName('meta-a'), { serverName: server.name });
  b = await Client.open(uniqueName('meta-b'), { serverName: server.name });
  port = a.outports.register('out');
  a.activate();
  b.activate();
});

afterAll(async () => {
  for (const subject of [port, a, b]) {
    try {
      a.removeProperties(subject);
    } catch {
      /* best effort */
    }
  }
  await a?.close();
  await b?.close();
  await server?.stop();
});

/** Waits for the propertyChange event on `b` for this subject and key. */
function changeOn(subject: string, k: string, change: PropertyChange) {
  return waitForEvent<[string, string, PropertyChange]>(b, 'propertyChange', (s, kk, c) => s === subject && kk === k && c === change);
}

describe('setting and reading properties', () => {
  it('sets a property on a Port', () => {
    const k = key('port');
    a.setProperty(port, k, 'Left out', 'text/plain');
    expect(getProperty(port, k)).toEqual({ value: 'Left out', type: 'text/plain' });
    expect(getProperty(port.uuid, k)).toEqual({ value: 'Left out', type: 'text/plain' });
    expect(getProperty(BigInt(port.uuid), k)).toEqual({ value: 'Left out', type: 'text/plain' });
  });

  it('sets a property on the client itself', () => {
    const k = key('client');
    a.setProperty(a, k, 'Synth');
    expect(getProperty(a, k)).toEqual({ value: 'Synth', type: '' });
    expect(getProperty(a.uuid, k)).toEqual({ value: 'Synth', type: '' });
  });

  it('sets a property by full port name', () => {
    const k = key('port-name');
    a.setProperty(port.name, k, 'by name', 'text/plain');
    expect(getProperty(port, k)).toEqual({ value: 'by name', type: 'text/plain' });
  });

  it('sets a property by client name', () => {
    const k = key('client-name');
    a.setProperty(b.name, k, 'other client');
    expect(getProperty(b, k)).toEqual({ value: 'other client', type: '' });
    expect(getProperty(a, k)).toBeUndefined();
  });

  it('sets a property by UUID string', () => {
    const k = key('uuid');
    a.setProperty(b.uuid, k, 'via uuid', 'text/x-test');
    expect(getProperty(b, k)).toEqual({ value: 'via uuid', type: 'text/x-test' });
  });

  it('overwrites a value and keeps unicode intact', () => {
    const k = key('overwrite');
    a.setProperty(port, k, 'first');
    a.setProperty(port, k, 'zweite — 第二', 'text/plain');
    expect(getProperty(port, k)).toEqual({ value: 'zweite — 第二', type: 'text/plain' });
  });

  it('returns undefined for a missing key', () => {
    expect(getProperty(port, key('missing'))).toBeUndefined();
  });

  it('lists all properties of a subject with getProperties', async () => {
    const c = await Client.open(uniqueName('meta-list'), { serverName: server.name });
    try {
      const k1 = key('list1');
      const k2 = key('list2');
      a.setProperty(c, k1, 'one', 'text/plain');
      a.setProperty(c, k2, 'two');
      expect(getProperties(c)).toEqual({ [k1]: { value: 'one', type: 'text/plain' }, [k2]: { value: 'two', type: '' } });
      expect(getProperties(c.uuid)).toEqual(getProperties(c));
      a.removeProperties(c);
    } finally {
      await c.close();
    }
  });

  it('returns an empty record for a subject with no properties', () => {
    // A UUID no subject has: 2^63 + pid (JACK UUIDs are small numbers tagged in the high bits).
    expect(getProperties(String(2n ** 63n + BigInt(process.pid)))).toEqual({});
  });

  it('includes our properties in getAllProperties', () => {
    const k = key('all');
    a.setProperty(port, k, 'everywhere', 'text/plain');
    const all = getAllProperties();
    expect(all[port.uuid]?.[k]).toEqual({ value: 'everywhere', type: 'text/plain' });
    for (const props of Object.values(all)) {
      for (const p of Object.values(props)) {
        expect(typeof p.value).toBe('string');
        expect(typeof p.type).toBe('string');
      }
    }
  });

  it('sets a standard key (METADATA.PRETTY_NAME)', () => {
    a.setProperty(port, METADATA.PRETTY_NAME, 'Main Out');
    expect(getProperty(port, 'http://jackaudio.org/metadata/pretty-name')).toEqual({ value: 'Main Out', type: '' });
    expect(a.removeProperty(port, METADATA.PRETTY_NAME)).toBe(true);
  });
});

describe('removing properties', () => {
  it('removeProperty returns true, then false once it is gone', () => {
    const k = key('remove');
    a.setProperty(port, k, 'x');
    expect(a.removeProperty(port, k)).toBe(true);
    expect(getProperty(port, k)).toBeUndefined();
    expect(a.removeProperty(port, k)).toBe(false);
  });

  it('removeProperties returns how many properties it removed', async () => {
    const c = await Client.open(uniqueName('meta-rm'), { serverName: server.name });
    try {
      a.setProperty(c, key('rm1'), '1');
      a.setProperty(c, key('rm2'), '2');
      a.setProperty(c, key('rm3'), '3');
      expect(a.removeProperties(c)).toBe(3);
      expect(getProperties(c)).toEqual({});
      expect(a.removeProperties(c)).toBe(0);
    } finally {
      await c.close();
    }
  });

  // removeAllProperties is not tested: it would wipe the machine-wide metadata
  // store that concurrently running test files (other servers) use.
});

describe('propertyChange events', () => {
  it('reports created, changed and deleted with the subject UUID and key to another client', async () => {
    const k = key('events');
    const uuid = port.uuid;

    const created = changeOn(uuid, k, 'created');
    a.setProperty(port, k, 'v1');
    expect(await created).toEqual([uuid, k, 'created']);

    const changed = changeOn(uuid, k, 'changed');
    a.setProperty(port, k, 'v2');
    expect(await changed).toEqual([uuid, k, 'changed']);

    const deleted = changeOn(uuid, k, 'deleted');
    expect(a.removeProperty(port, k)).toBe(true);
    expect(await deleted).toEqual([uuid, k, 'deleted']);
  });

  it('reports a property set on a client with that client as subject', async () => {
    const k = key('client-event');
    const created = changeOn(a.uuid, k, 'created');
    a.setProperty(a, k, 'v');
    expect(await created).toEqual([a.uuid, k, 'created']);
    a.removeProperty(a, k);
  });
});

describe('METADATA keys', () => {
  it("equal libjack's own JACK_METADATA_* strings", () => {
    expect({ ...METADATA }).toEqual(native.constants.metadata);
  });

  it('exposes the standard JACK metadata keys', () => {
    expect(METADATA).toEqual({
      CONNECTED: 'http://jackaudio.org/metadata/connected',
      EVENT_TYPES: 'http://jackaudio.org/metadata/event-types',
      HARDWARE: 'http://jackaudio.org/metadata/hardware',
      ICON_LARGE: 'http://jackaudio.org/metadata/icon-large',
      ICON_NAME: 'http://jackaudio.org/metadata/icon-name',
      ICON_SMALL: 'http://jackaudio.org/metadata/icon-small',
      ORDER: 'http://jackaudio.org/metadata/order',
      PRETTY_NAME: 'http://jackaudio.org/metadata/pretty-name',
      PORT_GROUP: 'http://jackaudio.org/metadata/port-group',
      SIGNAL_TYPE: 'http://jackaudio.org/metadata/signal-type',
    });
    expect(Object.isFrozen(METADATA)).toBe(true);
  });
});

describe('client UUIDs and names', () => {
  it('round-trips getUuidForClientName and getClientNameByUuid', () => {
    const uuid = a.getUuidForClientName(b.name);
    expect(uuid).toBe(b.uuid);
    expect(/^\d+$/.test(uuid)).toBe(true);
    expect(a.getClientNameByUuid(uuid)).toBe(b.name);
    expect(a.getClientNameByUuid(BigInt(uuid))).toBe(b.name);
    expect(b.getClientNameByUuid(a.uuid)).toBe(a.name);
  });

  it('throws NO_SUCH_CLIENT for an unknown name or UUID', () => {
    const missing = `nobody-${process.pid}`;
    const err = errorOf(() => a.getUuidForClientName(missing));
    expect(err.code).toBe('NO_SUCH_CLIENT');
    expect(err.message).toContain(missing);

    const err2 = errorOf(() => a.getClientNameByUuid('123456789'));
    expect(err2.code).toBe('NO_SUCH_CLIENT');
    expect(err2.message).toContain('123456789');
  });

  it('no longer finds a client after it closed', async () => {
    const c = await Client.open(uniqueName('meta-gone'), { serverName: server.name });
    const uuid = c.uuid;
    const name = c.name;
    expect(a.getClientNameByUuid(uuid)).toBe(name);
    const gone = waitForEvent<[string, boolean]>(a, 'clientRegistration', (nm, reg) => nm === name && !reg);
    await c.close();
    await gone;
    await until(() => {
      try {
        a.getUuidForClientName(name);
        return false;
      } catch (err) {
        return (err as JackError).code === 'NO_SUCH_CLIENT';
      }
    }, 5000, 'closed client forgotten');
    expect(errorOf(() => a.getClientNameByUuid(uuid)).code).toBe('NO_SUCH_CLIENT');
  });
});

describe('invalid subjects and arguments', () => {
  it('rejects a malformed UUID string at module level', () => {
    for (const bad of ['not-a-uuid', '12ab', '', '0', '99999999999999999999999']) {
      const err = errorOf(() => getProperty(bad, 'k'));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(`"${bad}"`);
      expect(errorOf(() => getProperties(bad)).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('rejects non-integer and negative numeric UUIDs', () => {
    for (const bad of [-1, 1.5, 0, Number.NaN]) {
      expect(errorOf(() => getProperty(bad, 'k')).code).toBe('INVALID_ARGUMENT');
    }
    expect(errorOf(() => getProperty(-5n, 'k')).code).toBe('INVALID_ARGUMENT');
  });

  it('throws NO_SUCH_PORT when setting on an unknown port or client name', () => {
    const name = `nobody-${process.pid}:nothing`;
    const err = errorOf(() => a.setProperty(name, key('x'), 'v'));
    expect(err.code).toBe('NO_SUCH_PORT');
    expect(err.message).toContain(name);
    const err2 = errorOf(() => a.removeProperty(name, key('x')));
    expect(err2.code).toBe('NO_SUCH_PORT');
    expect(err2.message).toContain(name);
  });

  it('rejects an empty key and a non-string value', () => {
    expect(errorOf(() => a.setProperty(port, '', 'v')).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => a.setProperty(port, key('v'), 42 as never)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => a.setProperty(port, key('t'), 'v', 7 as never)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => getProperty(port, '')).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => a.removeProperty(port, '')).code).toBe('INVALID_ARGUMENT');
  });

  it('throws PORT_INVALID for an unregistered port and CLIENT_CLOSED for a closed client', async () => {
    const gone = a.outports.register('gone');
    const goneName = gone.name;
    gone.unregister();
    const err = errorOf(() => getProperty(gone, 'k'));
    expect(err.code).toBe('PORT_INVALID');
    expect(err.message).toContain(goneName);
    expect(errorOf(() => a.setProperty(gone, key('gone'), 'v')).code).toBe('PORT_INVALID');

    const c = await Client.open(uniqueName('meta-closed'), { serverName: server.name });
    const p = c.outports.register('tmp');
    await c.close();
    expect(errorOf(() => c.setProperty(a, key('closed'), 'v')).code).toBe('CLIENT_CLOSED');
    // A port of a closed client is unusable too (CLIENT_CLOSED: "a closed client, or one of its ports").
    expect(errorOf(() => getProperty(p, 'k')).code).toBe('CLIENT_CLOSED');
  });
});
