/**
 * Port, OwnPort and the Ports lists of a client.
 */
import { C, kNative, native, type NativePort } from './native.js';
import { check, fail, require_ } from './errors.js';
import type { MidiListener, MidiPortStats, MidiStreams } from './midi-port.js';
import type { MidiFileData } from './midi-file.js';
import { playerHost, startMidiPlayback, type MidiPlayback, type PlayMidiOptions } from './dsp/midi-player.js';

/** Which latency a range describes: how long data took to arrive (capture) or will take to leave (playback). */
export type LatencyMode = 'capture' | 'playback';

/** A latency range in frames. */
export interface LatencyRange {
  min: number;
  max: number;
}

/** Internal: what a port needs from its client. */
export interface PortOwner {
  /** Throws CLIENT_CLOSED / SERVER_GONE when the client is unusable. */
  assertUsable(what: string): void;
  readonly clientName: string;
}

/**
 * A JACK port, owned by any client. Obtained from `client.getPorts()`,
 * `client.getPortByName()` or events. Valid while the client it was obtained
 * from is open and the port exists.
 */
export class Port {
  /** @internal */
  [kNative]: NativePort | null;
  /** @internal */
  protected readonly owner: PortOwner;
  /** @internal The name the port had when it was last seen (for detached ports). */
  protected lastName: string;

  /** @internal */
  constructor(owner: PortOwner, nativePort: NativePort | null, knownName: string) {
    this.owner = owner;
    this[kNative] = nativePort;
    this.lastName = knownName;
  }

  /** @internal Throws unless the port can be used; returns the native handle. */
  protected n(what: string): NativePort {
    this.owner.assertUsable(what);
    const p = this[kNative];
    if (!p || !p.isValid()) fail('PORT_INVALID', `${what}: port "${this.lastName}" no longer exists`);
    return p;
  }

  /** Full name, "client:port". Still readable after the port is gone (last known name). */
  get name(): string {
    const p = this[kNative];
    if (p && p.isValid()) {
      const n = p.name();
      if (n !== null) this.lastName = n;
    }
    return this.lastName;
  }

  /** The part after the colon. Setting it renames the port (jack_port_rename). */
  get shortName(): string {
    return this.n('Port.shortName').shortName() as string;
  }
  set shortName(value: string) {
    require_(typeof value === 'string' && value.length > 0, 'Port.shortName must be a non-empty string');
    const p = this.n('Port.shortName');
    const client = this.name.slice(0, this.name.indexOf(':'));
    checkPortName(client, value);
    check(p.rename(value), `renaming port "${this.name}" to "${value}"`);
    this.lastName = p.name() ?? this.lastName;
  }

  /** Up to two aliases. */
  get aliases(): string[] {
    return this.n('Port.aliases').aliases() as string[];
  }

  /** Adds an alias (JACK keeps at most two). */
  setAlias(alias: string): void {
    require_(typeof alias === 'string' && alias.length > 0, 'setAlias: alias must be a non-empty string');
    const p = this.n('Port.setAlias');
    const size = maxPortNameBytes();
    if (Buffer.byteLength(alias) > size) fail('NAME_TOO_LONG', `setAlias: alias "${alias}" is longer than ${size} bytes`);
    if ((p.aliases() as string[]).length >= 2 && !(p.aliases() as string[]).includes(alias)) {
      fail('INVALID_ARGUMENT', `setAlias: port "${this.name}" already has two aliases (JACK allows at most two)`);
    }
    check(p.setAlias(alias), `setting alias "${alias}" on port "${this.name}"`);
  }

  /** Removes an alias. Throws INVALID_ARGUMENT if the port has no such alias. */
  unsetAlias(alias: string): void {
    const p = this.n('Port.unsetAlias');
    if (!(p.aliases() as string[]).includes(alias)) {
      fail('INVALID_ARGUMENT', `unsetAlias: port "${this.name}" has no alias "${alias}"`);
    }
    check(p.unsetAlias(alias), `removing alias "${alias}" from port "${this.name}"`);
  }

  /** The port's UUID, as a decimal string. */
  get uuid(): string {
    return this.n('Port.uuid').uuid() as string;
  }

  /** The JACK port type string, e.g. "32 bit float mono audio". */
  get type(): string {
    return this.n('Port.type').type() as string;
  }

  private get flags(): number {
    return this.n('Port flags').flags() as number;
  }

