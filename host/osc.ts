/**
 * OSC control over UDP (npm `osc`), on 127.0.0.1 by default: a client's
 * modules' parameters, their MIDI input, and the transport.
 *
 *   /<module>/param/<param> f    setParam by id (or by the module's own path, e.g. a Faust address)
 *   /<module>/<param> f          the same, but for ids midi and note and what starts with param/
 *   /<module>/midi i [i [i]]     sendMidi(bytes)
 *   /<module>/note i i           note on (velocity 0: off), channel 1
 *   /transport/start | /transport/stop | /transport/locate i
 *
 * Numbers: i, h (64-bit, to the nearest double), f, d; T and F are 1 and 0,
 * I is 1. Messages that name nothing or carry bad values are counted and
 * reported ('error' events), never thrown at the sender.
 */
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import osc, { type OscMessage, type UDPPort } from 'osc';

import type { Client } from './client.js';
import type { DspModule } from './dsp/module.js';
import { checkOptionKeys, JackError, require_ } from './errors.js';

/** What follows /<module>/ and is not a parameter's id (the MIDI addresses). */
const RESERVED = new Set(['midi', 'note']);

/** The address of parameter `id` of module `m`: /m/id, or /m/param/id where that is taken (by MIDI, or by transport for a module named so). */
function paramAddress(m: string, id: string): string {
  return RESERVED.has(id) || id.startsWith('param/') || m === 'transport' ? `/${m}/param/${id}` : `/${m}/${id}`;
}

const NUMERIC = new Set(['i', 'f', 'd', 'h', 'I']);

/**
 * An OSC argument's number: i f d I as they are, h (osc.js's 64-bit
 * {high, low}) to the nearest double, T F as 1 and 0; undefined for the
 * other types (strings, blobs, time tags, nil, ...).
 */
function oscNumber(arg: { type: string; value: unknown }): number | undefined {
  const v = arg.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (arg.type === 'h' && typeof v === 'object' && v !== null) {
    const { high, low } = v as { high?: unknown; low?: unknown };
    if (typeof high === 'number' && typeof low === 'number') return high * 2 ** 32 + (low >>> 0);
  }
  return typeof v === 'number' && NUMERIC.has(arg.type) ? v : undefined;
}

/** Options of {@link serveOsc}. */
export interface OscOptions {
  /** UDP port; 0: any free port (see `port` after it starts). Default 9000. */
  port?: number;
  /** Address to bind, default '127.0.0.1' (only this machine). */
  host?: string;
}


/** An OSC server for a client (events: 'error' with a message for each refused message). */
export class OscServer extends EventEmitter<{ error: [message: string]; message: [address: string, values: unknown[]] }> {
  readonly #client: Client;
  readonly #udp: UDPPort;
  #port = 0;
  /** Messages applied, and refused. */
  readonly stats = { applied: 0, refused: 0 };

  /** @internal Use serveOsc(). */
  constructor(client: Client, udp: unknown) {
    super();
    this.#client = client;
    this.#udp = udp as UDPPort;
  }

  get port(): number {
    return this.#port;
  }

  /** The addresses this server answers now, one per parameter and module (for the panel and the docs). */
  addresses(): string[] {
    const out: string[] = [];
    for (const m of this.#client.modules) {
      for (const p of m.params) out.push(`${paramAddress(m.name, p.id)} f`);
      if (m.midiInput) out.push(`/${m.name}/midi i i i`, `/${m.name}/note i i`);
    }
    out.push('/transport/start', '/transport/stop', '/transport/locate i');
    return out;
  }

  /** @internal */
  start(socket: Socket): void {
    this.#port = socket.address().port;
    socket.on('error', (err) => this.#refuse(`OSC: ${err.message}`));
    this.#udp.on('error', (err) => this.#refuse(`OSC: ${err.message}`));
    this.#udp.on('message', (msg) => this.#apply(msg));
  }

  #refuse(message: string): void {
    this.stats.refused++;
    if (this.listenerCount('error') > 0) this.emit('error', message);
  }

  #apply(msg: OscMessage): void {
    const values = msg.args.map((a) => oscNumber(a) ?? a.value);
    try {
      this.#dispatch(msg.address, msg.args);
      this.stats.applied++;
      this.emit('message', msg.address, values);
    } catch (err) {
      this.#refuse(`${msg.address}: ${err instanceof JackError ? err.message : (err as Error).message}`);
    }
  }

  #dispatch(address: string, args: OscMessage['args']): void {
    const c = this.#client;
    const values = args.map((a) => oscNumber(a));
    const num = (i: number, what: string, otherwise?: number) => {
      const v = values[i] ?? (i >= args.length ? otherwise : undefined);
      require_(v !== undefined && Number.isFinite(v), `${what} must be a number${i < args.length ? ` (got OSC type ${args[i]?.type})` : ''}`);
      return v;
    };
    if (address === '/transport/start') return c.transportStart();
    if (address === '/transport/stop') return c.transportStop();
    if (address === '/transport/locate') return c.transportReposition({ frame: num(0, 'the frame') });
    const parts = address.split('/');
    const m: DspModule | undefined = c.modules.find((x) => x.name === parts[1]);
    require_(m !== undefined, `no module named "${parts[1] ?? ''}" (modules: ${c.modules.map((x) => x.name).join(', ') || 'none'})`);
    let rest = parts.slice(2).join('/');
    if (rest === 'midi') {
      require_(values.length >= 1 && values.length <= 3, 'midi takes 1-3 bytes');
      return m.sendMidi(values.map((_, i) => num(i, 'a MIDI byte')));
    }
    if (rest === 'note') {
      const note = num(0, 'the note');
      const vel = num(1, 'the velocity', 100);
      return m.sendMidi(vel > 0 ? [0x90, note, vel] : [0x80, note, 0]);
    }
    // Rationale: /m/param/<id> always names a parameter (ids midi and note included).
    if (rest.startsWith('param/')) rest = rest.slice('param/'.length);
    const param = m.params.find((p) => p.id === rest || p.path === `/${rest}`);
    require_(param !== undefined, `module "${m.name}" has no parameter "${rest}"`);
    m.setParam(param.id, num(0, 'the value'));
  }

  #closed = false;

  /** Stops listening (again: no effect). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#udp.close();
    } catch {
      /* the socket is already closed */
    }
  }
}

/**
 * Serves OSC control of `client`'s modules and transport on UDP.
 * @throws INVALID_ARGUMENT for bad options; the socket's error (a port in use) as INVALID_ARGUMENT naming it
 */
export async function serveOsc(client: Client, options: OscOptions = {}): Promise<OscServer> {
  require_(typeof options === 'object' && options !== null, 'serveOsc: options must be an object');
  checkOptionKeys(options, ['port', 'host'], 'serveOsc');
  const { port = 9000, host = '127.0.0.1' } = options;
  require_(Number.isInteger(port) && port >= 0 && port <= 65535, `serveOsc: port must be an integer in [0, 65535], got ${String(port)}`);
  require_(typeof host === 'string' && host.length > 0, 'serveOsc: host must be an address');
  client.assertUsable('serveOsc');
  // Rationale: osc.js's own socket is udp4 only; it takes one made here
  // (its documented `socket` option), IPv6 for an IPv6 address.
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    try {
      socket.close();
    } catch {
      /* not running */
    }
    require_(false, `serveOsc: cannot listen on udp ${isIPv6(host) ? `[${host}]` : host}:${port}: ${(err as Error).message}`);
  }
  const server = new OscServer(client, new osc.UDPPort({ socket, metadata: true }));
  server.start(socket);
  return server;
}
