/**
 * ABI validation of a DSP module (docs/abi.md), before anything is compiled:
 * the exports and imports the manifest (shim/manifest.json) describes, and
 * the size limits that keep compilation bounded. Every failure is a
 * JackError naming the problem.
 */
import { lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail, require_ } from '../errors.js';
import { ABI_EXPORTS, ABI_IMPORTS, MATH_BINARY, MATH_UNARY, VERSIONS } from '../generated/manifest.js';
import { run, type StepLimits } from './limited-run.js';
import { formatType, parseWasm, type FuncType, type ValType, type WasmModuleShape } from './wasm-binary.js';

export const ABI_VERSION = VERSIONS.abi;

const sig = (params: readonly ValType[], results: readonly ValType[]): FuncType => ({ params: [...params], results: [...results] });

/** Required exports and their signatures. */
export const REQUIRED_EXPORTS: Record<string, FuncType> = Object.fromEntries(ABI_EXPORTS.filter((e) => e.required).map((e) => [e.name, sig(e.params, e.results)]));

/** Optional exports and their signatures. */
export const OPTIONAL_EXPORTS: Record<string, FuncType> = Object.fromEntries(ABI_EXPORTS.filter((e) => !e.required).map((e) => [e.name, sig(e.params, e.results)]));

/** Allowed imports: "module.name" -> signature. */
export const ALLOWED_IMPORTS: Record<string, FuncType> = (() => {
  const m: Record<string, FuncType> = Object.fromEntries(ABI_IMPORTS.map((i) => [`${i.module}.${i.name}`, sig(i.params, i.results)]));
  for (const prefix of ['', '_']) {
    for (const f of MATH_UNARY) {
      m[`env.${prefix}${f}`] = sig(['f32'], ['f32']);
      m[`env.${prefix}${f.slice(0, -1)}`] = sig(['f64'], ['f64']);
    }
    for (const f of MATH_BINARY) {
      m[`env.${prefix}${f}`] = sig(['f32', 'f32'], ['f32']);
      m[`env.${prefix}${f.slice(0, -1)}`] = sig(['f64', 'f64'], ['f64']);
    }
  }
  return m;
})();

const HOST_IMPORTS = new Set(ABI_IMPORTS.map((i) => i.name));

/** The C math function an allowed math import maps to ("_sinf" -> "sinf"). */
export function mathFunctionOf(name: string): string | undefined {
  const bare = name.replace(/^_/, '');
  return ALLOWED_IMPORTS[`env.${bare}`] && !HOST_IMPORTS.has(bare) ? bare : undefined;
}

/**
 * Size limits. Compilation (wasm2c, then the C compiler) costs time and
 * memory that grow with these; the defaults admit every example and
 * AssemblyScript/Faust program we know of and refuse what would take minutes.
 */
export interface ModuleLimits {
  /** Module size, bytes. Default 16 MiB. */
  maxModuleBytes: number;
  /** Functions defined by the module. Default 20000. */
  maxFunctions: number;
  /** Function types. Default 10000. */
  maxTypes: number;
  /** Parameters or results of one function type. Default 1000. */
  maxParams: number;
  /** Parameters and results of all function types together. Default 65536. */
  maxTypeValues: number;
  /** Locals of one function. Default 10000. */
  maxLocals: number;
  /** One function body, bytes. Default 2 MiB. */
  maxFunctionBytes: number;
  /** Globals. Default 20000. */
  maxGlobals: number;
  /** Exports (each becomes a C function). Default 2000. */
  maxExports: number;
  /** Table entries, all tables' initial sizes together. Default 1000000 (the runtime also caps growth at this many per instance). */
  maxTableEntries: number;
  /** Tables. Default 16. */
  maxTables: number;
  /** Element section, bytes (table contents). Default 1 MiB. */
  maxElemBytes: number;
  /** Data segment contents, bytes in all. Default 4 MiB (sample data goes in at run time). */
  maxDataBytes: number;
  /** C that wasm2c may generate for the module, bytes (checked before cc runs). Default 48 MiB; the examples generate 0.2-0.3 MiB. */
  maxGeneratedBytes: number;
}

