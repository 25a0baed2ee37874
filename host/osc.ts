/**
 * OSC control over UDP (npm `osc`), on 127.0.0.1 by default: a client's
 * modules' parameters, their MIDI input, and the transport.
 *
 *   /<module>/<param> f          setParam by id (or by the module's own path, e.g. a Faust address)
 *   /<module>/midi i [i [i]]     sendMidi(bytes)
 *   /<module>/note i i           note on (velocity 0: off), channel 1
 *   /transport/start | /transport/stop | /transport/locate i
 *
 * Messages that name nothing or carry bad values are counted and reported
 * ('error' events), never thrown at the sender.
 */
import { EventEmitter } from 'node:events';
import osc, { type OscMessage, type UDPPort } from 'osc';

import type { Client } from './client.js';
import type { DspModule } from './dsp/module.js';
import { checkOptionKeys, JackError, require_ } from './errors.js';

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
      for (const p of m.params) out.push(`/${m.name}/${p.id} f`);
      if (m.midiInput) out.push(`/${m.name}/midi i i i`, `/${m.name}/note i i`);
    }
    out.push('/transport/start', '/transport/stop', '/transport/locate i');
    return out;
  }

  /** @internal */
  async start(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#udp.on('ready', () => resolve());
      this.#udp.on('error', (err) => reject(err));
      this.#udp.open();
    });
    this.#port = this.#udp.socket?.address().port ?? port;
    this.#udp.on('error', (err) => this.#refuse(`OSC: ${err.message}`));
    this.#udp.on('message', (msg) => this.#apply(msg));
  }

  #refuse(message: string): void {
    this.stats.refused++;
    if (this.listenerCount('error') > 0) this.emit('error', message);
  }

  #apply(msg: OscMessage): void {
    const values = msg.args.map((a) => a.value);
    try {
      this.#dispatch(msg.address, values);
      this.stats.applied++;
      this.emit('message', msg.address, values);
    } catch (err) {
      this.#refuse(`${msg.address}: ${err instanceof JackError ? err.message : (err as Error).message}`);
    }
  }

  #dispatch(address: string, values: unknown[]): void {
    const c = this.#client;
    // OSC's true/false (T, F) drive checkboxes and buttons as 1 and 0.
    const num = (v: unknown, what: string) => {
      if (typeof v === 'boolean') return v ? 1 : 0;
      require_(typeof v === 'number' && Number.isFinite(v), `${what} must be a number`);
      return v;
    };
    if (address === '/transport/start') return c.transportStart();
    if (address === '/transport/stop') return c.transportStop();
    if (address === '/transport/locate') return c.transportReposition({ frame: num(values[0], 'the frame') });
    const parts = address.split('/');
    const m: DspModule | undefined = c.modules.find((x) => x.name === parts[1]);
    require_(m !== undefined, `no module named "${parts[1] ?? ''}" (modules: ${c.modules.map((x) => x.name).join(', ') || 'none'})`);
    const rest = parts.slice(2).join('/');
    if (rest === 'midi') {
      require_(values.length >= 1 && values.length <= 3, 'midi takes 1-3 bytes');
      return m.sendMidi(values.map((v) => num(v, 'a MIDI byte')));
    }
    if (rest === 'note') {
      const note = num(values[0], 'the note');
      const vel = num(values[1] ?? 100, 'the velocity');
      return m.sendMidi(vel > 0 ? [0x90, note, vel] : [0x80, note, 0]);
    }
    const param = m.params.find((p) => p.id === rest || p.path === `/${rest}`);
    require_(param !== undefined, `module "${m.name}" has no parameter "${rest}"`);
    m.setParam(param.id, num(values[0], 'the value'));
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
  const udp = new osc.UDPPort({ localAddress: host, localPort: port, metadata: true });
  const server = new OscServer(client, udp);
  try {
    await server.start(port);
  } catch (err) {
    require_(false, `serveOsc: cannot listen on udp ${host}:${port}: ${(err as Error).message}`);
  }
  return server;
}