  get isAudio(): boolean {
    return this.type === C.DEFAULT_AUDIO_TYPE;
  }
  get isMidi(): boolean {
    return this.type === C.DEFAULT_MIDI_TYPE;
  }
  get isInput(): boolean {
    return (this.flags & C.PortIsInput) !== 0;
  }
  get isOutput(): boolean {
    return (this.flags & C.PortIsOutput) !== 0;
  }
  get isPhysical(): boolean {
    return (this.flags & C.PortIsPhysical) !== 0;
  }
  get canMonitor(): boolean {
    return (this.flags & C.PortCanMonitor) !== 0;
  }
  get isTerminal(): boolean {
    return (this.flags & C.PortIsTerminal) !== 0;
  }

  /** True while input monitoring is requested on this port. */
  get isMonitoring(): boolean {
    return this.n('Port.isMonitoring').monitoringInput() as boolean;
  }

  /** Asks the owner of this port to turn input monitoring on or off (a counted request). */
  requestMonitor(on: boolean): void {
    check(this.n('Port.requestMonitor').requestMonitor(Boolean(on)), `requestMonitor on "${this.name}"`);
  }

  /** The port's latency range for the given direction, in frames. */
  getLatencyRange(mode: LatencyMode): LatencyRange {
    checkMode(mode);
    const [min, max] = this.n('Port.getLatencyRange').getLatencyRange(mode === 'capture') as [number, number];
    return { min, max };
  }

  /**
   * Sets the port's latency range (normally on your own ports) and asks the
   * server to recompute total latencies.
   */
  setLatencyRange(mode: LatencyMode, range: LatencyRange): void {
    checkMode(mode);
    require_(
      typeof range === 'object' && range !== null && isFrames(range.min) && isFrames(range.max) && range.min <= range.max,
      'setLatencyRange: range must be { min, max } with 0 <= min <= max < 2^32',
    );
    check(
      this.n('Port.setLatencyRange').setLatencyRange(mode === 'capture', range.min, range.max),
      `setting latency range on "${this.name}"`,
    );
  }

  /** True if both objects refer to the same JACK port. */
  equals(other: Port): boolean {
    if (!(other instanceof Port)) return false;
    if (other === this) return true;
    const a = this[kNative];
    const b = other[kNative];
    if (a && b && a.isValid() && b.isValid()) return a.uuid() === b.uuid();
    return this.name === other.name;
  }

  toString(): string {
    return this.name;
  }

  /** @internal */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const p = this[kNative];
    const alive = p !== null && p.isValid();
    return `${this.constructor.name} { ${JSON.stringify(this.name)}${alive ? '' : ' (gone)'} }`;
  }
}

/** Internal: what an own port needs from its client. */
export interface OwnPortHost extends PortOwner {
  readonly midiStreams: MidiStreams;
  readonly lastFrameTime: number;
  transportQuery(): { state: string; position: { frame: number } };
  readonly sampleRate: number;
  readonly blockSize: number;
  connectPorts(src: Port | string, dst: Port | string): boolean;
  disconnectPorts(src: Port | string, dst: Port | string): boolean;
  forgetPort(port: OwnPort): void;
  getPortByName(name: string): Port;
}

/** A port registered by this client. */
export class OwnPort extends Port {
  /** @internal */
  protected readonly host: OwnPortHost;

  /** @internal */
  constructor(host: OwnPortHost, nativePort: NativePort, name: string) {
    super(host, nativePort, name);
    this.host = host;
  }

  /** The ports this port is connected to. */
  get connections(): Port[] {
    const names = this.n('OwnPort.connections').connections() as string[];
    return names.map((n) => this.host.getPortByName(n));
  }

  /** How many connections this port has. */
  get numberOfConnections(): number {
    return this.n('OwnPort.numberOfConnections').connectedCount() as number;
  }

  /** True if connected to `other` (a Port or a full port name). */
  isConnectedTo(other: Port | string): boolean {
    const name = portName(other, 'isConnectedTo');
    return this.n('OwnPort.isConnectedTo').connectedTo(name) as boolean;
  }

  /**
   * Connects this port to `other`, in the right direction (output to input).
   * Returns true if a connection was made, false if it already existed.
   */
  connect(other: Port | string): boolean {
    this.n('OwnPort.connect');
    return this.isOutput ? this.host.connectPorts(this, other) : this.host.connectPorts(other, this);
  }

