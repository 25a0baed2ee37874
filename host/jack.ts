/** Module-level JACK functions (no client needed). */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { native } from './native.js';
import { require_ } from './errors.js';

/** JACK library version. jackd2's jack_get_version() reports zeros, so the numbers come from the version string. */
export interface JackVersion {
  major: number;
  minor: number;
  micro: number;
  protocol: number;
}

export function version(): JackVersion {
  const [major, minor, micro, protocol] = native.version();
  if (major || minor || micro) return { major, minor, micro, protocol };
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(native.versionString());
  return m ? { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3]), protocol } : { major, minor, micro, protocol };
}

/** The JACK library's version string, e.g. "1.9.21". */
export function versionString(): string {
  return native.versionString();
}

/** jack_client_name_size(): maximum client name length in bytes, including the final NUL. */
export function clientNameSize(): number {
  return native.clientNameSize();
}

/** jack_port_name_size(): maximum full port name length in bytes, including the final NUL. */
export function portNameSize(): number {
  return native.portNameSize();
}

/** jack_port_type_size(): maximum port type string length. */
export function portTypeSize(): number {
  return native.portTypeSize();
}

/**
 * Routes JACK's error messages to `fn` (called on the main thread), or back
 * to stderr when `fn` is omitted.
 */
export function setErrorFunction(fn?: (message: string) => void): void {
  require_(fn === undefined || fn === null || typeof fn === 'function', 'setErrorFunction: expected a function or nothing');
  native.setErrorFunction(fn ?? null);
}

/** Routes JACK's info messages to `fn`, or back to stderr when omitted. */
export function setInfoFunction(fn?: (message: string) => void): void {
  require_(fn === undefined || fn === null || typeof fn === 'function', 'setInfoFunction: expected a function or nothing');
  native.setInfoFunction(fn ?? null);
}

/**
 * PID of the process running the client called `name`, or undefined if no
 * such client is found.
 *
 * Rationale: jackd2's libjack does not implement jack_get_client_pid (it
 * returns 0 and logs "not implemented"), so on Linux we find the process that
 * owns the client's notification socket, /dev/shm/jack_<name>_<uid>_0. Client
 * names are unique across all servers (that socket path has no server name).
 */
export function clientPid(name: string): number | undefined {
  require_(typeof name === 'string' && name.length > 0, 'clientPid: name must be a non-empty string');
  return clientPidFromProc(name);
}

function clientPidFromProc(name: string): number | undefined {
  const uid = process.getuid?.() ?? 0;
  const path = `/dev/shm/jack_${name}_${uid}_0`;
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return undefined;
  }
  const inodes = new Set<string>();
  for (const line of table.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 8 && cols[7] === path) inodes.add(cols[6] as string);
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1] as string)) return Number(entry);
    }
  }
  return undefined;
}
