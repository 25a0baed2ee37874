/**
 * Client: one JACK client (jack_client_t) with its ports, connections,
 * transport, time, freewheel, metadata and events.
 */
import { EventEmitter } from 'node:events';
import { MidiStreams } from './midi-port.js';
import { existsSync } from 'node:fs';
import { serverSocketPath } from './server.js';
import { conflictsWith, openOn } from './process-server.js';
import { C, kNative, native, type NativeClient, type NativeEvent, type NativePort, type NativePosition } from './native.js';
import { check, fail, JackOpenError, raise, require_, checkOptionKeys } from './errors.js';
import { Status } from './status.js';
import {
  OwnPort,
  Port,
  Ports,
  checkPortName,
  portName,
  type PortsHost,
  type RegisterOptions,
} from './port.js';
import {
  checkReposition,
  checkTimebase,
  DEFAULT_TIMEBASE,
  transportStateName,
  type RepositionTarget,
  type TimebaseSettings,
  type TransportStateName,
} from './transport.js';
import type { Subject } from './metadata.js';
import * as meta from './client-metadata.js';
import { dispatchEvent, runSyncHandler } from './client-events.js';
import { recordPorts, type RecordOptions } from './client-record.js';
import { openReadStream, type AudioReadStream, type ReadStreamOptions } from './client-stream.js';
import { playPorts, type Playback, type PlayOptions } from './client-play.js';
import { openMeter, openScope, type Meter, type MeterOptions, type Scope, type ScopeOptions } from './client-meter.js';
import { endProcess, processBlock, processStatsOf, type ProcessOptions, type ProcessResult, type ProcessStats } from './client-process.js';
import { openWriteStream, type AudioWriteStream, type WriteStreamOptions } from './client-write-stream.js';
import { compilePortFilter } from './port-filter.js';
import { clientExists } from './client-exists.js';
import { processTimeOf } from './process-time.js';
import { DspModule, type DspHost, type LoadOptions } from './dsp/module.js';
import { loadModule } from './dsp/load-module.js';
import type { ModuleSource } from './dsp/instance.js';

import type { ClientEvents, ClientOptions, CycleTimes, PortFilter, ProcessTime, Recording, SyncHandler, TransportQuery } from './client-types.js';
import { checkConnectable } from './port-checks.js';

const EBUSY = 16;
const EINVAL = 22;
const EEXIST = 17;

let clientNameMax: number | undefined;
/**
 * Longest client name JACK accepts, in bytes.
 * Rationale: jack_client_name_size() is 65 on jackd2, but its libjack refuses
 * names of 64 bytes or more ("Please use 63 characters or less").
 */
export function maxClientNameBytes(): number {
  clientNameMax ??= native.clientNameSize() - 2;
  return clientNameMax;
}


function resolvedServerName(serverName: string | undefined): string {
  return serverName ?? process.env.JACK_DEFAULT_SERVER ?? 'default';
}

/**
 * A JACK client. Open with `await Client.open(name)`; close with
 * `await client.close()` (or `await using client = await Client.open(...)`).
 */
/** Ports given to the audio calls: Port objects or full names. */
type PortArg = readonly (Port | string)[];

export class Client extends EventEmitter<ClientEvents> implements PortsHost, DspHost, AsyncDisposable {
  /** @internal */
  [kNative]: NativeClient;
  /** Audio input ports registered by this client. */
  readonly inports: Ports;
  /** Audio output ports registered by this client. */
  readonly outports: Ports;
  /** MIDI input ports registered by this client. */
  readonly midiInports: Ports;
  /** MIDI output ports registered by this client. */
  readonly midiOutports: Ports;
  /** @internal MIDI between JS and own MIDI ports (port.send, port.on('midi')). */
  readonly midiStreams: MidiStreams;
  /** The status bits jack_client_open reported. */
  readonly status: Status;
  /** The server this client is connected to (as requested). */
  readonly serverName: string | undefined;

  #name: string;
  #closed = false;
  #closing: Promise<void> | undefined;
  #syncHandler: SyncHandler | undefined;
  /** Every Port object handed out, so renames announced by JACK can be followed. */
  #views = new Set<WeakRef<Port>>();
  #viewGc = new FinalizationRegistry<WeakRef<Port>>((ref) => this.#views.delete(ref));
  #modules = new Map<number, DspModule>();
  #watchdogMs = 50;
  #overrun = { budget: 1, silenceAfter: 8 };
  #timebase: Required<TimebaseSettings> | undefined;

