/**
 * Offline rendering: the engine's block scheduler (the same code the JACK
 * process callback runs), without JACK, on a worker thread, into output
 * arrays allocated once.
 */
import { checkOptionKeys, fail, require_ } from '../errors.js';
import type { CompileOptions } from './compile.js';
import { checkTimebase, DEFAULT_TIMEBASE, type TimebaseSettings } from '../transport.js';
import { snapshotBuffers, writeInitialBuffers, type BufferData } from './module-buffers.js';
import { checkInstanceOptions, findParam, clampParam, INSTANCE_OPTION_KEYS, instantiate, rampFrames, resolveParams, toCompiled, type InstanceOptions, type ModuleSource } from './instance.js';

/** A MIDI event at an absolute frame of the render. */
export interface MidiEventAt {
  frame: number;
  bytes: ArrayLike<number>;
}

export interface RenderOptions extends InstanceOptions {
  /** Default 48000. */
  sampleRate?: number;
  /** Frames per block (the module's maxFrames). Default 256. */
  blockSize?: number;
  /** Length in frames (or give `seconds`). Default: the longest input, else 1 s. */
  frames?: number;
  seconds?: number;
  /** One Float32Array per input channel; missing or short channels read as silence. */
  inputs?: Float32Array[];
  /** Initial parameter values by id, name or index (clamped to the module's ranges). */
  params?: Record<string, number> | [string | number, number][];
  /** MIDI events, delivered to jw_midi before the block that contains them. */
  midi?: MidiEventAt[];
  /** Parameter changes at exact frames (the block is split there), as live `setParam(id, v, { frame })` does. */
  automation?: { frame: number; param: string | number; value: number; rampMs?: number }[];
  /**
   * A transport rolling from frame 0 at this tempo and signature, for modules
   * that read it (jw_transport): bar/beat/tick as the native timebase master
   * computes them (`true`: 120 bpm, 4/4, 1920 ticks per beat). Default: stopped.
   */
  transport?: boolean | TimebaseSettings;
  /** Compilation options when `module` is not compiled yet. */
  compile?: CompileOptions;
  /** Audio for the module's buffer slots by name (DspModule.loadBuffer), in place before the first block. At another sample rate: SAMPLE_RATE_MISMATCH. */
  buffers?: Record<string, BufferData>;
  /** Called about every 50 ms, and at the end, with (framesDone, framesTotal). */
  onProgress?: (done: number, total: number) => void;
}

/** Largest render, frames (per channel): 2^31 - 1. */
const MAX_FRAMES = 2 ** 31 - 1;

/** Renders `module` offline and returns one Float32Array per output channel. */
const RENDER_OPTION_KEYS = [
  'sampleRate', 'blockSize', 'frames', 'seconds', 'inputs', 'params', 'midi', 'automation', 'transport', 'compile', 'buffers', 'onProgress', ...INSTANCE_OPTION_KEYS,
] as const;

