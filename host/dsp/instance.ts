/**
 * Loading a compiled module into a native instance, and what it tells about
 * itself (channels, parameters, jw_describe). Every call into the module
 * happens on a worker thread under the watchdog (shim/engine/instance.cc).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fail, require_, type JackErrorCode } from '../errors.js';
import { ERROR_CODES } from '../generated/manifest.js';
import { native, type NativeDsp, type NativeDspInfo } from '../native.js';
import { compileAssemblyScriptWithFiles, type AscOptions } from './asc.js';
import { compile, isCompiled, type CompileOptions, type CompiledModule } from './compile.js';
import { DEFAULT_LIMITS } from './validate.js';
import { readRegularFile } from './read-file.js';
import { buildFaust } from '../faust/compile-faust.js';

export { isCompiled, readRegularFile };

/** A parameter as the module describes it. */
export interface ParamInfo {
  index: number;
  /** Identifier for setParam ('cutoff'); 'p<index>' when the module gives none. */
  id: string;
  name: string;
  min: number | undefined;
  max: number | undefined;
  /** The default: jw_describe's, else jw_param_get's after jw_init, else min or 0; always finite and within range. */
  default: number;
  unit: string;
  /** Step between values (a control's resolution), when the module gives one. */
  step?: number;
  /** How a control maps its range: 'lin' (default), 'log' or 'exp'. */
  scale?: 'lin' | 'log' | 'exp';
  /** The kind of control: 'slider' (default), 'nentry', 'button' (momentary 0/1) or 'checkbox' (0/1). */
  control?: 'slider' | 'nentry' | 'button' | 'checkbox';
  /** The module's own address of the parameter (a Faust program's "/reverb/Output/Level"). */
  path?: string;
}

/** What jw_describe says, normalised. */
export interface ModuleDescription {
  name: string | undefined;
  version: string | undefined;
  midiInputs: number;
  midiOutputs: number;
}

/** Where a module comes from: a .wasm or AssemblyScript .ts path, its bytes, or a compiled module. */
export type ModuleSource = string | Uint8Array | CompiledModule;

/** Options of every call that creates an instance. */
export interface InstanceOptions {
  /** Time limit of all the calls into the module while loading together (start function, jw_init, layout, describe, ...), and of the initial parameter calls together; in render(), of each block. ms. Default 5000. */
  callTimeoutMs?: number;
  /** Size of the module's own stack, bytes. Default 1 MiB. Deep recursion traps 'stack-exhausted' when it runs out. */
  stackBytes?: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** The keys of InstanceOptions (for the option checks of load() and render()). */
export const INSTANCE_OPTION_KEYS = ['callTimeoutMs', 'stackBytes'] as const;

/**
 * Compiles the module file at `path` (.wasm, AssemblyScript .ts or Faust
 * .dsp) and tells which files the result depends on (for a .ts, every file
 * the compiler read or looked for; for a .dsp, it and its folder's .lib and
 * .dsp files; for a .wasm, the file itself).
 */
export async function compileFile(path: string, options: CompileOptions = {}, asc: Pick<AscOptions, 'optimize' | 'background'> = {}): Promise<{ compiled: CompiledModule; files: string[] }> {
  require_(typeof path === 'string' && path.length > 0, 'expected a module path');
  if (path.endsWith('.dsp')) {
    const faust = await buildFaust(path, { ...options.faust, ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}) });
    return { compiled: remember(await compile(faust.wasm, { name: basename(path), ...options }), faust.sources, false), files: faust.files };
  }
  if (path.endsWith('.ts')) {
    await readRegularFile(path, 64 << 20, 'source');
    const { binary, files, sources } = await compileAssemblyScriptWithFiles(path, { ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}), ...asc });
    return { compiled: remember(await compile(binary, { name: basename(path), ...options }), sources, true), files };
  }
  return { compiled: await toCompiled(path, options), files: [resolve(path)] };
}

/** What the compile of a module from files read: each file's sha256 (null: looked for, missing), of its text (asc's) or of its bytes. */
interface SourceSnapshot {
  files: readonly (readonly [string, string | null])[];
  text: boolean;
}
/** Rationale: beside the compiled module, which is frozen (each compile returns a new one). */
const snapshots = new WeakMap<CompiledModule, SourceSnapshot>();

function remember(compiled: CompiledModule, files: readonly (readonly [string, string | null])[], text: boolean): CompiledModule {
  snapshots.set(compiled, { files, text });
  return compiled;
}

const sha256 = (x: string | Uint8Array) => createHash('sha256').update(x).digest('hex');

/** The files the compile of a path that made `compiled` read, or undefined (it came from elsewhere). */
export function filesOfCompile(compiled: CompiledModule): string[] | undefined {
  return snapshots.get(compiled)?.files.map(([f]) => f);
}

/**
 * @internal The files `compiled` was built from (by compileFile, or load()
 * and the like from a path) whose content differs now from what that
 * compile read; undefined when it was not built from `entry`.
 */
