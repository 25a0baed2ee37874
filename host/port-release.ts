/**
 * Removing the temporary ports of recordings, streams and playbacks.
 * Rationale: with jackd 1.9.21, unregistering (or disconnecting) a port
 * connected to another port of the same client while the server freewheels
 * leaves a stale connection behind; the next port to reuse that id makes
 * jackd fail an assertion and exit (JackConnectionManager.cpp:343) when it
 * goes. So while the server freewheels, the ports stay (idle) and are
 * removed once it stops.
 */
import { fail } from './errors.js';
import { kNative, type NativeClient } from './native.js';
import type { OwnPort } from './port.js';

interface Owner {
  readonly closed: boolean;
  readonly [kNative]: unknown;
}

const temporary = new WeakSet<OwnPort>();
/** Marks ports a recording, stream or playback registered for itself (process() leaves them alone). */
export function markTemporary(ports: OwnPort[]): OwnPort[] {
  for (const p of ports) temporary.add(p);
  return ports;
}

export function isTemporary(p: OwnPort): boolean {
  return temporary.has(p);
}

/**
 * Refuses to register temporary ports while the server freewheels.
 * Rationale: jackd 1.9.21 cannot unregister a port registered while it
 * freewheeled (jack_port_unregister fails with "Output port index not
 * found" once freewheel ends), so such ports could never be removed.
 */
export function refuseWhileFreewheeling(client: Owner, what: string): void {
  if ((client[kNative] as NativeClient).isFreewheeling()) {
    fail('INVALID_ARGUMENT', `${what}: the server is freewheeling; start this before turning freewheel on (jackd cannot remove ports registered while it freewheels)`);
  }
}

/** Unregisters `ports` now, or once the server stops freewheeling. */
export function releasePorts(client: Owner, ports: OwnPort[]): void {
  const n = client[kNative] as NativeClient;
  afterFreewheel(n, () => {
    // Ports die with a client the server dropped.
    if (client.closed || n.isServerGone()) return;
    for (const p of ports) {
      if (!p[kNative]?.isValid()) continue;
      try {
        p.unregister();
      } catch (err) {
        // Never thrown from a timer. (jackd 1.9.21 cannot unregister a port
        // registered while it freewheeled; such ports are refused up front.)
        process.emitWarning(`jackwasm: could not remove the temporary port "${p.name}": ${(err as Error).message}`);
      }
    }
  });
}

/** Runs `fn` (which removes ports) now, or once the server stops freewheeling (or the client closed). */
export function afterFreewheel(n: NativeClient, fn: () => void): void {
  const go = (): void => {
    if (n.isOpen() && !n.isServerGone() && n.isFreewheeling()) setTimeout(go, 50).unref();
    else fn();
  };
  go();
}
