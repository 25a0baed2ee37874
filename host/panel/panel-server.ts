/**
 * The web control panel: a page generated from a client's module
 * descriptors (a control per parameter, a MIDI keyboard, level meters, an
 * oscilloscope, the trap/xrun/overrun log, the client's ports and
 * connections), served over HTTP and a WebSocket (npm `ws`) bound to
 * 127.0.0.1 behind a random token. Controls go through setParam and
 * sendMidi, the same lock-free path as any script; meters and the scope come
 * from the audio thread's taps (Client.meter, Client.scope), opened only
 * while a page is connected.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Client } from '../client.js';
import type { Meter, Scope } from '../client-meter.js';
import type { DspModule } from '../dsp/module.js';
import { checkOptionKeys, JackError, require_ } from '../errors.js';
import { isTemporary } from '../port-release.js';
import { panelPage } from './panel-page.js';
import { registerPanel } from './panel-registry.js';

/** Options of {@link servePanel}. */
export interface PanelOptions {
  /** TCP port on 127.0.0.1; 0 (default): any free port. */
  port?: number;
  /** Record the panel in the per-user registry so `jackwasm panel` finds it (default true). */
  register?: boolean;
  /** OSC addresses to list on the page (what serveOsc serves), if any. */
  osc?: { port: number; addresses: () => string[] };
}

/** A running panel. */
export interface Panel {
  /** The page's address, with its token: http://127.0.0.1:PORT/?token=... */
  readonly url: string;
  readonly port: number;
  /** Pages connected now. */
  readonly connections: number;
  /** Stops serving and closes the taps. */
  close(): Promise<void>;
}

type Incoming = { type: 'set'; module: string; param: string; value: number } | { type: 'midi'; module: string; bytes: number[] } | { type: 'scope'; module: string };

const MAX_MESSAGE = 64 << 10;
const STATE_POLL_MS = 250;
const LOG_KEEP = 200;

interface LogEntry {
  time: number;
  kind: 'trap' | 'xrun' | 'overrun' | 'log' | 'error';
  module?: string;
  message: string;
}

