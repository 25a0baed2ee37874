/**
 * DspModule: a WebAssembly DSP module running in a client's realtime process
 * callback.
 */
import { EventEmitter } from 'node:events';
import { checkOptionKeys, fail, require_ } from '../errors.js';
import { ABI_EXPORTS } from '../generated/manifest.js';
import { kNative, native, type NativeDsp, type NativeDspInfo, type NativePort, type NativeSwapResult } from '../native.js';
import type { OwnPort } from '../port.js';
import { afterFreewheel } from '../port-release.js';
import type { CompileOptions, CompiledModule } from './compile.js';
import { QueueBudget } from './queue-budget.js';
import { checkRingName, ModuleRing } from './module-rings.js';
import { bufferChannels, ModuleBuffers, writeInitialBuffers, type BufferData, type BufferSlotInfo, type LoadBufferOptions, type LoadBufferReport } from './module-buffers.js';
import { playerHost, startMidiPlayback, type MidiPlayback, type PlayMidiOptions } from './midi-player.js';
import type { MidiFileData } from '../midi-file.js';
import { planPorts, sameLayout, type ModulePorts, type PortPlan, type SwapOptions, type SwapReport } from './swap.js';
import {
  applyParams,
  clampParam,
  findParam,
  INSTANCE_OPTION_KEYS,
  instantiate,
  rampFrames,
  toCompiled,
  type InstanceOptions,
  type LoadedInstance,
  type ModuleDescription,
  type ModuleSource,
  type ParamInfo,
} from './instance.js';

/** Options for {@link Client.load}. */
export interface LoadOptions extends InstanceOptions {
  /** Module name: prefix of its port names. Default: from jw_describe, else the file name, else "dsp". */
  name?: string;
  /** Existing own input ports (or their names) to use instead of registering new ones. */
  inputs?: (OwnPort | string)[];
  /** Existing own output ports (or names) to use instead of registering new ones. */
  outputs?: (OwnPort | string)[];
  /** Initial parameter values by id, name or index. */
  params?: Record<string, number> | [string | number, number][];
  /** The module's maxFrames. Default: the client's block size. */
  maxFrames?: number;
  /** Compilation options when `source` is not compiled yet. */
  compile?: CompileOptions;
  /** Audio for the module's buffer slots by name (see loadBuffer), in place before its first block. */
  buffers?: Record<string, BufferData>;
  /**
   * How many MIDI messages, and how many timed parameter changes, may wait
   * for their frame at once (each; default 1024, 16..65536). A call past it
   * throws QUEUE_FULL; nothing is dropped on the audio thread.
   */
  queueSize?: number;
}

/** LoadOptions.queueSize by default. */
export const DEFAULT_QUEUE_SIZE = 1024;

/** A trap reported by a running module. */
export interface TrapInfo {
  /** 'oob', 'div-by-zero', 'int-overflow', 'invalid-conversion', 'unreachable', 'call-indirect', 'stack-exhausted', 'abort', 'timeout', 'overrun', ... */
  kind: string;
  /** Trap code (shim/manifest.json: 1-8 WebAssembly traps, 100 abort, 101 timeout, 103 overrun, ...). */
  code: number;
  /** Human-readable, with AssemblyScript's abort message and location for 'abort'. */
  message: string;
  /** The export that trapped ('jw_process', 'jw_midi', 'jw_param_set'). */
  where: string;
}

/** A module that took longer than its share of the cycle (see Client.overrunPolicy). */
export interface OverrunInfo {
  /** Overruns in a row so far (the module is silenced at `silenceAfter`). */
  consecutive: number;
  /** Overruns since the last 'overrun' event (events are coalesced). */
  count: number;
  /** The module's time in the last overrunning cycle, microseconds. */
  timeUs: number;
  /** Its budget: the policy's share of the cycle, microseconds. */
  budgetUs: number;
}

export interface DspModuleEvents {
  trap: [info: TrapInfo];
  overrun: [info: OverrunInfo];
  log: [message: string];
}

/** @internal What a DspModule needs from its client. */
export interface DspHost {
  readonly name: string;
  readonly blockSize: number;
  readonly sampleRate: number;
  readonly active: boolean;
  readonly lastFrameTime: number;
  transportQuery(): { state: string; position: { frame: number } };
  assertUsable(what: string): void;
  [kNative]: import('../native.js').NativeClient;
  readonly inports: import('../port.js').Ports;
  readonly outports: import('../port.js').Ports;
  readonly midiInports: import('../port.js').Ports;
  readonly midiOutports: import('../port.js').Ports;
  getPortByName(name: string): import('../port.js').Port;
  registerModule(id: number, m: DspModule): void;
  readonly modules: readonly DspModule[];
  forgetModule(id: number): void;
}