  private constructor(n: NativeClient, name: string, status: Status, serverName: string | undefined) {
    super();
    this[kNative] = n;
    this.#name = name;
    this.status = status;
    this.serverName = serverName;
    this.inports = new Ports(this, 'audio', 'input');
    this.outports = new Ports(this, 'audio', 'output');
    this.midiInports = new Ports(this, 'midi', 'input');
    this.midiOutports = new Ports(this, 'midi', 'output');
    this.midiStreams = new MidiStreams(() => this[kNative], () => this[kNative].lastFrameTime() ?? 0);
  }

  /**
   * Opens a client on a running JACK server.
   * @throws JackOpenError when JACK refuses (see `status`), JackError for bad arguments.
   */
  static async open(name: string, options: ClientOptions = {}): Promise<Client> {
    require_(typeof name === 'string' && name.length > 0, 'Client.open: name must be a non-empty string');
    require_(!name.includes(':') && !name.includes('\0'), `Client.open: client name "${name}" must not contain ':' or NUL`);
    require_(typeof options === 'object' && options !== null, 'Client.open: options must be an object');
    const limit = maxClientNameBytes();
    if (Buffer.byteLength(name) > limit) {
      fail('NAME_TOO_LONG', `Client.open: client name "${name}" is ${Buffer.byteLength(name)} bytes; JACK allows at most ${limit}`);
    }
    const { useExactName = false, noStartServer = true, serverName, sessionId } = options;
    require_(serverName === undefined || (typeof serverName === 'string' && serverName.length > 0), 'Client.open: serverName must be a non-empty string');
    require_(sessionId === undefined || typeof sessionId === 'string', 'Client.open: sessionId must be a string');
    const server = resolvedServerName(serverName);
    // (A server that does not exist is left to libjack, which reports it.)
    if (conflictsWith(server) && existsSync(serverSocketPath(server))) {
      fail(
        'SERVER_CONFLICT',
        `Client.open: this process has ${openOn.clients} client(s) open on JACK server "${openOn.server}"; libjack can use only one server per process at a time, so close them before opening "${name}" on server "${server}" (or use a child process)`,
      );
    }
    let flags = 0;
    if (useExactName) flags |= C.UseExactName;
    if (noStartServer) flags |= C.NoStartServer;

    // Events may arrive before `open` resolves; they are queued until the
    // Client object exists.
    let client: Client | undefined;
    const early: NativeEvent[] = [];
    const n = new native.NativeClient((ev) => {
      if (client) client.#dispatch(ev);
      else early.push(ev);
    });
    const r = await n.open(name, flags, serverName ?? null, sessionId ?? null);
    const status = new Status(r.status);
    if (!r.ok) {
      const where = serverName ? `server "${serverName}"` : 'the default JACK server';
      const reasons = status.describe().join('; ') || 'unknown reason';
      let hint = status.serverFailed ? ` (is ${where} running? start one with Server.start() or \`jackwasm server\`)` : '';
      // Rationale: jackd2 reports a taken exact name as a server error, losing
      // the nameNotUnique bit; find out and say so.
      if (useExactName && !status.serverFailed && (await clientExists(name, serverName))) {
        hint = ` (a client named "${name}" already exists; client names must be unique across all JACK servers)`;
      }
      raise(new JackOpenError(name, status, `cannot open JACK client "${name}" on ${where}: ${reasons}${hint}`));
    }
    client = new Client(n, n.name() ?? name, status, serverName);
    openOn.server = server;
    openOn.clients++;
    for (const ev of early) client.#dispatch(ev);
    return client;
  }

  // --- lifetime ---------------------------------------------------------