/** A JSON-able snapshot of what the page shows. */
function snapshot(client: Client, osc: PanelOptions['osc']) {
  const modules = client.modules.map((m) => ({
    name: m.name,
    params: m.params.map((p) => ({ id: p.id, name: p.name, min: p.min ?? null, max: p.max ?? null, value: p.value, default: p.default, unit: p.unit, step: p.step ?? null, scale: p.scale ?? 'lin', control: p.control ?? 'slider', path: p.path ?? null })),
    midi: m.midiInput !== undefined,
    inputs: m.inputs.map((p) => p.name),
    outputs: m.outputs.map((p) => p.name),
    trap: m.trap ? { kind: m.trap.kind, message: m.trap.message } : null,
    swaps: m.swaps,
  }));
  // The client's own ports, without the panel's and streams' temporary taps.
  const all = [client.inports, client.midiInports, client.outports, client.midiOutports].flatMap((ps) => ps.items);
  const taps = new Set(all.filter(isTemporary).map((p) => p.name));
  const ports = all.filter((p) => !taps.has(p.name)).map((p) => ({ name: p.name, type: p.isMidi ? 'midi' : 'audio', input: p.isInput, connections: safe(() => p.connections.map((q) => q.name).filter((n) => !taps.has(n)), []) }));
  return { client: client.name, sampleRate: client.sampleRate, blockSize: client.blockSize, modules, ports, osc: osc ? { port: osc.port, addresses: osc.addresses() } : null };
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** Every other sample of a window, down to at most `n` points (the scope's drawing). */
function decimate(x: Float32Array, n: number): number[] {
  const step = Math.max(1, Math.floor(x.length / n));
  const out: number[] = [];
  for (let i = 0; i < x.length; i += step) out.push(Math.round((x[i] ?? 0) * 1e4) / 1e4);
  return out;
}

function tokenMatches(given: string | null, token: string): boolean {
  if (given === null || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/**
 * Serves the control panel of `client`'s modules on 127.0.0.1.
 * @throws INVALID_ARGUMENT for bad options; the port's error if it is taken
 */
export async function servePanel(client: Client, options: PanelOptions = {}): Promise<Panel> {
  require_(typeof options === 'object' && options !== null, 'servePanel: options must be an object');
  checkOptionKeys(options, ['port', 'register', 'osc'], 'servePanel');
  const { port = 0, register = true, osc } = options;
  require_(Number.isInteger(port) && port >= 0 && port <= 65535, `servePanel: port must be an integer in [0, 65535], got ${String(port)}`);
  client.assertUsable('servePanel');
  const token = randomBytes(16).toString('hex');
  const log: LogEntry[] = [];
  const sockets = new Set<WebSocket>();
  let listenPort = 0;

  const hostOk = (req: IncomingMessage) => req.headers.host === `127.0.0.1:${listenPort}` || req.headers.host === `localhost:${listenPort}`;
  /** The request's URL; undefined for a target that is not one (answered 400, never thrown). */
  const urlOf = (req: IncomingMessage): URL | undefined => {
    try {
      return new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return undefined;
    }
  };
  const http: HttpServer = createServer((req, res) => {
    const url = urlOf(req);
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request\n');
      return;
    }
    // Rationale: a page another site opens in the browser must not reach
    // this one (DNS rebinding sends another Host; the token it cannot know).
    if (!hostOk(req) || !tokenMatches(url.searchParams.get('token'), token)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden: open the URL jackwasm printed (with its token)\n');
      return;
    }
    if (url.pathname !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:" });
    res.end(panelPage(client.name));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = urlOf(req);
    const origin = req.headers.origin;
    const originOk = origin === undefined || origin === `http://127.0.0.1:${listenPort}` || origin === `http://localhost:${listenPort}`;
    if (!url || url.pathname !== '/ws' || !hostOk(req) || !originOk || !tokenMatches(url.searchParams.get('token'), token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });

  const send = (ws: WebSocket, msg: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const broadcast = (msg: unknown) => {
    const text = JSON.stringify(msg);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const note = (e: Omit<LogEntry, 'time'>) => {
    const entry = { time: Date.now(), ...e };
    log.push(entry);
    if (log.length > LOG_KEEP) log.shift();
    broadcast({ type: 'log', entry });
  };

  // Module events: traps, overruns, log messages; attached once per module object.
  const watched = new Map<DspModule, () => void>();
  const watch = () => {
    for (const m of client.modules) {
      if (watched.has(m)) continue;
      const onTrap = (t: { where: string; message: string }) => note({ kind: 'trap', module: m.name, message: `${t.where}: ${t.message}` });
      const onOverrun = (o: { consecutive: number; timeUs: number; budgetUs: number }) => note({ kind: 'overrun', module: m.name, message: `${o.consecutive} overrun(s) in a row, ${o.timeUs.toFixed(0)} µs of a ${o.budgetUs.toFixed(0)} µs budget` });
      const onLog = (text: string) => note({ kind: 'log', module: m.name, message: text });
      m.on('trap', onTrap);
      m.on('overrun', onOverrun);
      m.on('log', onLog);
      watched.set(m, () => {
        m.off('trap', onTrap);
        m.off('overrun', onOverrun);
        m.off('log', onLog);
      });
    }
  };
  const onXrun = (delay: number) => note({ kind: 'xrun', message: `xrun (${delay.toFixed(0)} µs late)` });
  client.on('xrun', onXrun);

  // Taps, while a page is connected: a meter per module, the scope on one.
  let meters = new Map<string, Meter>();
  let scope: { module: string; tap: Scope } | undefined;
  let scopeWanted: string | undefined;
  let lastScopeSwitch = 0;
  const closeTaps = () => {
    for (const m of meters.values()) m.close();
    meters = new Map();
    scope?.tap.close();
    scope = undefined;
  };
  const syncTaps = () => {
    if (sockets.size === 0 || !client.active) return closeTaps();
    const mods = new Map(client.modules.filter((m) => m.outputs.length > 0).map((m) => [m.name, m]));
    for (const [name, meter] of meters) {
      if (!mods.has(name) || !meter.open) {
        meter.close();
        meters.delete(name);
      }
    }
    for (const [name, m] of mods) {
      if (meters.has(name)) continue;
      const meter = safe(() => client.meter(m.outputs.slice(), { intervalMs: 100 }), undefined);
      if (!meter) continue;
      meter.on('level', (r: { peak: number[]; rms: number[] }) => broadcast({ type: 'levels', module: name, peak: r.peak, rms: r.rms }));
      meters.set(name, meter);
    }
    const target = scopeWanted && mods.has(scopeWanted) ? scopeWanted : mods.keys().next().value;
    if (scope && (scope.module !== target || !scope.tap.open)) {
      scope.tap.close();
      scope = undefined;
    }
    if (!scope && target !== undefined) {
      const tap = safe(() => client.scope(mods.get(target)!.outputs[0]!, { frames: 1024, intervalMs: 100 }), undefined);
      if (tap) {
        tap.on('window', (w: { channels: Float32Array[] }) => broadcast({ type: 'scope', module: target, samples: decimate(w.channels[0] ?? new Float32Array(0), 256) }));
        scope = { module: target, tap };
      }
    }
  };

  // The state: polled, sent when it changes (a swap, a load, a set from a script).
  let lastState = '';
  const poll = setInterval(() => {
    if (sockets.size === 0) return;
    if (!usable()) return;
    watch();
    const text = JSON.stringify({ type: 'state', state: snapshot(client, osc) });
    if (text !== lastState) {
      lastState = text;
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
      syncTaps();
    }
  }, STATE_POLL_MS);
  poll.unref();

  const usable = () => safe(() => (client.assertUsable('panel'), true), false);
  wss.on('connection', (ws) => {
    // A protocol error (an oversized or malformed frame) ends that socket only.
    ws.on('error', () => ws.terminate());
    if (!usable()) {
      ws.close(1011, 'the client is closed');
      return;
    }
    sockets.add(ws);
    watch();
    send(ws, { type: 'state', state: snapshot(client, osc) });
    for (const entry of log) send(ws, { type: 'log', entry });
    syncTaps();
    ws.on('message', (data) => {
      let msg: Incoming;
      try {
        msg = JSON.parse(String(data)) as Incoming;
        handle(msg);
      } catch (err) {
        send(ws, { type: 'error', message: err instanceof JackError ? `[${err.code}] ${err.message}` : `bad message: ${(err as Error).message}` });
      }
    });
    ws.on('close', () => {
      sockets.delete(ws);
      if (sockets.size === 0) closeTaps();
    });
  });

  const moduleNamed = (name: unknown): DspModule => {
    const m = client.modules.find((x) => x.name === name);
    require_(m !== undefined, `no module named ${JSON.stringify(name)}`);
    return m;
  };
  function handle(msg: Incoming): void {
    require_(typeof msg === 'object' && msg !== null, 'expected an object');
    if (msg.type === 'set') {
      require_(typeof msg.param === 'string' && typeof msg.value === 'number', 'set: param (string) and value (number)');
      moduleNamed(msg.module).setParam(msg.param, msg.value);
    } else if (msg.type === 'midi') {
      require_(Array.isArray(msg.bytes) && msg.bytes.length <= 3, 'midi: bytes must be 1-3 numbers');
      moduleNamed(msg.module).sendMidi(msg.bytes);
    } else if (msg.type === 'scope') {
      moduleNamed(msg.module);
      scopeWanted = msg.module;
      // Rationale: each switch registers and removes a JACK port; a burst of
      // them would hold the main thread. The state poll applies the last one.
      const now = Date.now();
      if (now - lastScopeSwitch >= 250) {
        lastScopeSwitch = now;
        syncTaps();
      } else lastState = '';
    } else {
      require_(false, `unknown message type ${JSON.stringify((msg as { type?: unknown }).type)}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  listenPort = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${listenPort}/?token=${token}`;
  const unregister = register ? await registerPanel(client.name, url) : async () => {};
  let closed = false;
  return {
    url,
    port: listenPort,
    get connections() {
      return sockets.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      client.off('xrun', onXrun);
      for (const off of watched.values()) off();
      watched.clear();
      closeTaps();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await unregister();
    },
  };
}
