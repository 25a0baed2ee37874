/**
 * Loads the native addon and describes its (thin, unvalidated) surface.
 * Nothing outside host/ touches these types: the public classes keep native
 * handles behind the private symbol `kNative`.
 */
import { createRequire } from 'node:module';
import { fail } from './errors.js';
import { addonPath } from './paths.js';
import { aptCommand, BUILD_PACKAGES, packagesForLoadError } from './system-check.js';
import type { Position } from './transport.js';

export { addonPath, packageRoot } from './paths.js';

export const kNative: unique symbol = Symbol('jackwasm.native');

/** The native layer passes positions in exactly the public shape. */
export type NativePosition = Position;

export interface NativePort {
  isValid(): boolean;
  name(): string | null;
  shortName(): string | null;
  rename(shortName: string): number | null;
  aliases(): string[] | null;
  setAlias(alias: string): number | null;
  unsetAlias(alias: string): number | null;
  uuid(): string | null;
  type(): string | null;
  flags(): number | null;
  isMine(): boolean | null;
  requestMonitor(on: boolean): number | null;
  monitoringInput(): boolean | null;
  connections(): string[] | null;
  connectedCount(): number | null;
  connectedTo(name: string): boolean | null;
  disconnectAll(): number | null;
  unregister(): number | null;
  /** Whether the engine (a module, stream, output or tap) uses the port; null when unusable. */
  inUse(): boolean | null;
  getLatencyRange(capture: boolean): [number, number] | null;
  setLatencyRange(capture: boolean, min: number, max: number): number | null;
  equals(other: NativePort): boolean;
  follow(oldName: string, newName: string): boolean;
}

export interface RtcheckCounts {
  scopes: number;
  malloc: number;
  free: number;
  locks: number;
  syscalls: number;
  logging: number;
  napi: number;
}

export interface NativeDspInfo {
  inputs: number;
  outputs: number;
  paramCount: number;
  maxFrames: number;
  sampleRate: number;
  describe: string | null;
  hasMidi: boolean;
  hasParamSet: boolean;
  paramDefaults: number[];
  memoryBytes: number;
  /** Buffer slots the module declares (jw_buffer_table): key, channels, capacity in frames. */
  buffers: { key: string; channels: number; frames: number }[];
  /** Rings the module declares (jw_ring_table): key, direction ('out': the module writes), data size in bytes. */
  rings: { key: string; direction: 'out' | 'in'; size: number }[];
}

/** A hand-over of region 0 of buffer slot `slot`, written before the instance runs: [slot, channels, frames, seq]. */
export type NativeInitialBuffer = [number, number, number, number];

export interface NativeTrap {
  code: number;
  kind: string;
  message: string;
  frame: number;
  where: string;
}

export interface NativeDsp {
  info(): NativeDspInfo | null;
  /** Sets initial parameters on a [worker] under the watchdog. */
  applyParams(params: [number, number][]): Promise<{ trap: number; kind?: string; index?: number; message?: string }>;
  render(
    inputs: Float32Array[],
    frames: number,
    outputs: Float32Array[],
    params: [number, number][],
    midi: number[][],
    automation: number[][],
    callTimeoutMs: number,
    progress: BigInt64Array | null,
    transport?: [number, number, number, number] | null,
    buffers?: NativeInitialBuffer[],
  ): Promise<{ trap?: NativeTrap; elapsedNs: number }>;
  /** Copies the arrays into region `region` of buffer slot `slot` (bounds checked); returns the frames written. */
  writeBuffer(slot: number, region: number, channels: Float32Array[]): number;
  /** Region 0 of this unattached instance's slot takes a slot region of `from`. */
  copyBuffer(slot: number, from: NativeDsp, fromSlot: number, fromRegion: number, channels: number, frames: number): void;
  drainLogs(): string[];
  abortMessage(): string | null;
  dropped(): { logs: number; midi: number };
  dispose(): void;
}

