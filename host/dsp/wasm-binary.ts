/**
 * A small reader for the parts of the WebAssembly binary format that ABI
 * validation needs: types, imports, functions, memories and exports. Full
 * validation (instructions, features such as SIMD) is wabt's wasm-validate.
 */
import { fail } from '../errors.js';

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max: number | undefined;
  shared: boolean;
  memory64: boolean;
}

export type ImportDesc =
  | { kind: 'func'; type: FuncType }
  | { kind: 'table' }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; type: ValType; mutable: boolean };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
}

export interface Export {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global';
  index: number;
}

export interface WasmModuleShape {
  types: FuncType[];
  imports: Import[];
  /** Type of every function, imported ones first (the function index space). */
  functions: FuncType[];
  /** Memories defined by the module (not imported). */
  memories: Limits[];
  exports: Export[];
  /** True when a start function is declared. */
  hasStart: boolean;
}

const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};
const EXPORT_KINDS = ['func', 'table', 'memory', 'global'] as const;

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly end: number,
    readonly what: string,
  ) {}

  truncated(): never {
    return fail('MODULE_INVALID', `${this.what}: truncated WebAssembly module (unexpected end at byte ${this.pos})`);
  }
  byte(): number {
    if (this.pos >= this.end) this.truncated();
    return this.bytes[this.pos++] as number;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) fail('MODULE_INVALID', `${this.what}: malformed LEB128 integer at byte ${this.pos}`);
    }
    return result;
  }
  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) this.truncated();
    const s = new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  valtype(): ValType {
    const b = this.byte();
    const t = VALTYPES[b];
    if (!t) fail('MODULE_INVALID', `${this.what}: unknown value type 0x${b.toString(16)} at byte ${this.pos - 1}`);
    return t;
  }
  limits(): Limits {
    const flags = this.byte();
    if (flags > 0x07) fail('MODULE_INVALID', `${this.what}: unknown limits flags 0x${flags.toString(16)}`);
    const min = this.u32();
    const max = flags & 1 ? this.u32() : undefined;
    return { min, max, shared: (flags & 2) !== 0, memory64: (flags & 4) !== 0 };
  }
  skip(n: number): void {
    if (this.pos + n > this.end) this.truncated();
    this.pos += n;
  }
}

/** Parses the module's interface. Throws MODULE_INVALID for anything malformed. */
export function parseWasm(bytes: Uint8Array, what = 'module'): WasmModuleShape {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    fail('MODULE_INVALID', `${what}: not a WebAssembly module (no \\0asm magic number)`);
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    fail('MODULE_INVALID', `${what}: unsupported WebAssembly binary version ${bytes[4]} (expected 1)`);
  }
  const shape: WasmModuleShape = { types: [], imports: [], functions: [], memories: [], exports: [], hasStart: false };
  const top = new Reader(bytes, bytes.length, what);
  top.pos = 8;
  let definedFuncs: number[] = [];
  let codeCount: number | undefined;
  while (top.pos < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    const start = top.pos;
    if (start + size > bytes.length) top.truncated();
    const r = new Reader(bytes, start + size, what);
    r.pos = start;
    switch (id) {
      case 1: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          if (r.byte() !== 0x60) fail('MODULE_INVALID', `${what}: malformed function type ${i}`);
          const params = Array.from({ length: r.u32() }, () => r.valtype());
          const results = Array.from({ length: r.u32() }, () => r.valtype());
          shape.types.push({ params, results });
        }
        break;
      }
      case 2: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const module = r.name();
          const name = r.name();
          const kind = r.byte();
          if (kind === 0) {
            const t = shape.types[r.u32()];
            if (!t) fail('MODULE_INVALID', `${what}: import ${module}.${name} has an unknown type index`);
            shape.imports.push({ module, name, desc: { kind: 'func', type: t } });
            shape.functions.push(t);
          } else if (kind === 1) {
            r.byte();
            r.limits();
            shape.imports.push({ module, name, desc: { kind: 'table' } });
          } else if (kind === 2) {
            shape.imports.push({ module, name, desc: { kind: 'memory', limits: r.limits() } });
          } else if (kind === 3) {
            const type = r.valtype();
            const mutable = r.byte() === 1;
            shape.imports.push({ module, name, desc: { kind: 'global', type, mutable } });
          } else {
            fail('MODULE_INVALID', `${what}: import ${module}.${name} has unknown kind ${kind}`);
          }
        }
        break;
      }
      case 3:
        definedFuncs = Array.from({ length: r.u32() }, () => r.u32());
        for (const ti of definedFuncs) {
          const t = shape.types[ti];
          if (!t) fail('MODULE_INVALID', `${what}: function with unknown type index ${ti}`);
          shape.functions.push(t);
        }
        break;
      case 5: {
        const n = r.u32();
        for (let i = 0; i < n; i++) shape.memories.push(r.limits());
        break;
      }
      case 7: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const name = r.name();
          const kind = EXPORT_KINDS[r.byte()];
          if (!kind) fail('MODULE_INVALID', `${what}: export "${name}" has an unknown kind`);
          shape.exports.push({ name, kind, index: r.u32() });
        }
        break;
      }
      case 8:
        shape.hasStart = true;
        break;
      case 10:
        codeCount = r.u32();
        for (let i = 0; i < codeCount; i++) r.skip(r.u32());
        break;
      default:
        break; // other sections are checked by wasm-validate
    }
    if (id !== 0 && id !== 8 && r.pos !== start + size && [1, 2, 3, 5, 7, 10].includes(id)) {
      fail('MODULE_INVALID', `${what}: section ${id} has ${start + size - r.pos} unexpected trailing bytes`);
    }
    top.pos = start + size;
  }
  if ((codeCount ?? 0) !== definedFuncs.length) {
    fail('MODULE_INVALID', `${what}: ${definedFuncs.length} functions declared but ${codeCount ?? 0} bodies present (truncated?)`);
  }
  return shape;
}

/** "(f32, i32) -> i32" */
export function formatType(t: FuncType): string {
  return `(${t.params.join(', ')}) -> ${t.results.length === 0 ? '()' : t.results.join(', ')}`;
}