export const DEFAULT_LIMITS: ModuleLimits = {
  maxModuleBytes: 16 << 20,
  maxFunctions: 20000,
  maxTypes: 10000,
  maxParams: 1000,
  maxTypeValues: 65536,
  maxLocals: 10000,
  maxFunctionBytes: 2 << 20,
  maxGlobals: 20000,
  maxExports: 2000,
  maxTableEntries: 1000000,
  maxTables: 16,
  maxElemBytes: 1 << 20,
  maxDataBytes: 4 << 20,
  maxGeneratedBytes: 48 << 20,
};

export interface ValidateOptions {
  /** Largest initial memory accepted, bytes. Default 64 MiB. */
  maxMemoryBytes?: number;
  /** Size limits; each defaults to DEFAULT_LIMITS. */
  limits?: Partial<ModuleLimits>;
}

export interface ModuleInterface {
  shape: WasmModuleShape;
  /** ABI exports present (required and optional). */
  exports: Set<string>;
  /** Optional exports present. */
  optional: Set<string>;
  /** Initial memory, bytes. */
  memoryBytes: number;
}

const sameType = (a: FuncType, b: FuncType) =>
  a.params.length === b.params.length &&
  a.results.length === b.results.length &&
  a.params.every((p, i) => p === b.params[i]) &&
  a.results.every((r, i) => r === b.results[i]);

export const DEFAULT_MAX_MEMORY = 64 * 1024 * 1024;
/** 4 GiB less one page: a memory of exactly 4 GiB has a size that does not fit in 32 bits. */
export const MAX_MEMORY_BYTES = 65535 * 65536;