export interface NativeLoadOptions {
  sampleRate: number;
  maxFrames: number;
  capPages: number;
  stackBytes: number;
  callTimeoutMs: number;
}

/** Events from the native client, as typed objects (shim/napi/client-events.cc). */
export type NativeEvent =
  | { type: 'xrun'; delayUsecs: number }
  | { type: 'shutdown'; status: number; reason: string }
  | { type: 'freewheel'; starting: boolean }
  | { type: 'blockSize'; frames: number }
  | { type: 'sampleRate'; rate: number }
  | { type: 'clientRegistration'; name: string; registered: boolean }
  | { type: 'portRegistration'; port: string; registered: boolean }
  | { type: 'portConnect'; a: string; b: string; connected: boolean }
  | { type: 'portRename'; port: string; oldName: string; newName: string }
  | { type: 'graphOrder' }
  | { type: 'propertyChange'; subject: string; key: string; change: number }
  | { type: 'sync'; seq: number; state: number; position: NativePosition }
  | { type: 'overflow'; dropped: number }
  | { type: 'trap'; slot: number; code: number; where: number }
  | { type: 'overrun'; slot: number; consecutive: number; count: number; ns: number; budgetNs: number };

export interface NativeDspStatus {
  trap: number;
  where: number;
  cycles: number;
  earlyParams: number;
  droppedMidiIn: number;
  lastNs: number;
  maxNs: number;
  overruns: number;
  /** A swap's predecessor still crossfading. */
  fading: boolean;
  /** Swap state copies: 0 none or not yet, 1 made, 2 skipped (the predecessor had trapped). */
  stateTaken: number;
  /** The audio thread has begun running this slot. */
  adopted: boolean;
  /** The JACK frame time of that first cycle. */
  adoptedFrame: number;
  /** Per buffer slot, the seq of the last hand-over the audio thread took. */
  bufferAcks: number[];
}

/** What dspSwap did, and the state plan it handed over. */
export interface NativeSwapResult {
  result: 'ok' | 'unknown' | 'busy' | 'queue-full' | 'no-memory';
  carried: string[];
  fresh: string[];
  dropped: string[];
  stateBytes: number;
}

export type NativeEventCallback = (event: NativeEvent) => void;

