/**
 * ABI v1 validation of a DSP module (docs/abi.md), before anything is
 * compiled. Every failure is a JackError naming the problem.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { formatType, parseWasm, type FuncType, type ValType, type WasmModuleShape } from './wasm-binary.js';

export const ABI_VERSION = 1;

const sig = (params: ValType[], results: ValType[]): FuncType => ({ params, results });

/** Required exports and their signatures. */
export const REQUIRED_EXPORTS: Record<string, FuncType> = {
  jw_abi: sig([], ['i32']),
  jw_init: sig(['f32', 'i32'], ['i32']),
  jw_inputs: sig([], ['i32']),
  jw_outputs: sig([], ['i32']),
  jw_input: sig(['i32'], ['i32']),
  jw_output: sig(['i32'], ['i32']),
  jw_process: sig(['i32'], []),
};

/** Optional exports and their signatures. */
export const OPTIONAL_EXPORTS: Record<string, FuncType> = {
  jw_param_count: sig([], ['i32']),
  jw_param_set: sig(['i32', 'f32'], []),
  jw_param_get: sig(['i32'], ['f32']),
  jw_describe: sig([], ['i32']),
  jw_midi: sig(['i32', 'i32', 'i32', 'i32'], []),
};

const F32_MATH_1 = ['sinf', 'cosf', 'tanf', 'asinf', 'acosf', 'atanf', 'sinhf', 'coshf', 'tanhf', 'expf', 'exp2f', 'logf', 'log2f', 'log10f'];
const F32_MATH_2 = ['atan2f', 'powf', 'fmodf'];

/** Allowed imports: "module.name" -> signature. */
export const ALLOWED_IMPORTS: Record<string, FuncType> = (() => {
  const m: Record<string, FuncType> = {
    'env.abort': sig(['i32', 'i32', 'i32', 'i32'], []),
    'env.seed': sig([], ['f64']),
    'jw_host.log': sig(['i32', 'i32'], []),
    'jw_host.midi_out': sig(['i32', 'i32', 'i32', 'i32'], []),
  };
  for (const prefix of ['', '_']) {
    for (const f of F32_MATH_1) {
      m[`env.${prefix}${f}`] = sig(['f32'], ['f32']);
      m[`env.${prefix}${f.slice(0, -1)}`] = sig(['f64'], ['f64']);
    }
    for (const f of F32_MATH_2) {
      m[`env.${prefix}${f}`] = sig(['f32', 'f32'], ['f32']);
      m[`env.${prefix}${f.slice(0, -1)}`] = sig(['f64', 'f64'], ['f64']);
    }
  }
  return m;
})();

/** The C math function an allowed math import maps to ("_sinf" -> "sinf"). */
export function mathFunctionOf(name: string): string | undefined {
  const bare = name.replace(/^_/, '');
  return ALLOWED_IMPORTS[`env.${bare}`] && !['abort', 'seed'].includes(bare) ? bare : undefined;
}

export interface ValidateOptions {
  /** Largest initial memory accepted, bytes. Default 64 MiB. */
  maxMemoryBytes?: number;
}

export interface ModuleInterface {
  shape: WasmModuleShape;
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

/** Checks the module against ABI v1 (everything that can be checked without running it). */
export function checkInterface(bytes: Uint8Array, what: string, options: ValidateOptions = {}): ModuleInterface {
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  const shape = parseWasm(bytes, what);

  for (const imp of shape.imports) {
    const key = `${imp.module}.${imp.name}`;
    if (imp.desc.kind === 'memory') fail('MODULE_BAD_IMPORT', `${what}: imports its memory (${key}); a DSP module must define and export its own memory`);
    const expected = ALLOWED_IMPORTS[key];
    if (!expected || imp.desc.kind !== 'func') {
      fail('MODULE_BAD_IMPORT', `${what}: imports ${imp.desc.kind} "${key}", which jackwasm does not provide (allowed: env.abort, env.seed, jw_host.log, jw_host.midi_out and C math functions under env)`);
    }
    if (!sameType(imp.desc.type, expected)) {
      fail('MODULE_BAD_IMPORT', `${what}: import "${key}" has type ${formatType(imp.desc.type)}, expected ${formatType(expected)}`);
    }
  }

  const exports = new Map(shape.exports.map((e) => [e.name, e]));
  const mem = exports.get('memory');
  if (!mem) fail('MODULE_MISSING_EXPORT', `${what}: does not export "memory"`);
  if (mem.kind !== 'memory') fail('MODULE_BAD_EXPORT', `${what}: export "memory" is a ${mem.kind}, expected a memory`);
  if (shape.memories.length !== 1) fail('MODULE_BAD_EXPORT', `${what}: defines ${shape.memories.length} memories; exactly one is supported`);
  const limits = shape.memories[0]!;
  if (limits.memory64) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses 64-bit memory, which jackwasm does not support`);
  if (limits.shared) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses shared memory (threads), which jackwasm does not support`);
  const memoryBytes = limits.min * 65536;
  if (memoryBytes > maxMemoryBytes) {
    fail('MODULE_MEMORY_TOO_LARGE', `${what}: initial memory is ${memoryBytes} bytes (${limits.min} pages), over the cap of ${maxMemoryBytes} bytes`);
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
  for (const [name, t] of Object.entries(REQUIRED_EXPORTS)) checkFunc(name, t, true);
  const optional = new Set<string>();
  for (const [name, t] of Object.entries(OPTIONAL_EXPORTS)) if (checkFunc(name, t, false)) optional.add(name);
  if (optional.has('jw_param_set') !== optional.has('jw_param_count')) {
    fail('MODULE_BAD_EXPORT', `${what}: jw_param_set and jw_param_count must be exported together`);
  }
  return { shape, optional, memoryBytes };
}

/**
 * Full validation with wabt's wasm-validate, with SIMD disabled (wasm2c
 * aborts on SIMD) and the other post-MVP features off that our runtime does
 * not implement (threads, exceptions, tail calls, memory64 are off by default).
 */
export async function validateFeatures(bytes: Uint8Array, what: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'jackwasm-validate-'));
  try {
    const file = join(dir, 'module.wasm');
    await writeFile(file, bytes);
    const out = await new Promise<string | null>((resolve, reject) => {
      execFile('wasm-validate', ['--disable-simd', file], (err, stdout, stderr) => {
        if (!err) return resolve(null);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(new Error('wasm-validate not found'));
        }
        resolve(`${stdout}${stderr}`);
      });
    }).catch((err: Error) => fail('COMPILE_FAILED', `${what}: cannot run wasm-validate (install Debian's wabt package): ${err.message}`));
    if (out === null) return;
    const first = out.split('\n').find((l) => l.includes('error')) ?? out.trim();
    const detail = first.replace(/^.*?:\s*error:\s*/, '');
    if (/opcode: 0xfd/.test(out) || /v128/.test(out)) {
      fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses SIMD instructions (${detail}), which jackwasm does not support; build without SIMD`);
    }
    if (/opcode: 0xfe/.test(out)) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses atomic (threads) instructions (${detail}), which jackwasm does not support`);
    if (/opcode: 0x0[689]|opcode: 0x1[89]/.test(out)) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses exception handling (${detail}), which jackwasm does not support`);
    if (/opcode: 0x1[23]/.test(out)) fail('MODULE_UNSUPPORTED_FEATURE', `${what}: uses tail calls (${detail}), which jackwasm does not support`);
    fail('MODULE_INVALID', `${what}: invalid WebAssembly: ${detail}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