/** The effective limits, checked. @throws INVALID_ARGUMENT */
export function resolveLimits(given: Partial<ModuleLimits> | undefined): ModuleLimits {
  require_(given === undefined || (typeof given === 'object' && given !== null), 'compile: limits must be an object');
  const out = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(given ?? {})) {
    require_(k in DEFAULT_LIMITS, `compile: unknown limit "${k}" (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
    require_(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 32, `compile: limits.${k} must be an integer in [0, 2^32], got ${String(v)}`);
    (out as Record<string, number>)[k] = v;
  }
  return out;
}

function tooLarge(what: string, detail: string, limit: keyof ModuleLimits, value: number): never {
  return fail('MODULE_TOO_LARGE', `${what}: ${detail} (limit ${value}; raise it with the compile option limits.${limit})`);
}

/** Checks the module against the ABI and the size limits (everything that can be checked without running it). */
export function checkInterface(bytes: Uint8Array, what: string, options: ValidateOptions = {}): ModuleInterface {
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  const limits = resolveLimits(options.limits);
  if (bytes.length > limits.maxModuleBytes) tooLarge(what, `the module is ${bytes.length} bytes`, 'maxModuleBytes', limits.maxModuleBytes);
  const shape = parseWasm(bytes, what);

  if (shape.definedFunctions > limits.maxFunctions) tooLarge(what, `defines ${shape.definedFunctions} functions`, 'maxFunctions', limits.maxFunctions);
  if (shape.types.length > limits.maxTypes) tooLarge(what, `declares ${shape.types.length} function types`, 'maxTypes', limits.maxTypes);
  const widest = shape.types.reduce((m, t) => Math.max(m, t.params.length, t.results.length), 0);
  if (widest > limits.maxParams) tooLarge(what, `has a function type with ${widest} parameters or results`, 'maxParams', limits.maxParams);
  const typeValues = shape.types.reduce((n, t) => n + t.params.length + t.results.length, 0);
  if (typeValues > limits.maxTypeValues) tooLarge(what, `its function types have ${typeValues} parameters and results in all`, 'maxTypeValues', limits.maxTypeValues);
  if (shape.maxLocals > limits.maxLocals) tooLarge(what, `has a function with ${shape.maxLocals} locals`, 'maxLocals', limits.maxLocals);
  if (shape.maxBodyBytes > limits.maxFunctionBytes) tooLarge(what, `has a function body of ${shape.maxBodyBytes} bytes`, 'maxFunctionBytes', limits.maxFunctionBytes);
  if (shape.globals > limits.maxGlobals) tooLarge(what, `defines ${shape.globals} globals`, 'maxGlobals', limits.maxGlobals);
  if (shape.exports.length > limits.maxExports) tooLarge(what, `has ${shape.exports.length} exports`, 'maxExports', limits.maxExports);
  if (shape.tables.length > limits.maxTables) tooLarge(what, `defines ${shape.tables.length} tables`, 'maxTables', limits.maxTables);
  const tableMin = shape.tables.reduce((n, t) => n + t.min, 0);
  if (tableMin > limits.maxTableEntries) tooLarge(what, `has tables of ${tableMin} entries in all`, 'maxTableEntries', limits.maxTableEntries);
  if (shape.elemBytes > limits.maxElemBytes) tooLarge(what, `has a ${shape.elemBytes}-byte element section`, 'maxElemBytes', limits.maxElemBytes);
  if (shape.dataBytes > limits.maxDataBytes) tooLarge(what, `has ${shape.dataBytes} bytes of data segments`, 'maxDataBytes', limits.maxDataBytes);
  if (shape.hasTags) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses exception handling (a tag section), which jackwasm does not support`);

  for (const imp of shape.imports) {
    const key = `${imp.module}.${imp.name}`;
    if (imp.desc.kind === 'memory') fail('MODULE_BAD_IMPORT', `${what}: imports its memory (${key}); a DSP module must define and export its own memory`);
    if (imp.desc.kind === 'tag') fail('MODULE_UNSUPPORTED_FEATURE', `${what}: imports an exception tag (${key}); exception handling is not supported`);
    const expected = ALLOWED_IMPORTS[key];
    if (!expected || imp.desc.kind !== 'func') {
      fail('MODULE_BAD_IMPORT', `${what}: imports ${imp.desc.kind} "${key}", which jackwasm does not provide (allowed: ${ABI_IMPORTS.map((i) => `${i.module}.${i.name}`).join(', ')} and C math functions under env)`);
    }
    if (!sameType(imp.desc.type, expected)) {
      fail('MODULE_BAD_IMPORT', `${what}: import "${key}" has type ${formatType(imp.desc.type)}, expected ${formatType(expected)}`);
    }
  }

  // Rationale: export names reach the generated C (wasm2c copies them into
  // comments): only characters that cannot end a comment or a line.
  for (const e of shape.exports) {
    if (!/^[A-Za-z0-9_.$@-]{1,255}$/.test(e.name)) {
      fail('MODULE_BAD_EXPORT', `${what}: export name ${JSON.stringify(e.name.length > 64 ? `${e.name.slice(0, 64)}...` : e.name)} has characters other than A-Z a-z 0-9 _ . $ @ - (or is empty or over 255 characters)`);
    }
  }
  const exports = new Map(shape.exports.map((e) => [e.name, e]));
  const mem = exports.get('memory');
  if (!mem) fail('MODULE_MISSING_EXPORT', `${what}: does not export "memory"`);
  if (mem.kind !== 'memory') fail('MODULE_BAD_EXPORT', `${what}: export "memory" is a ${mem.kind}, expected a memory`);
  if (shape.memories.length !== 1) fail('MODULE_BAD_EXPORT', `${what}: defines ${shape.memories.length} memories; exactly one is supported`);
  const limitsOfMemory = shape.memories[0]!;
  if (limitsOfMemory.memory64) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses 64-bit memory, which jackwasm does not support`);
  if (limitsOfMemory.shared) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses shared memory (threads), which jackwasm does not support`);
  const memoryBytes = limitsOfMemory.min * 65536;
  if (memoryBytes > maxMemoryBytes) {
    fail('MODULE_MEMORY_TOO_LARGE', `${what}: initial memory is ${memoryBytes} bytes (${limitsOfMemory.min} pages), over the cap of ${maxMemoryBytes} bytes`);
  }

  const checkFunc = (name: string, expected: FuncType, required: boolean): boolean => {
    const e = exports.get(name);
    if (!e) {
      if (required) fail('MODULE_MISSING_EXPORT', `${what}: missing required export "${name}" ${formatType(expected)}`);
      return false;
    }
    if (e.kind !== 'func') fail('MODULE_BAD_EXPORT', `${what}: export "${name}" is a ${e.kind}, expected a function ${formatType(expected)}`);
    const t = shape.functions[e.index];
    if (!t) fail('MODULE_INVALID', `${what}: export "${name}" refers to unknown function ${e.index}`);
    if (!sameType(t, expected)) fail('MODULE_BAD_EXPORT', `${what}: export "${name}" has type ${formatType(t)}, expected ${formatType(expected)}`);
    return true;
  };
  const present = new Set<string>();
  const optional = new Set<string>();
  for (const e of ABI_EXPORTS) {
    if (checkFunc(e.name, sig(e.params, e.results), e.required)) {
      present.add(e.name);
      if (!e.required) optional.add(e.name);
    }
  }
  // Groups of optional exports (the manifest's `group`): all or none.
  const groups = new Map<string, string[]>();
  for (const e of ABI_EXPORTS) if (e.group) groups.set(e.group, [...(groups.get(e.group) ?? []), e.name]);
  for (const names of groups.values()) {
    const have = names.filter((n) => optional.has(n));
    if (have.length && have.length < names.length) {
      const missing = names.filter((n) => !optional.has(n));
      fail('MODULE_BAD_EXPORT', `${what}: ${names.join(', ')} must be exported together (${missing.join(', ')} missing)`);
    }
  }
  return { shape, exports: present, optional, memoryBytes };
}

