/**
 * Offline rendering: the same native engine code as the realtime path
 * (DspInstance::RunBlock, same block order), without JACK.
 */
import { fail, require_ } from '../errors.js';
import type { CompileOptions } from './compile.js';
import { clampParam, findParam, instantiate, toCompiled, type ModuleSource } from './instance.js';

/** A MIDI event at an absolute frame of the render. */
export interface MidiEventAt {
  frame: number;
  bytes: ArrayLike<number>;
}

export interface RenderOptions {
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
  automation?: { frame: number; param: string | number; value: number }[];
  /** Compilation options when `module` is not compiled yet. */
  compile?: CompileOptions;
  /** Called after each chunk with (framesDone, framesTotal). */
  onProgress?: (done: number, total: number) => void;
}

/** Renders `module` offline and returns one Float32Array per output channel. */
export async function render(module: ModuleSource, options: RenderOptions = {}): Promise<Float32Array[]> {
  require_(typeof options === 'object' && options !== null, 'render: options must be an object');
  const sampleRate = options.sampleRate ?? 48000;
  const blockSize = options.blockSize ?? 256;
  require_(Number.isInteger(sampleRate) && sampleRate >= 1000 && sampleRate <= 768000, `render: sampleRate must be an integer in [1000, 768000], got ${sampleRate}`);
  require_(Number.isInteger(blockSize) && blockSize >= 1 && blockSize <= 16384, `render: blockSize must be an integer in [1, 16384], got ${blockSize}`);
  const inputs = options.inputs ?? [];
  require_(Array.isArray(inputs) && inputs.every((x) => x instanceof Float32Array), 'render: inputs must be an array of Float32Array');
  let frames = options.frames;
  if (frames === undefined && options.seconds !== undefined) {
    require_(typeof options.seconds === 'number' && options.seconds > 0 && Number.isFinite(options.seconds), `render: seconds must be a positive number, got ${options.seconds}`);
    frames = Math.round(options.seconds * sampleRate);
  }
  frames ??= inputs.length ? Math.max(...inputs.map((x) => x.length)) : sampleRate;
  require_(Number.isInteger(frames) && frames >= 0 && frames <= 2 ** 31, `render: frames must be a non-negative integer, got ${frames}`);
  const midi = options.midi ?? [];
  require_(Array.isArray(midi), 'render: midi must be an array of { frame, bytes }');
  for (const e of midi) {
    require_(typeof e === 'object' && e !== null && Number.isInteger(e.frame) && e.frame >= 0, 'render: each MIDI event needs an integer frame >= 0');
    const b = Array.from(e.bytes ?? []);
    require_(b.length >= 1 && b.length <= 3 && b.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) && (b[0] as number) >= 0x80, `render: MIDI event at frame ${e.frame} must be 1-3 bytes starting with a status byte`);
  }

  const compiled = await toCompiled(module, options.compile);
  const loaded = await instantiate(compiled, sampleRate, blockSize);
  const { dsp, info } = loaded;
  try {
    const entries = Array.isArray(options.params) ? options.params : Object.entries(options.params ?? {});
    const params: [number, number][] = entries.map(([k, v]) => {
      const key = typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : k;
      const p = findParam(loaded.params, key, `render(${compiled.name})`);
      return [p.index, clampParam(p, v, `render(${compiled.name})`)];
    });
    if (params.length && !info.hasParamSet) fail('INVALID_ARGUMENT', `render(${compiled.name}): the module has no parameters`);
    const automation = (options.automation ?? []).map((a, i) => {
      require_(typeof a === 'object' && a !== null && Number.isInteger(a.frame) && a.frame >= 0, `render: automation[${i}] needs an integer frame >= 0`);
      const p = findParam(loaded.params, a.param, `render(${compiled.name})`);
      return { frame: a.frame, i, index: p.index, value: clampParam(p, a.value, `render(${compiled.name})`) };
    }).sort((a, b) => a.frame - b.frame || a.i - b.i);
    let ai = 0;

    // Render in chunks of whole blocks so progress can be reported; block
    // boundaries are the same as one long render.
    const chunk = Math.max(1, Math.ceil(sampleRate / blockSize)) * blockSize;
    const outputs = Array.from({ length: info.outputs }, () => new Float32Array(frames as number));
    const sorted = midi.map((e, i) => ({ e, i })).sort((a, b) => a.e.frame - b.e.frame || a.i - b.i).map((x) => x.e);
    let mi = 0;
    for (let start = 0; start < (frames as number); start += chunk) {
      const n = Math.min(chunk, (frames as number) - start);
      const ins = inputs.map((x) => (x.length > start ? x.subarray(start, Math.min(x.length, start + n)) : new Float32Array(0)));
      const events: number[][] = [];
      while (mi < sorted.length && (sorted[mi] as MidiEventAt).frame < start + n) {
        const e = sorted[mi++] as MidiEventAt;
        events.push([e.frame - start, ...Array.from(e.bytes)]);
      }
      const auto: [number, number, number][] = [];
      while (ai < automation.length && (automation[ai] as { frame: number }).frame < start + n) {
        const a = automation[ai++] as { frame: number; index: number; value: number };
        auto.push([a.frame - start, a.index, a.value]);
      }
      const r = await dsp.render(ins, n, start === 0 ? params : [], events, auto);
      if (r.trap) {
        const at = start + r.trap.frame;
        fail('DSP_TRAP', `${compiled.name} trapped in ${r.trap.where} at frame ${at}: ${r.trap.message}`);
      }
      r.outputs.forEach((o, ch) => (outputs[ch] as Float32Array).set(o, start));
      options.onProgress?.(start + n, frames as number);
    }
    return outputs;
  } finally {
    dsp.dispose();
  }
}