export async function changedSinceCompile(compiled: CompiledModule, entry: string): Promise<string[] | undefined> {
  const snap = snapshots.get(compiled);
  if (!snap?.files.some(([f]) => f === entry)) return undefined;
  const changed: string[] = [];
  for (const [f, hash] of snap.files) {
    // As the compilers read: only regular files; anything else is missing.
    const now = (await stat(f).catch(() => undefined))?.isFile() ? await readFile(f).catch(() => undefined) : undefined;
    const current = now === undefined ? null : sha256(snap.text ? now.toString('utf8') : now);
    if (current !== hash) changed.push(f);
  }
  return changed;
}

/** Compiles (or takes from the cache) whatever `source` is: a compiled module, bytes, a .wasm path, an AssemblyScript .ts path or a Faust .dsp path. */
export async function toCompiled(source: ModuleSource, options: CompileOptions = {}): Promise<CompiledModule> {
  require_(typeof options === 'object' && options !== null, 'the compile options must be an object');
  if (isCompiled(source)) return source;
  if (typeof source === 'string' && source.endsWith('.dsp')) return (await compileFile(source, options)).compiled;
  if (typeof source === 'string' && source.endsWith('.ts')) {
    // The compiler reads the file itself; refuse what it would block on.
    await readRegularFile(source, 64 << 20, 'source');
    const { binary, sources } = await compileAssemblyScriptWithFiles(source, { ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}) });
    return remember(await compile(binary, { name: basename(source), ...options }), sources, true);
  }
  if (typeof source === 'string') {
    const bytes = await readRegularFile(source, options.limits?.maxModuleBytes ?? DEFAULT_LIMITS.maxModuleBytes);
    return remember(await compile(bytes, { name: basename(source), ...options }), [[resolve(source), sha256(bytes)]], false);
  }
  require_(
    source instanceof Uint8Array,
    typeof source === 'object' && source !== null && (source as { kind?: unknown }).kind === 'jackwasm.compiled'
      ? 'this compiled module was not made by compile() in this process (compiled modules cannot be copied or built by hand; pass the path or bytes instead)'
      : 'expected a module path, its bytes (Uint8Array) or a compiled module',
  );
  return compile(source, options);
}

export interface LoadedInstance {
  dsp: NativeDsp;
  info: NativeDspInfo;
  params: ParamInfo[];
  description: ModuleDescription;
  /** Parameters whose default the module declared in jw_describe (applied when it starts). */
  declared: Set<number>;
}

/** Checks InstanceOptions. @throws INVALID_ARGUMENT */
export function checkInstanceOptions(o: InstanceOptions, who: string): { callTimeoutMs: number; stackBytes: number } {
  const callTimeoutMs = o.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const stackBytes = o.stackBytes ?? 0;
  require_(typeof callTimeoutMs === 'number' && Number.isFinite(callTimeoutMs) && callTimeoutMs >= 1 && callTimeoutMs <= 3600000, `${who}: callTimeoutMs must be a number of milliseconds in [1, 3600000], got ${String(callTimeoutMs)}`);
  require_(Number.isInteger(stackBytes) && stackBytes >= 0 && stackBytes <= 256 * 2 ** 20, `${who}: stackBytes must be an integer in [0, 256 MiB], got ${String(stackBytes)}`);
  return { callTimeoutMs, stackBytes };
}

/** Creates and initialises a native instance (on a worker, watched). */
export async function instantiate(compiled: CompiledModule, sampleRate: number, maxFrames: number, options: InstanceOptions = {}): Promise<LoadedInstance> {
  const { callTimeoutMs, stackBytes } = checkInstanceOptions(options, compiled.name);
  const r = await native.dspLoad(compiled.path, {
    sampleRate,
    maxFrames,
    capPages: Math.floor((compiled.maxMemoryBytes ?? 64 * 2 ** 20) / 65536),
    stackBytes,
    callTimeoutMs,
  });
  if (!r.ok || !r.dsp) {
    const code = (ERROR_CODES as readonly string[]).includes(r.code ?? '') ? (r.code as JackErrorCode) : 'MODULE_INIT_FAILED';
    fail(code, `${compiled.name}: ${r.message ?? 'load failed'}`);
  }
  const dsp = r.dsp;
  try {
    const info = dsp.info() as NativeDspInfo;
    const { params, description, declared } = describe(compiled.name, info);
    return { dsp, info, params, description, declared };
  } catch (err) {
    dsp.dispose();
    throw err;
  }
}