/** Folders of validation runs older than this are left-overs, removed by the next run. */
export const STALE_VALIDATION_MS = 24 * 3600 * 1000;

/**
 * A new folder for one validation run, under this user's validation folder
 * in the temporary directory, after removing left-overs a day old from it.
 * Rationale: a worker_thread terminated mid-validation never runs the
 * `finally` that removes its folder (one was left behind per test run). The
 * shared folder is used only if it is this user's own and private; else the
 * run gets a folder of its own in the temporary directory, as before.
 */
export async function validationDir(): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const root = join(tmpdir(), `jackwasm-validate-${uid}`);
  try {
    await mkdir(root, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(root);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return mkdtemp(join(tmpdir(), 'jackwasm-validate-'));
  const now = Date.now();
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const p = join(root, name);
    const age = now - ((await stat(p).catch(() => undefined))?.mtimeMs ?? now);
    if (age > STALE_VALIDATION_MS) await rm(p, { recursive: true, force: true }).catch(() => {});
  }
  return mkdtemp(join(root, 'run-'));
}

/**
 * Full validation with wabt's wasm-validate, with SIMD disabled (wasm2c
 * aborts on SIMD) and the other post-MVP features off that our runtime does
 * not implement (threads, exceptions, tail calls, memory64 are off by default).
 */
export async function validateFeatures(bytes: Uint8Array, what: string, limits: StepLimits = { timeoutMs: 30000, memoryBytes: 4 * 2 ** 30 }): Promise<void> {
  let dir: string;
  try {
    dir = await validationDir();
  } catch (err) {
    return fail('CACHE_FAILED', `${what}: cannot create a temporary directory for validation: ${(err as Error).message}`);
  }
  try {
    const file = join(dir, 'module.wasm');
    await writeFile(file, bytes);
    const r = await run('wasm-validate', ['--disable-simd', file], dir, limits);
    if (r.ok) return;
    if (r.missing) fail('COMPILE_FAILED', `${what}: cannot run wasm-validate (install Debian's wabt package)`);
    if (r.timedOut) fail('COMPILE_LIMIT', `${what}: wasm-validate ran longer than ${limits.timeoutMs} ms and was stopped (compile option compileTimeoutMs)`);
    if (r.signal === 'SIGKILL' || /bad_alloc|out of memory/i.test(r.output)) {
      fail('COMPILE_LIMIT', `${what}: wasm-validate ran out of memory (limit ${limits.memoryBytes} bytes, compile option compileMemoryBytes)`);
    }
    const out = r.output || `error: wasm-validate ended with ${r.signal ?? 'an error'}`;
    const first = out.split('\n').find((l) => l.includes('error')) ?? out.trim();
    const detail = first.replace(/^.*?:\s*error:\s*/, '').replace(/^error:\s*/, '');
    if (/opcode: 0xfd/.test(out) || /v128/.test(out)) {
      fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses SIMD instructions (${detail}), which jackwasm does not support; build without SIMD`);
    }
    if (/opcode: 0xfe/.test(out)) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses atomic (threads) instructions (${detail}), which jackwasm does not support`);
    if (/opcode: 0x0[6789a]\b|opcode: 0x1[89]\b|\b(try|catch|throw|rethrow|delegate)\b/.test(out)) {
      fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses exception handling (${detail}), which jackwasm does not support`);
    }
    if (/opcode: 0x1[23]\b|return_call/.test(out)) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses tail calls (${detail}), which jackwasm does not support`);
    fail('MODULE_INVALID', `${what}: invalid WebAssembly: ${detail}`);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