/** A trap as JS reports it; for aborts, with AssemblyScript's message. */
function describeTrap(code: number, where: number, dsp: NativeDsp): TrapInfo {
  const { kind, text } = native.trapInfo(code);
  const abort = code === 100 ? dsp.abortMessage() : null;
  return { kind, code, message: abort ? `${text}: ${abort}` : text, where: ABI_EXPORTS[where]?.name ?? 'jw_process' };
}

/** How long unload(), reset() and swap() wait for the audio thread to let go. */
const LET_GO_TIMEOUT_MS = 5000;

/** loadBuffer()'s wait for the audio thread by default, ms. */
const DEFAULT_BUFFER_TIMEOUT_MS = 5000;

/** swap()'s crossfade by default, ms. */
export const DEFAULT_CROSSFADE_MS = 10;

/**
 * Waits until the audio thread can no longer be using what was detached or
 * replaced (it adopted a newer graph, or it is outside any cycle). True when
 * it let go, false if it did not within the timeout; then nothing was freed.
 */
async function waitLetGo(host: DspHost, timeoutMs = LET_GO_TIMEOUT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (host[kNative].dspCollect() === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
}

export type { SwapOptions, SwapReport } from './swap.js';

/** A parameter of a loaded module: its descriptor and the value last set (or the default). */
export interface ModuleParam extends ParamInfo {
  readonly value: number;
}

/** A DSP module running in a client. Created by `client.load()`. */
export class DspModule extends EventEmitter<DspModuleEvents> {
  /** Name (prefix of its port names). */
  readonly name: string;

  #host: DspHost;
  #id: number;
  #dsp: NativeDsp;
  #compiled: CompiledModule;
  #description: ModuleDescription;
  #params: readonly ModuleParam[];
  #inputs: readonly OwnPort[];
  #outputs: readonly OwnPort[];
  #midiInput: OwnPort | undefined;
  #midiOutput: OwnPort | undefined;
  #values: number[];
  /** Parameters the module has been given a value for: its declared defaults and what was set (re-applied on reset). */
  #given: Set<number>;
  /** Parameters the user set (load's params, setParam): carried by swap; the others take the new code's defaults. */
  #userSet: Set<number>;
  /** Ports this module registered (unregistered with it). */
  #registered: OwnPort[];
  #unloaded = false;
  #trap: TrapInfo | undefined;
  #logTimer: NodeJS.Timeout | undefined;
  #options: LoadOptions;
  /** swap() and reset() run one at a time, in call order. */
  #chain: Promise<unknown> = Promise.resolve();
  /** Timed parameter changes and MIDI messages that may still wait on the audio thread. */
  #paramBudget: QueueBudget;
  #midiBudget: QueueBudget;
  #swaps = 0;
  #buffers: ModuleBuffers;
  /** What the running instance declares (read once per instance: calls on rings and buffers use it often). */
  #info!: NativeDspInfo;

  /** @internal */
  constructor(host: DspHost, id: number, compiled: CompiledModule, name: string, loaded: LoadedInstance,
              ports: ModulePorts & { registered: OwnPort[] }, values: number[], given: Set<number>, userSet: Set<number>, options: LoadOptions,
              buffers: ReturnType<typeof writeInitialBuffers>['states']) {
    super();
    this.#host = host;
    this.#id = id;
    this.name = name;
    this.#registered = ports.registered;
    this.#options = options;
    const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.#paramBudget = new QueueBudget(queueSize);
    this.#midiBudget = new QueueBudget(queueSize);
    this.#dsp = loaded.dsp;
    this.#compiled = compiled;
    this.#description = loaded.description;
    this.#params = [];
    this.#values = values;
    this.#given = given;
    this.#userSet = userSet;
    this.#inputs = ports.inputs;
    this.#outputs = ports.outputs;
    this.#adopt(compiled, loaded, ports, values, given, userSet);
    const self = this;
    this.#buffers = new ModuleBuffers({
      name: this.name,
      get sampleRate() { return host.sampleRate; },
      get active() { return host.active; },
      get client() { return host[kNative]; },
      id,
      dsp: () => self.#dsp,
      info: () => self.#info,
      assertLoaded: (what) => self.#assertLoaded(what),
    }, buffers);
  }

  /** Takes over what describes the running instance (at load, and at each swap). */
  #adopt(compiled: CompiledModule, loaded: LoadedInstance, ports: ModulePorts, values: number[], given: Set<number>, userSet: Set<number>): void {
    this.#dsp = loaded.dsp;
    this.#info = loaded.info;
    this.#compiled = compiled;
    this.#description = loaded.description;
    this.#values = values;
    this.#given = given;
    this.#userSet = userSet;
    this.#inputs = Object.freeze(ports.inputs.slice());
    this.#outputs = Object.freeze(ports.outputs.slice());
    this.#midiInput = ports.midiInput;
    this.#midiOutput = ports.midiOutput;
    this.#params = Object.freeze(loaded.params.map((p) =>
      Object.freeze(Object.defineProperty({ ...p }, 'value', { get: () => values[p.index] as number, enumerable: true }) as ModuleParam),
    ));
    const logs = compiled.iface.imports.includes('jw_host.log');
    if (logs && !this.#logTimer) {
      // Log messages wait in a lock-free ring in the module; fetch them here.
      this.#logTimer = setInterval(() => this.#drainLogs(), 20);
      this.#logTimer.unref();
    } else if (!logs && this.#logTimer) {
      clearInterval(this.#logTimer);
      this.#logTimer = undefined;
    }
  }

  /** Audio input ports, one per module input channel. */
  get inputs(): readonly OwnPort[] {
    return this.#inputs;
  }
  /** Audio output ports, one per module output channel. */
  get outputs(): readonly OwnPort[] {
    return this.#outputs;
  }
  /** MIDI input port, when the module exports jw_midi. */
  get midiInput(): OwnPort | undefined {
    return this.#midiInput;
  }
  /** MIDI output port, when jw_describe declares midiOutputs. */
  get midiOutput(): OwnPort | undefined {
    return this.#midiOutput;
  }
  /** Parameters from jw_param_count / jw_describe, each with its current `value` (what getParam returns). */
  get params(): readonly ModuleParam[] {
    return this.#params;
  }
  /** What jw_describe said. */
  get description(): ModuleDescription {
    return this.#description;
  }
  /** The compiled module running now (reusable for render() or another load()). */
  get compiled(): CompiledModule {
    return this.#compiled;
  }
  /** Swaps completed so far. */
  get swaps(): number {
    return this.#swaps;
  }

  #assertLoaded(what: string): void {
    if (this.#unloaded) fail('MODULE_UNLOADED', `${what}: module "${this.name}" is unloaded`);
    this.#host.assertUsable(what);
  }

  #drainLogs(): void {
    if (this.#unloaded) return;
    for (const m of this.#dsp.drainLogs()) this.emit('log', m);
  }

  /** @internal Called by the client when the audio thread reports a trap. */
  onTrap(code: number, where: number): void {
    this.#trap = describeTrap(code, where, this.#dsp);
    this.emit('trap', this.#trap);
  }

  /** @internal Called by the client when the audio thread reports overruns. */
  onOverrun(ev: { consecutive: number; count: number; ns: number; budgetNs: number }): void {
    this.emit('overrun', { consecutive: ev.consecutive, count: ev.count, timeUs: ev.ns / 1000, budgetUs: ev.budgetNs / 1000 });
  }

  /** The trap that silenced the module, until reset(). */
  get trap(): TrapInfo | undefined {
    return this.#trap;
  }

  /** Cycles the module has run (diagnostics). */
  get cycles(): number {
    return this.#host[kNative].dspStatus(this.#id)?.cycles ?? 0;
  }

  /** Time the module took: last cycle and the most in any cycle (µs), and cycles over budget. */
  get timing(): { lastUs: number; maxUs: number; overruns: number } {
    const s = this.#host[kNative].dspStatus(this.#id);
    return { lastUs: (s?.lastNs ?? 0) / 1000, maxUs: (s?.maxNs ?? 0) / 1000, overruns: s?.overruns ?? 0 };
  }

  /** Log and MIDI-output events dropped because their queues were full. */
  get dropped(): { logs: number; midi: number } {
    return this.#dsp.dropped();
  }

  /**
   * Overflow of the audio thread's wait lists: MIDI messages from sendMidi
   * dropped, and timed parameter changes applied early instead of at their
   * frame. The host keeps what it sends within `queueSize` (a call past it
   * throws QUEUE_FULL), so these stay 0 unless a swap meets full lists.
   */
  get overflow(): { midiIn: number; earlyParams: number } {
    const s = this.#host[kNative].dspStatus(this.#id);
    return { midiIn: s?.droppedMidiIn ?? 0, earlyParams: s?.earlyParams ?? 0 };
  }

  /**
   * Sets a parameter (by id, name or index), clamped to its range. Applied by
   * the audio thread at the start of the next block, in order; with
   * `{ frame }` (a JACK frame time, e.g. `client.lastFrameTime + 2 *
   * client.blockSize`) it takes effect exactly at that frame: the engine
   * splits the block there (a frame already past applies at once). With
   * `{ rampMs }` the value moves linearly, on the audio thread, from the
   * value set last (or from where a running ramp of it is) to `value` over
   * that time from that frame: the module gets the value on the line every
   * 16 frames and exactly `value` at the end.
   */
  setParam(idOrIndex: string | number, value: number, options: { frame?: number; rampMs?: number } = {}): void {
    this.#assertLoaded('DspModule.setParam');
    const who = `setParam(${this.name})`;
    const p = findParam(this.params, idOrIndex, who);
    const v = clampParam(p, value, who);
    require_(typeof options === 'object' && options !== null, `${who}: options must be an object`);
    checkOptionKeys(options, ['frame', 'rampMs'], who);
    const at = options.frame;
    require_(at === undefined || (Number.isInteger(at) && at >= 0 && at < 2 ** 32), `${who}: frame must be a JACK frame time (integer in [0, 2^32)), got ${String(at)}`);
    const ramp = rampFrames(options.rampMs, this.#host.sampleRate, `${who}: rampMs`);
    if (at !== undefined && !this.#budget(this.#paramBudget, at)) {
      fail('QUEUE_FULL', `${who}: ${this.#paramBudget.capacity} timed parameter changes are already waiting for their frames (load option queueSize)`);
    }
    const ok = ramp
      ? this.#host[kNative].dspSetParam(this.#id, p.index, v, at, ramp, this.#values[p.index] as number)
      : this.#host[kNative].dspSetParam(this.#id, p.index, v, at);
    if (!ok) {
      fail('QUEUE_FULL', `setParam(${this.name}): the parameter queue is full (${this.#paramBudget.capacity} changes waiting for the audio thread; load option queueSize)`);
    }
    this.#values[p.index] = v;
    this.#given.add(p.index);
    this.#userSet.add(p.index);
  }

  /**
   * Sends a short MIDI message (1-3 bytes, status first) straight to the
   * module's jw_midi, without going through JACK. Delivered at the start of
   * the next cycle, or with `{ frame }` (a JACK frame time) at exactly that
   * frame; merged in time order with what arrives on the MIDI input port.
   */
  sendMidi(bytes: ArrayLike<number>, options: { frame?: number } = {}): void {
    this.#assertLoaded('DspModule.sendMidi');
    if (!this.midiInput) fail('INVALID_ARGUMENT', `sendMidi(${this.name}): the module takes no MIDI (it does not export jw_midi)`);
    const n = (bytes as { length?: unknown } | null | undefined)?.length;
    const expected = 'expected 1-3 bytes, a status byte (>= 0x80) then data bytes (< 0x80)';
    require_(typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 3, `sendMidi(${this.name}): ${expected}, got ${typeof n === 'number' ? `${n} bytes` : String(bytes)}`);
    const b = Array.from(bytes);
    require_(
      b.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) && (b[0] as number) >= 0x80 && b.slice(1).every((x) => x < 0x80),
      `sendMidi(${this.name}): ${expected}, got [${b.join(', ')}]`,
    );
    require_(typeof options === 'object' && options !== null, `sendMidi(${this.name}): options must be an object`);
    checkOptionKeys(options, ['frame'], `sendMidi(${this.name})`);
    const at = options.frame;
    require_(at === undefined || (Number.isInteger(at) && at >= 0 && at < 2 ** 32), `sendMidi(${this.name}): frame must be a JACK frame time (integer in [0, 2^32)), got ${String(at)}`);
    if (!this.#budget(this.#midiBudget, at)) {
      fail('QUEUE_FULL', `sendMidi(${this.name}): ${this.#midiBudget.capacity} MIDI messages are already waiting for their frames (load option queueSize)`);
    }
    if (!this.#host[kNative].dspSendMidi(this.#id, b, at)) {
      fail('QUEUE_FULL', `sendMidi(${this.name}): the MIDI queue is full (${this.#midiBudget.capacity} events waiting for the audio thread; load option queueSize)`);
    }
  }

  /** Counts a message due at `at` (or at the next cycle) in `budget`; false when it is full. */
  #budget(budget: QueueBudget, at: number | undefined): boolean {
    const now = this.#host.lastFrameTime;
    budget.advance(now);
    return budget.add(at, (now + this.#host.blockSize) >>> 0);
  }

  /**
   * Plays a MIDI file (what readMidiFile returns) into the module against
   * JACK frame time: every event reaches jw_midi on its exact frame, from
   * `startFrame` (default: four cycles from now). Events go out a little
   * ahead (`lookaheadMs`) through the same queue as sendMidi.
   */
  playMidi(data: MidiFileData, options: PlayMidiOptions = {}): MidiPlayback {
    this.#assertLoaded('DspModule.playMidi');
    if (!this.midiInput) fail('INVALID_ARGUMENT', `playMidi(${this.name}): the module takes no MIDI (it does not export jw_midi)`);
    const host = this.#host;
    return startMidiPlayback(playerHost(host, (bytes, frame) => this.sendMidi(bytes, frame === undefined ? {} : { frame })), data, options);
  }

  /** The buffer slots the module declares (jw_buffer_table), with what each holds. */
  get buffers(): readonly BufferSlotInfo[] {
    return this.#unloaded ? [] : this.#buffers.list();
  }

  /**
   * Copies audio into the module's buffer slot `name` (a sample, an impulse
   * response, a wavetable) while it runs: off the audio thread, into the
   * region the module is not reading, then handed over at the start of a
   * cycle (the module's jw_buffer_ready), before that cycle's parameter
   * changes and MIDI. Resolves once the module has it (or, on an inactive
   * client, once it is in place for the first cycle). Swaps and resets keep
   * it. Loads, swaps and resets of one module run one after another.
   */
  async loadBuffer(name: string, data: BufferData, options: LoadBufferOptions = {}): Promise<LoadBufferReport> {
    this.#assertLoaded('DspModule.loadBuffer');
    const who = `loadBuffer(${this.name})`;
    require_(typeof options === 'object' && options !== null, `${who}: options must be an object`);
    checkOptionKeys(options, ['resample', 'timeoutMs'], who);
    const timeoutMs = options.timeoutMs ?? DEFAULT_BUFFER_TIMEOUT_MS;
    require_(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0, `${who}: timeoutMs must be a number of milliseconds > 0, got ${String(timeoutMs)}`);
    // The audio is copied now: what the caller does with its arrays later does not matter.
    const channels = bufferChannels(data, this.#host.sampleRate, who, options.resample);
    return this.#serial(() => this.#buffers.load(name, channels, timeoutMs));
  }

  /** The rings the module declares (jw_ring_table): name, direction ('out': the module writes) and size in bytes. */
  get rings(): readonly { name: string; direction: 'out' | 'in'; size: number }[] {
    return this.#unloaded ? [] : this.#info.rings.map((r) => Object.freeze({ name: r.key, direction: r.direction, size: r.size }));
  }

  /**
   * Ring `name` of the module: bytes the module streams to JS (direction
   * 'out', e.g. a scope's samples) or JS streams to it ('in'). Reads and
   * writes copy through the addon; the ring follows the module through swaps
   * and resets by name (each new instance starts it empty).
   */
  ring(name: string): ModuleRing {
    this.#assertLoaded('DspModule.ring');
    checkRingName(this.#info, this.name, name);
    const self = this;
    return new ModuleRing({
      name: this.name,
      get client() { return self.#host[kNative]; },
      id: this.#id,
      info: () => self.#info,
      assertLoaded: (what) => self.#assertLoaded(what),
    }, name);
  }

  /** The last value set (or the default), as the module will see it (clamped, f32). */
  getParam(idOrIndex: string | number): number {
    const p = findParam(this.params, idOrIndex, `getParam(${this.name})`);
    return this.#values[p.index] as number;
  }

  /**
   * Re-initialises the module: a fresh instance of the same code is created
   * off the audio thread, given the parameter values set so far (and the
   * declared defaults), and takes over at the next cycle with fresh state
   * and no crossfade; the old one is freed after the audio thread lets go
   * of it. Brings back a trapped or silenced module.
   */
  async reset(): Promise<void> {
    this.#assertLoaded('DspModule.reset');
    await this.#serial(() => this.#install('reset', this.#compiled, { crossfadeFrames: 0, keepParams: true, keepState: false, instance: this.#options }, performance.now()));
  }

  /**
   * Replaces the module's code while it runs (hot-swap). `source` is a
   * .wasm or AssemblyScript .ts path, bytes or a compiled module; it is
   * compiled, validated and initialised off the audio thread. At a cycle
   * start the new instance takes over the declared state of the old one
   * (`keepState`, see docs/abi.md "State carry-over"), then both run for
   * `crossfadeMs` while their outputs crossfade, and the old one is retired
   * off the audio thread. The module object, its ports and their
   * connections stay; parameter values set so far carry over by id
   * (`keepParams`), others take the new code's defaults; a changed channel
   * count registers or unregisters only the ports that changed.
   *
   * Resolves when the old instance is retired, with what carried over. A
   * source that fails to compile, validate or initialise rejects with that
   * error and leaves the running module untouched. Swaps (and resets) of one
   * module run one after another, in call order.
   */
  async swap(source: ModuleSource, options: SwapOptions = {}): Promise<SwapReport> {
    const t0 = performance.now();
    require_(typeof options === 'object' && options !== null, `swap(${this.name}): options must be an object`);
    checkOptionKeys(options, ['crossfadeMs', 'keepParams', 'keepState', 'compile', ...INSTANCE_OPTION_KEYS], `swap(${this.name})`);
    const { crossfadeMs = DEFAULT_CROSSFADE_MS, keepParams = true, keepState = true } = options;
    require_(typeof crossfadeMs === 'number' && Number.isFinite(crossfadeMs) && crossfadeMs >= 0 && crossfadeMs <= 10000,
      `swap(${this.name}): crossfadeMs must be a number of milliseconds in [0, 10000], got ${typeof crossfadeMs === 'string' ? JSON.stringify(crossfadeMs) : String(crossfadeMs)}`);
    require_(typeof keepParams === 'boolean', `swap(${this.name}): keepParams must be a boolean`);
    require_(typeof keepState === 'boolean', `swap(${this.name}): keepState must be a boolean`);
    this.#assertLoaded('DspModule.swap');
    const crossfadeFrames = Math.round((crossfadeMs * this.#host.sampleRate) / 1000);
    const instance: InstanceOptions = {
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : this.#options.callTimeoutMs !== undefined ? { callTimeoutMs: this.#options.callTimeoutMs } : {}),
      ...(options.stackBytes !== undefined ? { stackBytes: options.stackBytes } : this.#options.stackBytes !== undefined ? { stackBytes: this.#options.stackBytes } : {}),
    };
    return this.#serial(async () => {
      this.#assertLoaded('DspModule.swap');
      const compiled = await toCompiled(source, { ...options.compile });
      return this.#install('swap', compiled, { crossfadeFrames, keepParams, keepState, instance }, t0);
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Creates an instance of `compiled` and hands it to the audio thread in place of the running one. */
  async #install(what: 'swap' | 'reset', compiled: CompiledModule, o: { crossfadeFrames: number; keepParams: boolean; keepState: boolean; instance: InstanceOptions }, t0: number): Promise<SwapReport> {
    const who = `${what}(${this.name})`;
    this.#assertLoaded(`DspModule.${what}`);
    const loaded = await instantiate(compiled, this.#host.sampleRate, this.#maxFrames(), o.instance);
    let plan: PortPlan | undefined;
    let r: NativeSwapResult;
    const values = loaded.params.map((p) => p.default);
    const given = new Set(loaded.declared);
    const userSet = new Set<number>();
    const kept: string[] = [];
    let carry: ReturnType<ModuleBuffers['carryTo']> | undefined;
    try {
      this.#assertLoaded(`DspModule.${what}`);
      // Values the user set carry over by id, clamped to the new range; the
      // others take the new code's defaults (an edited default is heard).
      if (o.keepParams) {
        for (const p of loaded.params) {
          const q = this.#params.find((x) => x.id === p.id);
          if (!q || !this.#userSet.has(q.index)) continue;
          values[p.index] = clampParam(p, this.#values[q.index] as number, who);
          given.add(p.index);
          userSet.add(p.index);
          kept.push(p.id);
        }
      }
      await applyParams(loaded, [...given].sort((a, b) => a - b).map((i) => [i, values[i] as number]), this.name);
      this.#assertLoaded(`DspModule.${what}`);
      plan = planPorts(this.#host, this.name, who, { inputs: this.#inputs, outputs: this.#outputs, midiInput: this.#midiInput, midiOutput: this.#midiOutput },
        { inputs: loaded.info.inputs, outputs: loaded.info.outputs, midiIn: loaded.info.hasMidi, midiOut: loaded.description.midiOutputs > 0 });
      const np = (p: OwnPort) => p[kNative] as NativePort;
      const next = plan.next;
      const maxCycle = Math.max(this.#host.blockSize, 8192);
      carry = this.#buffers.carryTo(loaded.dsp, loaded.info);
      const res = this.#host[kNative].dspSwap(this.#id, loaded.dsp, next.inputs.map(np), next.outputs.map(np),
        next.midiInput ? np(next.midiInput) : null, next.midiOutput ? np(next.midiOutput) : null, o.crossfadeFrames, maxCycle, o.keepState,
        o.keepParams && sameLayout(this.#params, loaded.params), values, [...userSet], carry.initial);
      if (!res) this.#host.assertUsable(`DspModule.${what}`);
      r = res as NativeSwapResult;
      if (r.result === 'queue-full') fail('QUEUE_FULL', `${who}: could not hand the new instance to the audio thread`);
      if (r.result === 'no-memory') fail('OUT_OF_MEMORY', `${who}: cannot allocate the new instance's stack`);
      if (r.result === 'busy') fail('AUDIO_THREAD_STUCK', `${who}: the audio thread has not let go of the instance an earlier swap replaced (is the server running cycles?)`);
      if (r.result !== 'ok') fail('MODULE_UNLOADED', `${who}: module "${this.name}" is no longer running`);
    } catch (err) {
      if (plan) for (const p of plan.added) if (p[kNative]?.isValid()) p.unregister();
      loaded.dsp.dispose();
      throw err;
    }
    const readyMs = performance.now() - t0;
    const old = this.#dsp;
    this.#drainLogs();
    this.#registered.push(...plan.added);
    this.#adopt(compiled, loaded, plan.next, values, given, userSet);
    this.#buffers.adopt(carry.states);
    this.#trap = undefined;
    // Wait until the audio thread runs the new instance, then until it let go of the old one.
    let audibleMs: number | undefined;
    let frame: number | undefined;
    const host = this.#host;
    const client = host[kNative];
    const deadline = Date.now() + LET_GO_TIMEOUT_MS + (o.crossfadeFrames / host.sampleRate) * 1000;
    let released = false;
    let serverGone = false;
    for (;;) {
      if (client.isOpen() && client.isServerGone()) {
        serverGone = true;
        break;
      }
      const st = client.isOpen() ? client.dspStatus(this.#id) : null;
      if (audibleMs === undefined && (!st || st.adopted)) {
        audibleMs = performance.now() - t0;
        frame = st?.adoptedFrame;
      }
      if (client.dspCollect() === 0 || !client.isOpen()) {
        released = true;
        break;
      }
      if (Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 1));
    }
    const adopted = !client.isOpen() || client.dspStatus(this.#id)?.adopted === true;
    if (audibleMs === undefined && adopted) {
      // The whole crossfade fitted in one cycle, between two polls.
      audibleMs = performance.now() - t0;
      frame = client.isOpen() ? client.dspStatus(this.#id)?.adoptedFrame : undefined;
    }
    const removedNames = plan.removed.filter((p) => this.#registered.includes(p)).map((p) => p.name);
    const after = client.isOpen() ? client.dspStatus(this.#id) : null;
    if (after?.trap && ABI_EXPORTS[after.where]?.name === 'jw_buffer_ready') this.#buffers.dropAfterTrap(carry.report);
    const stateTaken = client.isOpen() ? (client.dspStatus(this.#id)?.stateTaken ?? 0) : 0;
    const retire = () => {
      const gone: OwnPort[] = [];
      for (const p of plan.removed) {
        const i = this.#registered.indexOf(p);
        if (i < 0) continue;
        this.#registered.splice(i, 1);
        gone.push(p);
      }
      this.#releasePorts(gone);
    };
    if (released) {
      old.dispose();
      retire();
    } else {
      this.#disposeLater(old, retire);
      if (serverGone) fail('SERVER_GONE', `${who}: the JACK server went away during the swap`);
      fail('AUDIO_THREAD_STUCK', adopted
        ? `${who}: the audio thread did not finish the crossfade within ${LET_GO_TIMEOUT_MS} ms; the old instance is freed when it does`
        : `${who}: the audio thread did not run the new instance within ${LET_GO_TIMEOUT_MS} ms (is the server running cycles?); it takes over when the audio thread runs again`);
    }
    this.#swaps++;
    return {
      frame: this.#host.active ? frame : undefined,
      crossfadeFrames: o.crossfadeFrames,
      state: {
        carried: r.carried,
        fresh: r.fresh,
        dropped: r.dropped,
        bytes: r.stateBytes,
        skipped: stateTaken === 2 ? 'the old instance had trapped; the new one starts from fresh state' : undefined,
      },
      params: { kept, reset: loaded.params.filter((p) => !kept.includes(p.id)).map((p) => p.id) },
      buffers: carry.report,
      ports: { added: plan.added.map((p) => p.name), removed: removedNames },
      readyMs,
      audibleMs: audibleMs ?? readyMs,
      totalMs: performance.now() - t0,
    };
  }

  #maxFrames(): number {
    return (this.#dsp.info()?.maxFrames as number | undefined) ?? this.#host.blockSize;
  }

  /** Frees `dsp` once the audio thread has let go (polling in the background). */
  #disposeLater(dsp: NativeDsp, then?: () => void): void {
    const timer = setInterval(() => {
      if (this.#host[kNative].isOpen() && this.#host[kNative].dspCollect() !== 0) return;
      clearInterval(timer);
      dsp.dispose();
      then?.();
    }, 50);
    timer.unref();
  }

  /**
   * Stops the module, waits until the audio thread has let go, frees it and
   * unregisters the ports it registered. Never frees anything the audio
   * thread may still be using: if it does not let go within `timeoutMs`
   * (default 5000; a module stuck until the watchdog interrupts it, a server
   * stopped mid-cycle), this rejects with AUDIO_THREAD_STUCK and the module
   * is freed, and its ports unregistered, once it does.
   */
  async unload(options: { timeoutMs?: number } = {}): Promise<void> {
    require_(typeof options === 'object' && options !== null, `unload(${this.name}): options must be an object`);
    const timeoutMs = options.timeoutMs ?? LET_GO_TIMEOUT_MS;
    require_(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs >= 0, `unload(${this.name}): timeoutMs must be a number of milliseconds >= 0`);
    if (this.#unloaded) return;
    this.#unloaded = true;
    if (this.#logTimer) clearInterval(this.#logTimer);
    this.#host.forgetModule(this.#id);
    const client = this.#host[kNative];
    // Ports die with a client the server dropped; only a live one unregisters them.
    const unregister = () => this.#releasePorts(this.#registered.slice());
    const release = () => {
      unregister();
      this.#dsp.dispose();
    };
    if (!client.isOpen()) {
      this.#dsp.dispose();
      return;
    }
    client.dspDetach(this.#id);
    if (await waitLetGo(this.#host, timeoutMs)) return release();
    this.#disposeLater(this.#dsp, unregister);
    fail('AUDIO_THREAD_STUCK', `unload(${this.name}): the audio thread did not let go of the module within ${timeoutMs} ms; it is freed when it does`);
  }

  /**
   * Unregisters ports this module registered and no longer runs on (now, or
   * once the server stops freewheeling). Never throws. A port another module
   * runs on (given to its load()) passes to that module, which unregisters it
   * when it goes; one a stream or process() uses stays registered.
   */
  #releasePorts(ports: OwnPort[]): void {
    const client = this.#host[kNative];
    afterFreewheel(client, () => {
      if (!client.isOpen() || client.isServerGone()) return;
      for (const p of ports) {
        if (!p[kNative]?.isValid()) continue;
        const heir = this.#host.modules.find((m) => m !== this && !m.#unloaded && m.#runsOn(p));
        if (heir) {
          heir.#registered.push(p);
          continue;
        }
        try {
          p.unregister();
        } catch (err) {
          process.emitWarning(`jackwasm: module "${this.name}" left its port "${p.name}" registered: ${(err as Error).message}`);
        }
      }
    });
  }

  #runsOn(p: OwnPort): boolean {
    return this.#inputs.includes(p) || this.#outputs.includes(p) || this.#midiInput === p || this.#midiOutput === p;
  }

  /** @internal The client closed: the module is gone. */
  detachClosed(): void {
    this.#unloaded = true;
    if (this.#logTimer) clearInterval(this.#logTimer);
    this.#dsp.dispose();
  }
}