export interface NativeClient {
  open(name: string, options: number, serverName: string | null, sessionId: string | null): Promise<{ ok: boolean; status: number }>;
  close(): Promise<void>;
  isOpen(): boolean;
  isServerGone(): boolean;
  isFreewheeling(): boolean;
  name(): string | null;
  uuid(): string | null;
  sampleRate(): number | null;
  bufferSize(): number | null;
  setBufferSize(n: number): number | null;
  isRealtime(): boolean | null;
  framesSinceCycleStart(): number | null;
  frameTime(): number | null;
  lastFrameTime(): number | null;
  cpuLoad(): number | null;
  activate(): number | null;
  deactivate(): number | null;
  isActive(): boolean;
  portRegister(shortName: string, type: string, flags: number): NativePort | null;
  portByName(name: string): NativePort | null;
  getPorts(typePattern: string | null, flags: number): string[] | null;
  connect(src: string, dst: string): number | null;
  disconnect(src: string, dst: string): number | null;
  transportStart(): void;
  transportStop(): void;
  transportQuery(): [number, NativePosition] | null;
  transportFrame(): number | null;
  transportLocate(frame: number): number | null;
  transportReposition(pos: Partial<NativePosition>): number | null;
  setSyncTimeout(usecs: number): number | null;
  setTimebase(conditional: boolean, bpm: number, beatsPerBar: number, beatType: number, ticksPerBeat: number): number | null;
  releaseTimebase(): number | null;
  setSyncEnabled(on: boolean): number | null;
  syncReady(seq: number): void;
  framesToTime(frames: number): number | null;
  timeToFrames(usecs: number): number | null;
  getCycleTimes(): { currentFrames: number; currentUsecs: number; nextUsecs: number; periodUsecs: number } | null;
  setFreewheel(on: boolean): number | null;
  setProperty(subject: string, key: string, value: string, type: string | null): number | null;
  removeProperty(subject: string, key: string): number | null;
  removeProperties(subject: string): number | null;
  removeAllProperties(): number | null;
  uuidForClientName(name: string): string | null;
  clientNameByUuid(uuid: string): string | null;
  stats(): {
    timebaseCalls: number;
    rtDropped: number;
    watchdogInterrupts: number;
    process: NativeCycleStats;
  };
  dspAttach(dsp: NativeDsp, inputs: NativePort[], outputs: NativePort[], midiIn: NativePort | null, midiOut: NativePort | null, queueSize: number, values: number[], initialBuffers?: NativeInitialBuffer[]): number | null;
  dspDetach(id: number): boolean;
  dspSwap(id: number, dsp: NativeDsp, inputs: NativePort[], outputs: NativePort[], midiIn: NativePort | null, midiOut: NativePort | null,
          fadeFrames: number, maxCycleFrames: number, keepState: boolean, sameParams: boolean, values: number[], carried: number[], initialBuffers?: NativeInitialBuffer[]): NativeSwapResult;
  dspPostBuffer(id: number, slot: number, region: number, channels: number, frames: number, seq: number, replace?: boolean): boolean;
  /** Copies what out ring `ring` holds (up to dest's length) into dest, advancing past it with `advance`; null: no such out ring. */
  dspRingRead(id: number, ring: number, dest: Uint8Array, advance: boolean): number | null;
  /** Writes as much of src as fits into in ring `ring`; null: no such in ring. */
  dspRingWrite(id: number, ring: number, src: Uint8Array): number | null;
  /** [readable, writable, lost bytes, the module's dropped bytes]; null: no such ring. */
  dspRingSpace(id: number, ring: number): [number, number, number, number] | null;
  midiOpen(port: NativePort, input: boolean, capacityBytes: number): number | null;
  streamOpen(ports: NativePort[], ring: Uint8Array, meter?: boolean, limitBytes?: number): number | null;
  streamClose(id: number): boolean;
  outOpen(ports: NativePort[], control: Uint8Array, ring: Uint8Array | null, buffers: Float32Array[] | null, startAt: number | undefined, startFrames: number, loop: boolean): number | null;
  outClose(id: number): boolean;
  streamStats(id: number): { lostFrames: number; records: number } | undefined;
  midiClose(id: number): boolean;
  midiWrite(id: number, bytes: Uint8Array, at?: number): boolean;
  midiRead(id: number): Uint8Array | null;
  midiStats(id: number): { passed: number; dropped: number } | null;
  dspSetParam(id: number, index: number, value: number, at?: number, rampFrames?: number, from?: number): boolean;
  dspSendMidi(id: number, bytes: number[], at?: number): boolean;
  dspStatus(id: number): NativeDspStatus | null;
  dspCollect(): number;
  setWatchdog(budgetMs: number): void;
  setOverrunPolicy(share: number, silenceAfter: number): void;
  recStart(ports: NativePort[], frames: number, startAt?: number): number | null;
  recPoll(id: number): { data: Float32Array[]; startFrame: number; late: boolean; jumps: [number, number][]; jumpsLost: number } | null | undefined;
}

/** libsndfile, one file (host/sound-file.ts). Failures are returned as message strings. */
export interface NativeSoundFile {
  openRead(path: string): string | null;
  openWrite(path: string, channels: number, sampleRate: number, subtype: string, container: string): string | null;
  info(): { channels: number; sampleRate: number; frames: number; container: string; subtype: string; float: boolean } | undefined;
  log(): string | undefined;
  read(interleaved: Float32Array): number | string;
  write(interleaved: Float32Array): string | null;
  seek(frame: number): string | null;
  close(): string | null;
}