  /**
   * Disconnects from `other`, or from everything when `other` is omitted.
   * Returns false if there was no such connection.
   */
  disconnect(other?: Port | string): boolean {
    const p = this.n('OwnPort.disconnect');
    if (other === undefined) {
      const had = (p.connectedCount() as number) > 0;
      check(p.disconnectAll(), `disconnecting "${this.name}"`);
      return had;
    }
    return this.isOutput ? this.host.disconnectPorts(this, other) : this.host.disconnectPorts(other, this);
  }

  /**
   * Unregisters the port. The object is unusable afterwards. A port a DSP
   * module, a stream, a playback, a meter or process() uses is refused
   * (INVALID_ARGUMENT): the engine would go on using JACK's handle.
   */
  unregister(): void {
    const p = this.n('OwnPort.unregister');
    const name = this.name;
    const users = 'a DSP module, a playback, a stream, a meter or process()';
    if (p.inUse()) fail('INVALID_ARGUMENT', `OwnPort.unregister: "${name}" is in use by ${users}; unload or end that first`);
    this.host.midiStreams.forget(this);
    const rc = p.unregister();
    if (rc === PORT_IN_USE) fail('INVALID_ARGUMENT', `OwnPort.unregister: "${name}" is in use by ${users}; unload or end that first`);
    if (rc === PORT_RETIRING) fail('AUDIO_THREAD_STUCK', `OwnPort.unregister: the audio thread did not let go of "${name}" within 200 ms (is the server running cycles?)`);
    check(rc, `unregistering "${name}"`);
    this.host.forgetPort(this);
  }

  /**
   * MIDI output ports: sends a message (a status byte and its data bytes, or
   * SysEx F0 ... F7) out of this port at the next cycle, or exactly at JACK
   * frame time `frame`. Timed messages on one port go in time order.
   * Throws QUEUE_FULL when 64 KiB of messages are waiting.
   */
  send(bytes: ArrayLike<number>, options: { frame?: number } = {}): void {
    const who = `send(${this.name})`;
    this.n('OwnPort.send');
    if (!this.isMidi || !this.isOutput) fail('TYPE_MISMATCH', `${who}: only a MIDI output port sends MIDI`);
    require_(typeof options === 'object' && options !== null, `${who}: options must be an object`);
    this.host.midiStreams.send(this, bytes, options.frame, who);
  }

  /**
   * MIDI output ports: plays a MIDI file (what readMidiFile returns) out of
   * this port against JACK frame time, every event on its exact frame (see
   * DspModule.playMidi).
   */
  playMidi(song: MidiFileData, options: PlayMidiOptions = {}): MidiPlayback {
    const who = `playMidi(${this.name})`;
    this.n('OwnPort.playMidi');
    if (!this.isMidi || !this.isOutput) fail('TYPE_MISMATCH', `${who}: only a MIDI output port plays MIDI`);
    const host = this.host;
    return startMidiPlayback(playerHost(host, (bytes, frame) => host.midiStreams.send(this, bytes, frame, who)), song, options);
  }

  /** MIDI input ports: `'midi'` listeners get every message arriving on the port, with its JACK frame time. */
  on(event: 'midi', listener: MidiListener): this {
    const who = `on(${this.name})`;
    this.n('OwnPort.on');
    require_(event === 'midi', `${who}: the only event of a port is 'midi'`);
    if (!this.isMidi || !this.isInput) fail('TYPE_MISMATCH', `${who}: only a MIDI input port receives MIDI`);
    this.host.midiStreams.listen(this, listener, who);
    return this;
  }

  /** Removes a 'midi' listener (the port stops being read when the last goes). */
  off(event: 'midi', listener: MidiListener): this {
    if (event === 'midi') this.host.midiStreams.unlisten(this, listener);
    return this;
  }

  /** MIDI through send() or to 'midi' listeners, and messages lost on the audio thread. */
  get midiStats(): MidiPortStats {
    this.n('OwnPort.midiStats');
    return this.host.midiStreams.stats(this);
  }
}

/** Port registration options. */
export interface RegisterOptions {
  /** The port is a terminal (data is not passed on). */
  isTerminal?: boolean;
  /** The port corresponds to a physical I/O connector. */
  isPhysical?: boolean;
  /** The port can monitor its input. */
  canMonitor?: boolean;
}

/** Internal: what a ports list needs from its client. */
export interface PortsHost extends OwnPortHost {
  registerPort(list: Ports, shortName: string, options: RegisterOptions): OwnPort;
}