export async function render(module: ModuleSource, options: RenderOptions = {}): Promise<Float32Array[]> {
  require_(typeof options === 'object' && options !== null, 'render: options must be an object');
  checkOptionKeys(options, RENDER_OPTION_KEYS, 'render');
  const sampleRate = options.sampleRate ?? 48000;
  const blockSize = options.blockSize ?? 256;
  require_(Number.isInteger(sampleRate) && sampleRate >= 1000 && sampleRate <= 768000, `render: sampleRate must be an integer in [1000, 768000], got ${sampleRate}`);
  require_(Number.isInteger(blockSize) && blockSize >= 1 && blockSize <= 16384, `render: blockSize must be an integer in [1, 16384], got ${blockSize}`);
  const inputs = options.inputs ?? [];
  require_(Array.isArray(inputs) && inputs.length <= 64 && inputs.every((x) => x instanceof Float32Array), 'render: inputs must be an array of at most 64 Float32Arrays');
  let frames = options.frames;
  require_(frames === undefined || options.seconds === undefined, 'render: give frames or seconds, not both');
  if (frames === undefined && options.seconds !== undefined) {
    require_(typeof options.seconds === 'number' && options.seconds > 0 && Number.isFinite(options.seconds), `render: seconds must be a positive number, got ${options.seconds}`);
    frames = Math.round(options.seconds * sampleRate);
  }
  frames ??= inputs.length ? Math.max(...inputs.map((x) => x.length)) : sampleRate;
  require_(Number.isInteger(frames) && frames >= 0 && frames <= MAX_FRAMES, `render: frames must be an integer in [0, ${MAX_FRAMES}], got ${frames}`);
  const midi = options.midi ?? [];
  require_(Array.isArray(midi), 'render: midi must be an array of { frame, bytes }');
  const events = midi.map((e, i) => {
    require_(typeof e === 'object' && e !== null && Number.isInteger(e.frame) && e.frame >= 0 && e.frame <= MAX_FRAMES, `render: MIDI event ${i} needs an integer frame in [0, ${MAX_FRAMES}]`);
    const n = (e.bytes as { length?: unknown } | null | undefined)?.length;
    require_(typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 3, `render: MIDI event ${i} (frame ${e.frame}) must have 1-3 bytes`);
    const b = Array.from(e.bytes);
    require_(b.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) && (b[0] as number) >= 0x80 && b.slice(1).every((x) => (x as number) < 0x80), `render: MIDI event ${i} (frame ${e.frame}) must be a status byte (>= 0x80), then data bytes (< 0x80)`);
    return [e.frame, ...b];
  });
  const automationIn = options.automation ?? [];
  require_(Array.isArray(automationIn), 'render: automation must be an array of { frame, param, value, rampMs? }');
  const { callTimeoutMs } = checkInstanceOptions(options, 'render');
  let transport: [number, number, number, number] | null = null;
  if (options.transport !== undefined && options.transport !== false) {
    require_(options.transport === true || (typeof options.transport === 'object' && options.transport !== null), 'render: transport must be true or { bpm?, beatsPerBar?, beatType?, ticksPerBeat? }');
    const t = options.transport === true ? {} : options.transport;
    checkOptionKeys(t, ['bpm', 'beatsPerBar', 'beatType', 'ticksPerBeat'], 'render: transport');
    const s = checkTimebase({ ...DEFAULT_TIMEBASE, ...t }, 'render: transport');
    transport = [s.bpm, s.beatsPerBar, s.beatType, s.ticksPerBeat];
  }
  require_(options.onProgress === undefined || typeof options.onProgress === 'function', 'render: onProgress must be a function');

  const buffersIn = snapshotBuffers(options.buffers, sampleRate, 'render');
  const compiled = await toCompiled(module, options.compile);
  const loaded = await instantiate(compiled, sampleRate, blockSize, options);
  const { dsp, info } = loaded;
  try {
    const who = `render(${compiled.name})`;
    const explicit = resolveParams(loaded.params, options.params, who);
    if (explicit.length && !info.hasParamSet) fail('INVALID_ARGUMENT', `${who}: the module has no parameters`);
    if (events.length && !compiled.iface.exports.has('jw_midi')) fail('INVALID_ARGUMENT', `${who}: the module takes no MIDI (it does not export jw_midi)`);
    // The declared defaults first, then the requested values (as load() does).
    const params: [number, number][] = [...loaded.declared].sort((a, b) => a - b).map((i) => [i, loaded.params[i]!.default]);
    params.push(...explicit);
    // A ramp starts from the value set last before it (as setParam's does).
    const current = loaded.params.map((p) => p.default);
    for (const [i, v] of params) current[i] = v;
    const automation = automationIn
      .map((a, i) => {
        require_(typeof a === 'object' && a !== null && Number.isInteger(a.frame) && a.frame >= 0 && a.frame <= MAX_FRAMES, `render: automation[${i}] needs an integer frame in [0, ${MAX_FRAMES}]`);
        checkOptionKeys(a, ['frame', 'param', 'value', 'rampMs'], `render: automation[${i}]`);
        const p = findParam(loaded.params, a.param, who);
        return { frame: a.frame, index: p.index, value: clampParam(p, a.value, who), ramp: rampFrames(a.rampMs, sampleRate, `${who}: automation[${i}].rampMs`) };
      })
      .sort((a, b) => a.frame - b.frame) // stable, as the engine orders them
      .map((a): number[] => {
        const from = current[a.index] as number;
        current[a.index] = a.value;
        return a.ramp ? [a.frame, a.index, a.value, a.ramp, from] : [a.frame, a.index, a.value];
      });
    const buffers = writeInitialBuffers(dsp, info, buffersIn, who).initial;
    const outputs = Array.from({ length: info.outputs }, () => new Float32Array(frames as number));
    const progress = options.onProgress ? new BigInt64Array(new SharedArrayBuffer(8)) : null;
    let timer: NodeJS.Timeout | undefined;
    if (progress && options.onProgress) {
      const report = options.onProgress;
      timer = setInterval(() => report(Number(Atomics.load(progress, 0)), frames as number), 50);
    }
    let r;
    try {
      r = await dsp.render(inputs, frames, outputs, params, events, automation, callTimeoutMs, progress, transport, buffers);
    } finally {
      if (timer) clearInterval(timer);
    }
    if (r.trap) {
      const limit = r.trap.kind === 'timeout' ? ` (a block ran longer than ${callTimeoutMs} ms; render option callTimeoutMs)` : '';
      fail('DSP_TRAP', `${compiled.name} trapped in ${r.trap.where} at frame ${r.trap.frame}: ${r.trap.message}${limit}`, {
        trap: { kind: r.trap.kind, code: r.trap.code, where: r.trap.where, frame: r.trap.frame },
      });
    }
    options.onProgress?.(frames, frames);
    return outputs;
  } finally {
    dsp.dispose();
  }
}