/** libsamplerate, one converter (host/sound-file.ts). */
export interface NativeResampler {
  open(channels: number, ratio: number, quality: number): string | null;
  process(input: Float32Array, output: Float32Array, endOfInput: boolean): [number, number] | string;
}

export interface NativeAddon {
  NativeSoundFile: new () => NativeSoundFile;
  NativeResampler: new () => NativeResampler;
  NativeClient: new (onEvent: NativeEventCallback) => NativeClient;
  /** Name and description of a trap code (the table lives in shim/manifest.json). */
  trapInfo(code: number): { kind: string; text: string };
  dspLoad(path: string, options: NativeLoadOptions): Promise<{ ok: boolean; dsp?: NativeDsp; code?: string; message?: string }>;
  /** The process is exiting: interrupt every module call now and from now on. */
  shutdown(): void;
  /** Live runtime allocations: memories, stacks, function types, reserved address space. */
  runtimeStats(): { memories: number; stacks: number; funcTypes: number; reservedBytes: number };
  lockMemory(bytes: Uint8Array): number;
  version(): [number, number, number, number];
  versionString(): string;
  clientNameSize(): number;
  portNameSize(): number;
  portTypeSize(): number;
  setErrorFunction(fn: ((msg: string) => void) | null): void;
  setInfoFunction(fn: ((msg: string) => void) | null): void;
  getProperty(subject: string, key: string): [string, string] | null;
  getProperties(subject: string): [string, string, string][] | null;
  getAllProperties(): [string, [string, string, string][]][];
  /** Counters of the preloaded realtime checker (test/rtcheck), or null without it. */
  rtcheck(): RtcheckCounts | null;
  /** Does one forbidden thing ('malloc' | 'lock' | 'syscall') inside a realtime scope (checker self-test). */
  rtcheckCanary(kind: string): void;
  constants: {
    DEFAULT_AUDIO_TYPE: string;
    DEFAULT_MIDI_TYPE: string;
    PortIsInput: number;
    PortIsOutput: number;
    PortIsPhysical: number;
    PortCanMonitor: number;
    PortIsTerminal: number;
    /** Recordings the engine runs at once per client (Engine::kMaxTaps). */
    MaxRecordings: number;
    UseExactName: number;
    NoStartServer: number;
    metadata: Record<string, string>;
  };
}

let loaded: NativeAddon | undefined;

function load(): NativeAddon {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const path = addonPath();
  try {
    loaded = require(path) as NativeAddon;
    // Rationale: process.exit() joins the worker pool before any native
    // cleanup runs; a module call still running there would block the exit.
    const addon = loaded;
    process.once('exit', () => addon.shutdown());
    return loaded;
  } catch (err) {
    // (Node appends a "Require stack" to the first line: not for people.)
    const message = ((err as Error).message ?? String(err)).split('\n')[0] as string;
    const pkgs = packagesForLoadError(message);
    const advice = pkgs.length
      ? `the system lacks ${pkgs.join(', ')}: ${aptCommand(pkgs)}`
      : `build it from source with \`npm rebuild jackwasm\` (in a checkout: \`npm run build\`); that needs ${aptCommand(BUILD_PACKAGES)}`;
    return fail('NATIVE_LOAD_FAILED', `cannot load the jackwasm native addon from ${path}: ${message}. Fix: ${advice}`, { cause: err });
  }
}

/**
 * The native addon, loaded on first use. Rationale: importing the package
 * (e.g. only to compile modules) must not need libjack or the native build.
 */
export const native: NativeAddon = new Proxy({} as NativeAddon, {
  get: (_, key) => load()[key as keyof NativeAddon],
});
export const C: NativeAddon['constants'] = new Proxy({} as NativeAddon['constants'], {
  get: (_, key) => load().constants[key as keyof NativeAddon['constants']],
});

/** The engine's cycle-time statistics (Engine::CycleStats). */
export interface NativeCycleStats { cycles: number; totalNs: number; minNs: number; maxNs: number; overPeriod: number; histogram: number[]; fine: number[] }