/**
 * One of a client's own port lists (`client.inports`, `outports`,
 * `midiInports`, `midiOutports`): iterable and indexable (`ports[0]`).
 */
export class Ports implements Iterable<OwnPort> {
  readonly [index: number]: OwnPort;
  /** @internal */
  readonly items: OwnPort[] = [];
  /** 'audio' or 'midi'. */
  readonly kind: 'audio' | 'midi';
  /** 'input' or 'output'. */
  readonly direction: 'input' | 'output';
  /** @internal */
  private readonly host: PortsHost;

  /** @internal */
  constructor(host: PortsHost, kind: 'audio' | 'midi', direction: 'input' | 'output') {
    this.host = host;
    this.kind = kind;
    this.direction = direction;
    // Rationale: numeric indexing (`client.outports[0]`) like JACK-Client's
    // lists, without exposing a mutable array.
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^(0|[1-9]\d*)$/.test(prop)) return target.items[Number(prop)];
        return Reflect.get(target, prop, receiver);
      },
      has(target, prop) {
        if (typeof prop === 'string' && /^(0|[1-9]\d*)$/.test(prop)) return Number(prop) < target.items.length;
        return Reflect.has(target, prop);
      },
    });
  }

  get length(): number {
    return this.items.length;
  }

  at(index: number): OwnPort | undefined {
    return this.items.at(index);
  }

  [Symbol.iterator](): Iterator<OwnPort> {
    return this.items.slice()[Symbol.iterator]();
  }

  /** Registers a new port; `shortName` becomes "clientname:shortName". */
  register(shortName: string, options: RegisterOptions = {}): OwnPort {
    return this.host.registerPort(this, shortName, options);
  }

  /** Unregisters every port in this list. */
  clear(): void {
    this.host.assertUsable(`${this.label}.clear`);
    for (const p of this.items.slice()) p.unregister();
  }

  /** The port with this short or full name, if registered in this list. */
  get(name: string): OwnPort | undefined {
    this.host.assertUsable(`${this.label}.get`);
    return this.items.find((p) => p.shortName === name || p.name === name);
  }

  /** The list's property name on Client, for messages. */
  private get label(): string {
    const name = this.direction === 'input' ? 'inports' : 'outports';
    return this.kind === 'midi' ? `midi${name[0]?.toUpperCase()}${name.slice(1)}` : name;
  }
}

// --- helpers ------------------------------------------------------------

let portNameMax: number | undefined;
/**
 * Longest full port name JACK accepts, in bytes.
 * Rationale: jackd2 1.9.21 reports jack_port_name_size() = 321 but stores
 * full names in 256 bytes: longer names are refused or silently truncated
 * (measured), so the effective limit is the smaller of the two.
 */
export function maxPortNameBytes(): number {
  portNameMax ??= Math.min(native.portNameSize() - 1, 256);
  return portNameMax;
}

/** Throws NAME_TOO_LONG / INVALID_ARGUMENT for an unusable port short name. */
/** NativePort.unregister's results besides JACK's: the engine uses the port (shim/napi/port.cc). */
const PORT_IN_USE = -100;
const PORT_RETIRING = -101;

export function checkPortName(clientName: string, shortName: string): void {
  require_(typeof shortName === 'string' && shortName.length > 0, 'port name must be a non-empty string');
  require_(!shortName.includes('\0'), `port name "${shortName}" contains a NUL character`);
  const full = `${clientName}:${shortName}`;
  const limit = maxPortNameBytes();
  if (Buffer.byteLength(full) > limit) {
    fail(
      'NAME_TOO_LONG',
      `port name "${full.length > 80 ? `${full.slice(0, 77)}...` : full}" is ${Buffer.byteLength(full)} bytes; JACK allows at most ${limit}`,
    );
  }
}

/** Full name of a port given as a Port or a string. */
export function portName(p: Port | string, what: string): string {
  if (typeof p === 'string') {
    require_(p.length > 0, `${what}: port name must be a non-empty string`);
    return p;
  }
  require_(p instanceof Port, `${what}: expected a Port or a port name, got ${typeof p}`);
  return p.name;
}

function checkMode(mode: LatencyMode): void {
  require_(mode === 'capture' || mode === 'playback', `latency mode must be 'capture' or 'playback', got ${String(mode)}`);
}

function isFrames(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** 32;
}
