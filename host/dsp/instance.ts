/**
 * Loading a compiled module into a native instance, and what it tells about
 * itself (channels, parameters, jw_describe).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fail, require_, type JackErrorCode } from '../errors.js';
import { native, type NativeDsp, type NativeDspInfo } from '../native.js';
import { compile, type CompileOptions, type CompiledModule } from './compile.js';

/** A parameter as the module describes it. */
export interface ParamInfo {
  index: number;
  /** Identifier for setParam ('cutoff'); 'p<index>' when the module gives none. */
  id: string;
  name: string;
  min: number | undefined;
  max: number | undefined;
  default: number;
  unit: string;
}

/** What jw_describe says, normalised. */
export interface ModuleDescription {
  name: string | undefined;
  version: string | undefined;
  midiInputs: number;
  midiOutputs: number;
}

/** Where a module comes from: a .wasm path, its bytes, or a compiled module. */
export type ModuleSource = string | Uint8Array | CompiledModule;

export function isCompiled(x: unknown): x is CompiledModule {
  return typeof x === 'object' && x !== null && (x as CompiledModule).kind === 'jackwasm.compiled';
}

/** Compiles (or takes from the cache) whatever `source` is. */
export async function toCompiled(source: ModuleSource, options: CompileOptions = {}): Promise<CompiledModule> {
  if (isCompiled(source)) return source;
  if (typeof source === 'string') {
    let bytes: Buffer;
    try {
      bytes = await readFile(source);
    } catch (err) {
      return fail('INVALID_ARGUMENT', `cannot read module "${source}": ${(err as Error).message}`);
    }
    return compile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: basename(source), ...options });
  }
  require_(source instanceof Uint8Array, 'expected a module path, its bytes (Uint8Array) or a compiled module');
  return compile(source, options);
}

export interface LoadedInstance {
  dsp: NativeDsp;
  info: NativeDspInfo;
  params: ParamInfo[];
  description: ModuleDescription;
}

/** Creates and initialises a native instance ([worker] in the addon). */
export async function instantiate(compiled: CompiledModule, sampleRate: number, maxFrames: number): Promise<LoadedInstance> {
  const r = await native.dspLoad(compiled.path, sampleRate, maxFrames);
  if (!r.ok || !r.dsp) fail((r.code ?? 'MODULE_INIT_FAILED') as JackErrorCode, `${compiled.name}: ${r.message ?? 'load failed'}`);
  const dsp = r.dsp;
  try {
    const info = dsp.info() as NativeDspInfo;
    const { params, description } = describe(compiled.name, info);
    return { dsp, info, params, description };
  } catch (err) {
    dsp.dispose();
    throw err;
  }
}

function describe(name: string, info: NativeDspInfo): { params: ParamInfo[]; description: ModuleDescription } {
  let doc: Record<string, unknown> = {};
  if (info.describe !== null) {
    try {
      const parsed: unknown = JSON.parse(info.describe);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      doc = parsed as Record<string, unknown>;
    } catch (err) {
      fail('MODULE_BAD_LAYOUT', `${name}: jw_describe() is not a JSON object (${(err as Error).message}): ${info.describe.slice(0, 120)}`);
    }
  }
  const list = doc.params === undefined ? [] : doc.params;
  if (!Array.isArray(list)) fail('MODULE_BAD_LAYOUT', `${name}: jw_describe() "params" is not an array`);
  if (list.length > 0 && list.length !== info.paramCount) {
    fail('MODULE_BAD_LAYOUT', `${name}: jw_describe() lists ${list.length} params but jw_param_count() is ${info.paramCount}`);
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const params: ParamInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < info.paramCount; i++) {
    const p = (list[i] ?? {}) as Record<string, unknown>;
    const id = str(p.id) ?? `p${i}`;
    if (seen.has(id)) fail('MODULE_BAD_LAYOUT', `${name}: jw_describe() has two params with id "${id}"`);
    seen.add(id);
    const min = num(p.min);
    const max = num(p.max);
    if (min !== undefined && max !== undefined && min > max) fail('MODULE_BAD_LAYOUT', `${name}: param "${id}" has min ${min} > max ${max}`);
    params.push({ index: i, id, name: str(p.name) ?? id, min, max, default: num(p.default) ?? info.paramDefaults[i] ?? 0, unit: str(p.unit) ?? '' });
  }
  return {
    params,
    description: {
      name: str(doc.name),
      version: str(doc.version),
      midiInputs: num(doc.midiInputs) ?? (info.hasMidi ? 1 : 0),
      midiOutputs: num(doc.midiOutputs) ?? 0,
    },
  };
}

/** The parameter `idOrIndex` refers to. @throws INVALID_ARGUMENT naming it */
export function findParam(params: ParamInfo[], idOrIndex: string | number, who: string): ParamInfo {
  const p = typeof idOrIndex === 'number' ? params[idOrIndex] : params.find((q) => q.id === idOrIndex || q.name === idOrIndex);
  if (!p) {
    const known = params.map((q) => q.id).join(', ') || 'none';
    fail('INVALID_ARGUMENT', `${who}: no parameter ${JSON.stringify(idOrIndex)} (parameters: ${known})`);
  }
  return p;
}

/** `value` clamped to the parameter's range. @throws INVALID_ARGUMENT for non-finite values */
export function clampParam(p: ParamInfo, value: number, who: string): number {
  require_(typeof value === 'number' && Number.isFinite(value), `${who}: value for "${p.id}" must be a finite number, got ${String(value)}`);
  let v = value;
  if (p.min !== undefined && v < p.min) v = p.min;
  if (p.max !== undefined && v > p.max) v = p.max;
  return Math.fround(v);
}