/** Sets parameter values on an instance that is not running yet (on a worker, watched). */
export async function applyParams(loaded: LoadedInstance, values: [number, number][], name: string): Promise<void> {
  if (values.length === 0) return;
  const r = await loaded.dsp.applyParams(values);
  if (!r.trap) return;
  const [index, value] = values[r.index ?? 0] ?? [0, 0];
  if (r.kind === 'timeout') fail('MODULE_TIMEOUT', `${name}: jw_param_set(${index}, ${value}) ran too long and was interrupted (load option callTimeoutMs)`);
  fail('MODULE_INIT_FAILED', `${name}: jw_param_set(${index}, ${value}) trapped: ${r.message ?? r.kind}`);
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function describe(name: string, info: NativeDspInfo): { params: ParamInfo[]; description: ModuleDescription; declared: Set<number> } {
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
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const params: ParamInfo[] = [];
  const declared = new Set<number>();
  const seen = new Set<string>();
  for (let i = 0; i < info.paramCount; i++) {
    const raw = list[i];
    const p = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const id = str(p.id) ?? `p${i}`;
    if (seen.has(id)) fail('MODULE_BAD_LAYOUT', `${name}: jw_describe() has two params with id "${id}"`);
    seen.add(id);
    const min = finite(p.min) ? p.min : undefined;
    const max = finite(p.max) ? p.max : undefined;
    if (min !== undefined && max !== undefined && min > max) fail('MODULE_BAD_LAYOUT', `${name}: param "${id}" has min ${min} > max ${max}`);
    // Rationale: the default reaches the module (at load and on reset()), so
    // it must be a value the module could get from setParam: finite, clamped.
    const own = info.paramDefaults[i];
    if (finite(p.default)) declared.add(i);
    const raw0 = finite(p.default) ? p.default : finite(own) ? own : (min ?? 0);
    const def = Math.fround(Math.min(max ?? Infinity, Math.max(min ?? -Infinity, raw0)));
    const param: ParamInfo = { index: i, id, name: str(p.name) ?? id, min, max, default: def, unit: str(p.unit) ?? '' };
    if (finite(p.step) && p.step > 0) param.step = p.step;
    if (p.scale === 'lin' || p.scale === 'log' || p.scale === 'exp') param.scale = p.scale;
    if (p.control === 'slider' || p.control === 'nentry' || p.control === 'button' || p.control === 'checkbox') param.control = p.control;
    const path = str(p.path);
    if (path !== undefined && path.length <= 1024) param.path = path;
    params.push(param);
  }
  const count = (v: unknown, what: string) => {
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 16) fail('MODULE_BAD_LAYOUT', `${name}: jw_describe() "${what}" must be an integer in [0, 16], got ${JSON.stringify(v)}`);
    return v as number;
  };
  return {
    params,
    declared,
    description: {
      name: str(doc.name),
      version: str(doc.version),
      midiInputs: count(doc.midiInputs, 'midiInputs') ?? (info.hasMidi ? 1 : 0),
      midiOutputs: count(doc.midiOutputs, 'midiOutputs') ?? 0,
    },
  };
}

/**
 * The parameter `idOrIndex` refers to. A number is an index; a string is an
 * id, else a name, else (all digits) an index: ids and names come first, so
 * a parameter whose id is "1" is never mistaken for index 1.
 * @throws INVALID_ARGUMENT naming it
 */
export function findParam(params: readonly ParamInfo[], idOrIndex: string | number, who: string): ParamInfo {
  let p: ParamInfo | undefined;
  if (typeof idOrIndex === 'number') {
    p = Number.isInteger(idOrIndex) ? params[idOrIndex] : undefined;
  } else if (typeof idOrIndex === 'string') {
    p = params.find((q) => q.id === idOrIndex) ?? params.find((q) => q.name === idOrIndex);
    if (!p && /^\d{1,4}$/.test(idOrIndex)) p = params[Number(idOrIndex)];
  }
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

/** Parameter values given as a record or a list of pairs, resolved and clamped. */
export function resolveParams(params: LoadedInstance['params'], given: Record<string, number> | [string | number, number][] | undefined, who: string): [number, number][] {
  if (given === undefined) return [];
  require_(typeof given === 'object' && given !== null, `${who}: params must be an object of id -> value, or [id, value] pairs`);
  const entries = Array.isArray(given) ? given : Object.entries(given);
  return entries.map((e) => {
    require_(Array.isArray(e) && e.length === 2, `${who}: each parameter entry must be [id, value]`);
    const p = findParam(params, e[0], who);
    return [p.index, clampParam(p, e[1], who)];
  });
}

/** Longest parameter ramp, ms. */
export const MAX_RAMP_MS = 600000;

/** A ramp length in ms as frames (0: none). @throws INVALID_ARGUMENT */
export function rampFrames(rampMs: unknown, sampleRate: number, who: string): number {
  if (rampMs === undefined) return 0;
  require_(typeof rampMs === 'number' && Number.isFinite(rampMs) && rampMs >= 0 && rampMs <= MAX_RAMP_MS, `${who} must be a number of milliseconds in [0, ${MAX_RAMP_MS}], got ${String(rampMs)}`);
  return Math.round((rampMs * sampleRate) / 1000);
}
