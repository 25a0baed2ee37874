/**
 * Client's metadata and UUID calls (jack/metadata.h, jack/uuid.h), checked
 * and turned into JackErrors.
 */
import { check, fail, require_ } from './errors.js';
import { subjectUuid, type Subject } from './metadata.js';
import { native, type NativeClient } from './native.js';

/** The UUID of a subject other than a Client: a port or client name, or a UUID. */
export function subjectOn(n: NativeClient, subject: Subject, what: string): string {
  if (typeof subject === 'string' && !/^\d+$/.test(subject)) {
    // A port name, else a client name.
    const p = n.portByName(subject);
    if (p) return p.uuid() as string;
    const u = n.uuidForClientName(subject);
    if (u) return u;
    fail('NO_SUCH_PORT', `${what}: no port or client named "${subject}"`);
  }
  return subjectUuid(subject, what);
}

export function setProperty(n: NativeClient, uuid: string, key: string, value: string, type: string | undefined): void {
  require_(typeof key === 'string' && key.length > 0, 'setProperty: key must be a non-empty string');
  require_(typeof value === 'string', 'setProperty: value must be a string');
  require_(type === undefined || typeof type === 'string', 'setProperty: type must be a string');
  check(n.setProperty(uuid, key, value, type ?? null), `setProperty ${key} on ${uuid}`);
}

/** False if the property did not exist. */
export function removeProperty(n: NativeClient, uuid: string, key: string): boolean {
  require_(typeof key === 'string' && key.length > 0, 'removeProperty: key must be a non-empty string');
  if (native.getProperty(uuid, key) === null) return false;
  check(n.removeProperty(uuid, key), `removeProperty ${key} on ${uuid}`);
  return true;
}

/** How many were removed. */
export function removeProperties(n: NativeClient, uuid: string): number {
  const removed = n.removeProperties(uuid) as number;
  if (removed < 0) fail('JACK_FAILED', `removeProperties on ${uuid} failed (JACK error ${removed})`, { jackCode: removed });
  return removed;
}

/** @throws NO_SUCH_CLIENT */
export function uuidForClientName(n: NativeClient, name: string): string {
  require_(typeof name === 'string' && name.length > 0, 'getUuidForClientName: name must be a non-empty string');
  const u = n.uuidForClientName(name);
  if (u === null) fail('NO_SUCH_CLIENT', `no client named "${name}"`);
  return u;
}

/** @throws NO_SUCH_CLIENT */
export function clientNameByUuid(n: NativeClient, uuid: string | bigint | number): string {
  const u = subjectUuid(uuid, 'getClientNameByUuid');
  const name = n.clientNameByUuid(u);
  if (name === null) fail('NO_SUCH_CLIENT', `no client with UUID ${u}`);
  return name;
}