  /** @internal Throws unless the client can talk to the server. */
  assertUsable(what: string): void {
    if (this.#closed) fail('CLIENT_CLOSED', `${what}: client "${this.#name}" is closed`);
    if (this[kNative].isServerGone()) fail('SERVER_GONE', `${what}: the JACK server shut down client "${this.#name}"`);
  }

  /** @internal */
  get clientName(): string {
    return this.#name;
  }

  private get n(): NativeClient {
    if (this.#closed) fail('CLIENT_CLOSED', `client "${this.#name}" is closed`);
    return this[kNative];
  }

  /** True once close() has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the client (deactivating it first). Its ports become invalid and
   * every later call throws CLIENT_CLOSED. Safe to call twice.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    if (--openOn.clients === 0) openOn.server = '';
    for (const m of this.#modules.values()) m.detachClosed();
    this.#modules.clear();
    this.midiStreams.close();
    for (const list of [this.inports, this.outports, this.midiInports, this.midiOutports]) list.items.length = 0;
    this.#closing = this[kNative].close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- properties -----------------------------------------------------------

  /** The client's actual name (JACK may have made it unique). */
  get name(): string {
    return this.#name;
  }
  /** The client's UUID, as a decimal string. */
  get uuid(): string {
    this.assertUsable('Client.uuid');
    return this.n.uuid() as string;
  }
  get sampleRate(): number {
    this.assertUsable('Client.sampleRate');
    return this.n.sampleRate() as number;
  }
  /** Frames per cycle. Setting it asks the server to change the period for everyone. */
  get blockSize(): number {
    this.assertUsable('Client.blockSize');
    return this.n.bufferSize() as number;
  }
  set blockSize(frames: number) {
    this.assertUsable('Client.blockSize');
    require_(Number.isInteger(frames) && frames > 0 && (frames & (frames - 1)) === 0, `blockSize must be a power of two, got ${frames}`);
    check(this.n.setBufferSize(frames), `setting the block size to ${frames}`);
  }
  /** True if the server runs with realtime scheduling. */
  get realtime(): boolean {
    this.assertUsable('Client.realtime');
    return this.n.isRealtime() as boolean;
  }
  /** Estimated frames since the current cycle started. */
  get framesSinceCycleStart(): number {
    this.assertUsable('Client.framesSinceCycleStart');
    return this.n.framesSinceCycleStart() as number;
  }
  /** Estimated current frame time (a free-running counter). */
  get frameTime(): number {
    this.assertUsable('Client.frameTime');
    return this.n.frameTime() as number;
  }
  /** Frame time at the start of the current cycle. */
  get lastFrameTime(): number {
    this.assertUsable('Client.lastFrameTime');
    return this.n.lastFrameTime() as number;
  }
  /** Server DSP load, percent. */
  cpuLoad(): number {
    this.assertUsable('Client.cpuLoad');
    return this.n.cpuLoad() as number;
  }
  /** True between activate() and deactivate(). */
  get active(): boolean {
    return !this.#closed && this[kNative].isActive();
  }

  /** Starts processing (callbacks run; connections to other clients carry data). */
  activate(): void {
    this.assertUsable('Client.activate');
    check(this.n.activate(), `activating client "${this.#name}"`);
  }
  /** Stops processing; connections are kept by JACK only while active (see JACK docs). */
  deactivate(): void {
    this.assertUsable('Client.deactivate');
    check(this.n.deactivate(), `deactivating client "${this.#name}"`);
  }

  /** True if `port` (a Port or a full name) belongs to this client. */
  owns(port: Port | string): boolean {
    this.assertUsable('Client.owns');
    const name = portName(port, 'Client.owns');
    const p = this.n.portByName(name);
    if (!p) fail('NO_SUCH_PORT', `Client.owns: no port named "${name}"`);
    return p.isMine() as boolean;
  }

  // --- ports ------------------------------------------------------------------

  /** @internal Called by Ports.register. */
  registerPort(list: Ports, shortName: string, options: RegisterOptions): OwnPort {
    this.assertUsable('register port');
    require_(typeof options === 'object' && options !== null, 'register: options must be an object');
    checkOptionKeys(options, ['isTerminal', 'isPhysical', 'canMonitor'], `register(${shortName})`);
    checkPortName(this.#name, shortName);
    const full = `${this.#name}:${shortName}`;
    if (this.n.portByName(full)) fail('INVALID_ARGUMENT', `register: a port named "${full}" already exists`);
    let flags = list.direction === 'input' ? C.PortIsInput : C.PortIsOutput;
    if (options.isTerminal) flags |= C.PortIsTerminal;
    if (options.isPhysical) flags |= C.PortIsPhysical;
    if (options.canMonitor) flags |= C.PortCanMonitor;
    const type = list.kind === 'audio' ? C.DEFAULT_AUDIO_TYPE : C.DEFAULT_MIDI_TYPE;
    const p = this.n.portRegister(shortName, type, flags);
    if (!p) fail('JACK_FAILED', `register: JACK refused to register port "${full}"`);
    if (p.name() !== full) {
      // Never hand out a port under a name other than the one asked for.
      const got = p.name();
      p.unregister();
      fail('NAME_TOO_LONG', `register: JACK registered "${full}" as "${got}"`);
    }
    const port = this.#track(new OwnPort(this, p, full));
    list.items.push(port);
    return port;
  }

  /** @internal Called by OwnPort.unregister. */
  forgetPort(port: OwnPort): void {
    for (const list of [this.inports, this.outports, this.midiInports, this.midiOutports]) {
      const i = list.items.indexOf(port);
      if (i >= 0) list.items.splice(i, 1);
    }
  }

  #ownPortFor(p: NativePort): OwnPort | undefined {
    for (const list of [this.inports, this.outports, this.midiInports, this.midiOutports]) {
      for (const own of list.items) if (own[kNative]?.equals(p)) return own;
    }
    return undefined;
  }

  #wrap(p: NativePort, name: string): Port {
    return this.#ownPortFor(p) ?? this.#track(new Port(this, p, name));
  }

  #track<T extends Port>(port: T): T {
    const ref = new WeakRef<Port>(port);
    this.#views.add(ref);
    this.#viewGc.register(port, ref);
    return port;
  }

