/**
 * Which JACK server this process has clients on.
 * Rationale: jackd2's libjack maps one server's shared memory per process; a
 * client (even a short-lived probe) opened on a second server while clients
 * of the first are open sees the wrong graph, and with realtime callbacks
 * installed libjack crashes (measured). Client.open refuses such opens; the
 * server probes run in a child process instead.
 */
export const openOn = { server: '', clients: 0 };

/** True if opening a client on `server` in this process would conflict. */
export function conflictsWith(server: string): boolean {
  return openOn.clients > 0 && openOn.server !== server;
}
