/**
 * JACK metadata (jack/metadata.h): module-level readers and the standard keys.
 * Writers live on Client (JACK needs a client to set or remove properties).
 */
import { kNative, native } from './native.js';
import { fail, require_ } from './errors.js';
import type { Client } from './client.js';
import type { Port } from './port.js';

/**
 * The standard JACK_METADATA_* keys (jack/metadata.h). Rationale: spelled
 * out rather than read from libjack, so importing the package loads nothing
 * native; a test checks them against libjack's.
 */
export const METADATA = Object.freeze({
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

/**
 * What a property belongs to: a Port, a Client, or a UUID (decimal string,
 * bigint or safe integer). Client methods also accept a port or client name.
 */
export type Subject = Port | Client | string | bigint | number;

/** A property value with its MIME type ('' when none was given). */
export interface Property {
  value: string;
  type: string;
}

/** @internal Decimal UUID of a subject that needs no name lookup. */
export function subjectUuid(subject: Subject, what: string): string {
  if (typeof subject === 'bigint') {
    require_(subject > 0n && subject < 2n ** 64n, `${what}: UUID ${subject} is out of range`);
    return subject.toString();
  }
  if (typeof subject === 'number') {
    require_(Number.isSafeInteger(subject) && subject > 0, `${what}: UUID ${subject} must be a positive safe integer (use a string or bigint for large UUIDs)`);
    return String(subject);
  }
  if (typeof subject === 'string') {
    if (!/^\d{1,20}$/.test(subject) || BigInt(subject) >= 2n ** 64n || BigInt(subject) === 0n) {
      fail('INVALID_ARGUMENT', `${what}: "${subject}" is not a UUID (module-level functions take a UUID, a Port or a Client)`);
    }
    return subject;
  }
  if (subject && typeof subject === 'object' && 'uuid' in subject && kNative in subject) return subject.uuid;
  return fail('INVALID_ARGUMENT', `${what}: subject must be a Port, a Client or a UUID`);
}

/** One property of a subject, or undefined if it has none with that key. */
export function getProperty(subject: Subject, key: string): Property | undefined {
  require_(typeof key === 'string' && key.length > 0, 'getProperty: key must be a non-empty string');
  const r = native.getProperty(subjectUuid(subject, 'getProperty'), key);
  return r ? { value: r[0], type: r[1] } : undefined;
}

/** All properties of a subject, by key. */
export function getProperties(subject: Subject): Record<string, Property> {
  const list = native.getProperties(subjectUuid(subject, 'getProperties')) ?? [];
  const out: Record<string, Property> = {};
  for (const [key, value, type] of list) out[key] = { value, type };
  return out;
}

/** Every property of every subject, by subject UUID then key. */
export function getAllProperties(): Record<string, Record<string, Property>> {
  const out: Record<string, Record<string, Property>> = {};
  for (const [subject, props] of native.getAllProperties()) {
    const entry: Record<string, Property> = (out[subject] ??= {});
    for (const [key, value, type] of props) entry[key] = { value, type };
  }
  return out;
}