  /** A port was renamed: every Port object for it keeps working under the new name. */
  #followRename(oldName: string, newName: string): void {
    for (const ref of this.#views) ref.deref()?.[kNative]?.follow(oldName, newName);
  }

  /**
   * The port with this full name (own ports return their OwnPort object).
   * @throws JackError NO_SUCH_PORT
   */
  getPortByName(name: string): Port {
    this.assertUsable('Client.getPortByName');
    require_(typeof name === 'string' && name.length > 0, 'getPortByName: name must be a non-empty string');
    const p = this.n.portByName(name);
    if (!p) fail('NO_SUCH_PORT', `no port named "${name}"`);
    return this.#wrap(p, name);
  }

  #resolve(port: Port | string, what: string): Port {
    if (port instanceof Port) {
      if (!port[kNative]?.isValid()) fail('PORT_INVALID', `${what}: port "${port.name}" no longer exists`);
      return this.getPortByName(port.name);
    }
    const name = portName(port, what);
    const p = this.n.portByName(name);
    if (!p) fail('NO_SUCH_PORT', `${what}: no port named "${name}"`);
    return this.#wrap(p, name);
  }

  /** Ports matching all given filters, in JACK's order. */
  getPorts(filter: PortFilter = {}): Port[] {
    this.assertUsable('Client.getPorts');
    const f = compilePortFilter(filter);
    const out: Port[] = [];
    for (const name of this.n.getPorts(f.typeRe, f.required) ?? []) {
      if (!f.nameMatches(name)) continue;
      const p = this.n.portByName(name);
      if (!p) continue; // unregistered meanwhile
      if (f.excludes(p.flags() as number, p.type() as string)) continue;
      out.push(this.#wrap(p, name));
    }
    return out;
  }

  /** Every port connected to `port` (any client's port). */
  getAllConnections(port: Port | string): Port[] {
    this.assertUsable('Client.getAllConnections');
    const p = this.#resolve(port, 'getAllConnections');
    const names = (p[kNative] as NativePort).connections() ?? [];
    return names.map((n) => this.getPortByName(n));
  }

  /**
   * Connects an output port to an input port (names or Port objects).
   * Returns true if the connection was made, false if it already existed.
   */
  connect(source: Port | string, destination: Port | string): boolean {
    this.assertUsable('Client.connect');
    return this.connectPorts(source, destination);
  }

  /** @internal */
  connectPorts(source: Port | string, destination: Port | string): boolean {
    const [src, dst] = this.#endpoints(source, destination, 'connect');
    if ((src[kNative] as NativePort).connectedTo(dst.name)) return false;
    const rc = this.n.connect(src.name, dst.name);
    if (rc === EEXIST) return false;
    if (rc !== 0 && !this.active && (src[kNative]?.isMine() || dst[kNative]?.isMine())) {
      fail('JACK_FAILED', `connect "${src.name}" -> "${dst.name}" failed (JACK error ${rc}); activate client "${this.#name}" before connecting its ports`, { jackCode: rc ?? undefined });
    }
    check(rc, `connect "${src.name}" -> "${dst.name}"`);
    return true;
  }

  /**
   * Removes the connection between `source` and `destination`.
   * Returns false if they were not connected.
   */
  disconnect(source: Port | string, destination: Port | string): boolean {
    this.assertUsable('Client.disconnect');
    return this.disconnectPorts(source, destination);
  }

  /** @internal */
  disconnectPorts(source: Port | string, destination: Port | string): boolean {
    const [src, dst] = this.#endpoints(source, destination, 'disconnect');
    if (!(src[kNative] as NativePort).connectedTo(dst.name)) return false;
    check(this.n.disconnect(src.name, dst.name), `disconnect "${src.name}" -> "${dst.name}"`);
    return true;
  }

  #endpoints(source: Port | string, destination: Port | string, what: string): [Port, Port] {
    const src = this.#resolve(source, what);
    const dst = this.#resolve(destination, what);
    checkConnectable(src, dst, what);
    return [src, dst];
  }

  // --- transport ----------------------------------------------------------------

  /** Starts the transport rolling. */
  transportStart(): void {
    this.assertUsable('Client.transportStart');
    this.n.transportStart();
  }
  /** Stops the transport. */
  transportStop(): void {
    this.assertUsable('Client.transportStop');
    this.n.transportStop();
  }
  /** 'stopped', 'rolling', 'starting', ... */
  get transportState(): TransportStateName {
    return this.transportQuery().state;
  }
  /** The current transport frame (estimated). Setting it relocates the transport. */
  get transportFrame(): number {
    this.assertUsable('Client.transportFrame');
    return this.n.transportFrame() as number;
  }
  set transportFrame(frame: number) {
    this.assertUsable('Client.transportFrame');
    require_(isU32(frame), `transportFrame must be an integer frame in [0, 2^32), got ${frame}`);
    check(this.n.transportLocate(frame), `locating the transport to frame ${frame}`);
  }
  /** Transport state and position (only the fields JACK marks valid). */
  transportQuery(): TransportQuery {
    this.assertUsable('Client.transportQuery');
    const [state, pos] = this.n.transportQuery() as [number, NativePosition];
    return { state: transportStateName(state), position: pos };
  }
  /** Requests a new transport position (frame, optionally with BBT). */
  transportReposition(position: RepositionTarget): void {
    this.assertUsable('Client.transportReposition');
    check(this.n.transportReposition(checkReposition(position)), 'transportReposition');
  }
  /** Sets how long slow-sync clients may take to become ready, microseconds. */
  setSyncTimeout(usecs: number): void {
    this.assertUsable('Client.setSyncTimeout');
    require_(Number.isInteger(usecs) && usecs >= 0, `setSyncTimeout: usecs must be a non-negative integer, got ${usecs}`);
    check(this.n.setSyncTimeout(usecs), 'setSyncTimeout');
  }

  /**
   * Becomes timebase master with a native BBT computation that runs in the
   * realtime callback (no JS there). Calling it again updates the settings.
   * Returns false if `conditional` and another client already is master.
   */
  setTimebase(settings: TimebaseSettings = {}, options: { conditional?: boolean } = {}): boolean {
    this.assertUsable('Client.setTimebase');
    const s = checkTimebase({ ...(this.#timebase ?? DEFAULT_TIMEBASE), ...settings });
    // Always (re)register: another client may have taken the role meanwhile,
    // and re-registering makes JACK call the master again even while stopped,
    // so new settings show up at once.
    const rc = this.n.setTimebase(Boolean(options.conditional), s.bpm, s.beatsPerBar, s.beatType, s.ticksPerBeat);
    if (rc === EBUSY && options.conditional) return false;
    check(rc, 'setTimebase');
    this.#timebase = s;
    return true;
  }

  /**
   * The settings last given to setTimebase, until releaseTimebase. JACK does
   * not tell a master that another client took the role over.
   */
  get timebase(): Readonly<Required<TimebaseSettings>> | undefined {
    return this.#timebase;
  }

  /** Stops being timebase master. @throws INVALID_ARGUMENT if this client is not (or no longer) master. */
  releaseTimebase(): void {
    this.assertUsable('Client.releaseTimebase');
    const notMaster = () => fail('INVALID_ARGUMENT', `releaseTimebase: client "${this.#name}" is not timebase master`);
    if (!this.#timebase) notMaster();
    const rc = this.n.releaseTimebase();
    this.#timebase = undefined;
    if (rc === EINVAL) notMaster(); // another client took the role
    check(rc, 'releaseTimebase');
  }

  /**
   * Registers a slow-sync handler (or removes it with null). JACK waits for
   * the returned promise (up to the sync timeout) before rolling. The
   * realtime callback only reads an atomic "ready" flag that this sets.
   */
  setSyncHandler(handler: SyncHandler | null): void {
    this.assertUsable('Client.setSyncHandler');
    require_(handler === null || typeof handler === 'function', 'setSyncHandler: handler must be a function or null');
    const had = this.#syncHandler !== undefined;
    this.#syncHandler = handler ?? undefined;
    if (handler && !had) check(this.n.setSyncEnabled(true), 'setSyncHandler');
    if (!handler && had) check(this.n.setSyncEnabled(false), 'setSyncHandler(null)');
  }

  // --- time -------------------------------------------------------------------

  /** Microseconds (JACK clock) at which frame time `frames` occurs. */
  framesToTime(frames: number): number {
    this.assertUsable('Client.framesToTime');
    require_(isU32(frames), `framesToTime: frames must be an integer in [0, 2^32), got ${frames}`);
    return this.n.framesToTime(frames) as number;
  }
  /** Frame time at JACK-clock microseconds `usecs`. */
  timeToFrames(usecs: number): number {
    this.assertUsable('Client.timeToFrames');
    require_(Number.isInteger(usecs) && usecs >= 0, `timeToFrames: usecs must be a non-negative integer, got ${usecs}`);
    return this.n.timeToFrames(usecs) as number;
  }
  /** Timing of the current cycle (jack_get_cycle_times). */
  getCycleTimes(): CycleTimes {
    this.assertUsable('Client.getCycleTimes');
    const t = this.n.getCycleTimes();
    if (!t) fail('JACK_FAILED', `getCycleTimes: JACK has no cycle timing for client "${this.#name}"`);
    return t;
  }

  /** Turns freewheel mode on (render as fast as possible) or off. */
  setFreewheel(on: boolean): void {
    this.assertUsable('Client.setFreewheel');
    check(this.n.setFreewheel(Boolean(on)), `setFreewheel(${Boolean(on)})`);
  }

  // --- metadata & sessions --------------------------------------------------------

  /** Sets a metadata property on a subject (Port, Client, client or port name, or UUID). */
  setProperty(subject: Subject, key: string, value: string, type?: string): void {
    this.assertUsable('Client.setProperty');
    meta.setProperty(this.n, this.#subject(subject, 'setProperty'), key, value, type);
  }
  /** Removes one property. Returns false if it did not exist. */
  removeProperty(subject: Subject, key: string): boolean {
    this.assertUsable('Client.removeProperty');
    return meta.removeProperty(this.n, this.#subject(subject, 'removeProperty'), key);
  }
  /** Removes all properties of a subject; returns how many were removed. */
  removeProperties(subject: Subject): number {
    this.assertUsable('Client.removeProperties');
    return meta.removeProperties(this.n, this.#subject(subject, 'removeProperties'));
  }
  /** Removes every property of every subject (on this server's metadata store). */
  removeAllProperties(): void {
    this.assertUsable('Client.removeAllProperties');
    check(this.n.removeAllProperties(), 'removeAllProperties');
  }

  #subject(subject: Subject, what: string): string {
    return subject instanceof Client ? subject.uuid : meta.subjectOn(this.n, subject, what);
  }

  /** UUID of the client with this name. @throws NO_SUCH_CLIENT */
  getUuidForClientName(name: string): string {
    this.assertUsable('Client.getUuidForClientName');
    return meta.uuidForClientName(this.n, name);
  }
  /** Name of the client with this UUID. @throws NO_SUCH_CLIENT */
  getClientNameByUuid(uuid: string | bigint | number): string {
    this.assertUsable('Client.getClientNameByUuid');
    return meta.clientNameByUuid(this.n, uuid);
  }

  // --- DSP modules ------------------------------------------------------------------

  /**
   * Loads a WebAssembly DSP module (a .wasm path, its bytes, or a compiled
   * module) into this client's realtime process callback. It registers ports
   * named after the module's channels (or uses the given ones); modules run in
   * load order, so one module's outputs can feed another's inputs through
   * JACK connections within the same cycle.
   */
  load(source: ModuleSource, options: LoadOptions = {}): Promise<DspModule> {
    return loadModule(this, source, options);
  }

  /**
   * How long (ms) one module may run within a cycle before the watchdog
   * interrupts it with a 'timeout' trap (default 50). The module is silenced;
   * the client and other modules keep running.
   */
  get watchdogMs(): number {
    return this.#watchdogMs;
  }
  set watchdogMs(ms: number) {
    this.assertUsable('Client.watchdogMs');
    require_(typeof ms === 'number' && Number.isFinite(ms) && ms >= 1 && ms <= 60000, `watchdogMs must be a number of milliseconds in [1, 60000], got ${ms}`);
    this.n.setWatchdog(ms);
    this.#watchdogMs = ms;
  }

  /**
   * When a module's time in a cycle counts as an overrun, and what follows.
   * `budget`: the share of the cycle's duration one module may take (default
   * 1: the whole period). Each overrun is reported as an 'overrun' event on
   * the module (coalesced, with the measured time); `silenceAfter`
   * consecutive overruns (default 8; 0 = never) silence the module with an
   * 'overrun' trap, long before jackd would drop the client. reset() brings
   * it back.
   */
  get overrunPolicy(): { budget: number; silenceAfter: number } {
    return { ...this.#overrun };
  }
  set overrunPolicy(p: { budget?: number; silenceAfter?: number }) {
    this.assertUsable('Client.overrunPolicy');
    require_(typeof p === 'object' && p !== null, 'overrunPolicy must be an object { budget, silenceAfter }');
    const budget = p.budget ?? this.#overrun.budget;
    const silenceAfter = p.silenceAfter ?? this.#overrun.silenceAfter;
    require_(typeof budget === 'number' && Number.isFinite(budget) && budget > 0 && budget <= 100, `overrunPolicy.budget must be a share of the cycle in (0, 100], got ${String(budget)}`);
    require_(Number.isInteger(silenceAfter) && silenceAfter >= 0 && silenceAfter <= 1000000, `overrunPolicy.silenceAfter must be an integer number of cycles in [0, 1000000], got ${String(silenceAfter)}`);
    this.n.setOverrunPolicy(budget, silenceAfter);
    this.#overrun = { budget, silenceAfter };
  }

  /** Modules loaded in this client, in load order. */
  get modules(): DspModule[] {
    return [...this.#modules.values()];
  }

  // --- Audio between JS and the graph (docs/api.md): served by the engine; losses are counted.

  /** Records `frames` (or `seconds`) of output ports (of any client) into memory, from `startAt` exactly if given. @throws TOO_LATE, INVALID_ARGUMENT, TYPE_MISMATCH, DIRECTION_MISMATCH */
  async record(sources: PortArg, options: RecordOptions = {}): Promise<Recording> {
    return recordPorts(this, this.#resolveAll(sources, 'record'), options, () => this.#closed);
  }

  /**
   * A Readable of `{ frame, channels }` blocks from output ports (of any
   * client), in constant memory; frames dropped because JS fell behind are
   * counted (`lostFrames`, 'overrun'). @throws INVALID_ARGUMENT, TYPE_MISMATCH, DIRECTION_MISMATCH, TOO_LATE
   */
  createReadStream(sources: PortArg, options: ReadStreamOptions = {}): AudioReadStream {
    return openReadStream(this, this.#resolveAll(sources, 'createReadStream'), options, () => this.#closed);
  }

  /**
   * Plays buffers (one per destination, or one for all) into input ports (of
   * any client) from the audio thread; resolves once played, with the frames
   * it started and ended at. @throws TOO_LATE, INVALID_ARGUMENT, TYPE_MISMATCH, DIRECTION_MISMATCH
   */
  async play(destinations: PortArg, buffers: Float32Array | Float32Array[], options: PlayOptions = {}): Promise<Playback> {
    return playPorts(this, this.#resolveAll(destinations, 'play'), buffers, options, () => this.#closed);
  }

  /**
   * A Writable into input ports (of any client), with backpressure; frames
   * written too late play as silence and are counted (`underrunFrames`,
   * 'underrun'). @throws INVALID_ARGUMENT, TYPE_MISMATCH, DIRECTION_MISMATCH, TOO_LATE
   */
  createWriteStream(destinations: PortArg, options: WriteStreamOptions = {}): AudioWriteStream {
    return openWriteStream(this, this.#resolveAll(destinations, 'createWriteStream'), options, () => this.#closed);
  }

  /** PyJack's `jack.process(output, input)` on the client's own ports; falling behind fills `inputs`, then rejects with INPUT_SYNC or OUTPUT_SYNC (`err.sync`). */
  async process(outputs: Float32Array[], inputs: Float32Array[], options: ProcessOptions = {}): Promise<ProcessResult> {
    this.assertUsable('Client.process');
    return processBlock(this, outputs, inputs, options, () => this.#closed, (p, what) => this.#ownPort(p, what));
  }

  /** Ends the rings behind {@link Client.process} (the next call opens them again) and frees its ports. */
  async endProcess(): Promise<void> {
    this.assertUsable('Client.endProcess');
    await endProcess(this);
  }

  /** Totals over this client's {@link Client.process} calls. */
  get processStats(): ProcessStats {
    return processStatsOf(this);
  }

  /** Peak and RMS of output ports per `intervalMs` ('level' events), measured on the audio thread. */
  meter(sources: Port | string | PortArg, options: MeterOptions = {}): Meter {
    return openMeter(this, this.#resolveAll(sources, 'meter'), options, () => this.#closed);
  }

  /** The latest `frames` samples of output ports ('window' events, `latest()`), for an oscilloscope. */
  scope(sources: Port | string | PortArg, options: ScopeOptions = {}): Scope {
    return openScope(this, this.#resolveAll(sources, 'scope'), options, () => this.#closed);
  }

  /** A port or a list of ports, resolved for `what` (a Client method). */
  #resolveAll(ports: Port | string | PortArg, what: string): Port[] {
    this.assertUsable(`Client.${what}`);
    const list = Array.isArray(ports) ? (ports as PortArg) : [ports as Port | string];
    return list.map((x) => this.#resolve(x, what));
  }

  /** One of this client's own ports, by object or short or full name. */
  #ownPort(p: OwnPort | string, what: string): OwnPort {
    const name = typeof p === 'string' ? p : p instanceof OwnPort ? p.name : fail('INVALID_ARGUMENT', `${what}: expected a port of this client or its name`);
    const found = [this.inports, this.outports, this.midiInports, this.midiOutports].map((l) => l.items.find((q) => q.shortName === name || q.name === name)).find(Boolean);
    return found ?? fail('NO_SUCH_PORT', `${what}: client "${this.#name}" has no port named "${name}"`);
  }

  /** @internal */
  registerModule(id: number, m: DspModule): void {
    this.#modules.set(id, m);
  }

  /** @internal */
  forgetModule(id: number): void {
    this.#modules.delete(id);
  }

  // --- events -----------------------------------------------------------------------

  #portFromName(name: string): Port {
    const p = this.#closed ? null : this[kNative].portByName(name);
    if (p && p.isValid() && p.name() === name) return this.#wrap(p, name);
    // Gone already (unregistered, or renamed since): a detached Port that
    // still knows its name.
    return new Port(this, null, name);
  }

  #dispatch(ev: NativeEvent): void {
    dispatchEvent(ev, {
      emit: (event, ...args) => (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      port: (name) => this.#portFromName(name),
      renamed: (oldName, newName) => this.#followRename(oldName, newName),
      module: (slot) => this.#modules.get(slot),
      sync: (seq, state, position) =>
        runSyncHandler(this.#syncHandler, state, position, () => {
          if (!this.#closed) this[kNative].syncReady(seq);
        }, (err) => this.emit('syncError', err)),
    });
  }

  /** @internal Diagnostics counters from the native side. */
  get stats(): { timebaseCalls: number; rtDropped: number; watchdogInterrupts: number } {
    const { timebaseCalls, rtDropped, watchdogInterrupts } = this[kNative].stats();
    return { timebaseCalls, rtDropped, watchdogInterrupts };
  }

  /**
   * Time the engine's part of the process callback has taken since the
   * client opened: cycles, mean, smallest and largest (µs), cycles longer
   * than their period (`cyclesOverPeriod`), a histogram by
   * powers of two (`histogram[i]`: cycles that took at most 2^i ns and more
   * than 2^(i-1)) and a finer one, eight buckets per octave
   * (`fineHistogram`, see `cycleBucket`), from which `percentileUs(p)`
   * gives percentiles within 9%. Measured with the CPU's cycle counter, two
   * reads per cycle.
   */
  get processTime(): ProcessTime {
    this.assertUsable('Client.processTime');
    return processTimeOf(this[kNative].stats().process);
  }

  /** @internal */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Client { ${JSON.stringify(this.#name)}${this.#closed ? ' (closed)' : this.active ? ' (active)' : ''} }`;
  }
}

function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** 32;
}
