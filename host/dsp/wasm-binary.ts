/**
 * A small reader for the parts of the WebAssembly binary format that ABI
 * validation and the size limits need: types, imports, functions, tables,
 * memories, globals, exports, the start function, code (sizes and locals)
 * and data (sizes). Full validation (instructions, features such as SIMD) is
 * wabt's wasm-validate. Every count is checked against the bytes that remain
 * before anything is allocated for it, so any input ends in a JackError.
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
  | { kind: 'table'; limits: Limits }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; type: ValType; mutable: boolean }
  | { kind: 'tag' };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
}

export interface Export {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag';
  index: number;
}

export interface WasmModuleShape {
  types: FuncType[];
  imports: Import[];
  /** Type of every function, imported ones first (the function index space). */
  functions: FuncType[];
  /** Number of functions defined (not imported). */
  definedFunctions: number;
  /** Tables defined by the module. */
  tables: Limits[];
  /** Memories defined by the module (not imported). */
  memories: Limits[];
  /** Globals defined by the module. */
  globals: number;
  exports: Export[];
  /** True when a start function is declared. */
  hasStart: boolean;
  /** True when the module has a tag section (exception handling). */
  hasTags: boolean;
  /** Largest number of locals (declared, without parameters) in one function. */
  maxLocals: number;
  /** Largest function body, bytes. */
  maxBodyBytes: number;
  /** All function bodies, bytes. */
  codeBytes: number;
  /** All data segments' contents, bytes. */
  dataBytes: number;
  /** Data and element segments. */
  dataSegments: number;
  elemSegments: number;
  /** Size of the element section, bytes. */
  elemBytes: number;
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
const EXPORT_KINDS = ['func', 'table', 'memory', 'global', 'tag'] as const;

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
    if (result > 0xffffffff) fail('MODULE_INVALID', `${this.what}: LEB128 integer out of range at byte ${this.pos}`);
    return result;
  }
  /** A signed LEB128 of up to `bits` bits; only skipped, the value is not needed. */
  sleb(bits: number): void {
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      if ((b & 0x80) === 0) break;
      if (shift + 7 >= bits + 7) fail('MODULE_INVALID', `${this.what}: malformed LEB128 integer at byte ${this.pos}`);
    }
  }
  /** A vector length: each element takes at least `minBytes`, so a count larger than the rest is malformed. */
  count(what: string, minBytes = 1): number {
    const n = this.u32();
    if (n * minBytes > this.end - this.pos) fail('MODULE_INVALID', `${this.what}: ${what} count ${n} exceeds the ${this.end - this.pos} bytes left in its section`);
    return n;
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
  /** A constant expression (MVP and reference types forms), up to its `end`. */
  constExpr(): void {
    for (;;) {
      const op = this.byte();
      switch (op) {
        case 0x0b:
          return;
        case 0x41: this.sleb(32); break; // i32.const
        case 0x42: this.sleb(64); break; // i64.const
        case 0x43: this.skip(4); break; // f32.const
        case 0x44: this.skip(8); break; // f64.const
        case 0x23: this.u32(); break; // global.get
        case 0xd0: this.byte(); break; // ref.null t
        case 0xd2: this.u32(); break; // ref.func
        case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break; // extended-const arithmetic
        default:
          fail('MODULE_INVALID', `${this.what}: unsupported instruction 0x${op.toString(16)} in a constant expression at byte ${this.pos - 1}`);
      }
    }
  }
  skip(n: number): void {
    if (this.pos + n > this.end) this.truncated();
    this.pos += n;
  }
}

/** Parses the module's interface. Throws MODULE_INVALID for anything malformed. */
/**
 * The module without its custom sections (names, debug information): what
 * goes to wasm2c. Rationale: wasm2c writes names into the C it generates;
 * without them no text of the module's own reaches the C compiler. Expects
 * a module parseWasm accepted.
 */
export function stripCustomSections(bytes: Uint8Array): Uint8Array {
  const keep: [number, number][] = [[0, 8]];
  const r = new Reader(bytes, bytes.length, 'module');
  r.pos = 8;
  while (r.pos < bytes.length) {
    const at = r.pos;
    const id = r.byte();
    const size = r.u32();
    r.pos += size;
    if (id !== 0) keep.push([at, r.pos]);
  }
  const out = new Uint8Array(keep.reduce((n, [a, b]) => n + b - a, 0));
  let o = 0;
  for (const [a, b] of keep) {
    out.set(bytes.subarray(a, b), o);
    o += b - a;
  }
  return out;
}

export function parseWasm(bytes: Uint8Array, what = 'module'): WasmModuleShape {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    fail('MODULE_INVALID', `${what}: not a WebAssembly module (no \\0asm magic number)`);
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    fail('MODULE_INVALID', `${what}: unsupported WebAssembly binary version ${bytes[4]} (expected 1)`);
  }
  const shape: WasmModuleShape = {
    types: [], imports: [], functions: [], definedFunctions: 0, tables: [], memories: [], globals: 0, exports: [],
    hasStart: false, hasTags: false, maxLocals: 0, maxBodyBytes: 0, codeBytes: 0, dataBytes: 0, dataSegments: 0, elemSegments: 0, elemBytes: 0,
  };
  const top = new Reader(bytes, bytes.length, what);
  top.pos = 8;
  let definedFuncs: number[] = [];
  let codeCount: number | undefined;
  let lastId = 0;
  while (top.pos < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    const start = top.pos;
    if (start + size > bytes.length) top.truncated();
    const r = new Reader(bytes, start + size, what);
    r.pos = start;
    if (id !== 0) {
      // Section order is checked by wasm-validate; duplicates would confuse the counts here.
      if (id === lastId) fail('MODULE_INVALID', `${what}: duplicate section ${id}`);
      lastId = id;
    }
    switch (id) {
      case 1: {
        const n = r.count('type', 3);
        for (let i = 0; i < n; i++) {
          const form = r.byte();
          if (form !== 0x60) fail('MODULE_INVALID', `${what}: malformed function type ${i} (form 0x${form.toString(16)})`);
          const np = r.count('parameter');
          const params = Array.from({ length: np }, () => r.valtype());
          const nr = r.count('result');
          const results = Array.from({ length: nr }, () => r.valtype());
          shape.types.push({ params, results });
        }
        break;
      }
      case 2: {
        const n = r.count('import', 4);
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
            shape.imports.push({ module, name, desc: { kind: 'table', limits: r.limits() } });
          } else if (kind === 2) {
            shape.imports.push({ module, name, desc: { kind: 'memory', limits: r.limits() } });
          } else if (kind === 3) {
            const type = r.valtype();
            const mutable = r.byte() === 1;
            shape.imports.push({ module, name, desc: { kind: 'global', type, mutable } });
          } else if (kind === 4) {
            r.byte();
            r.u32();
            shape.imports.push({ module, name, desc: { kind: 'tag' } });
          } else {
            fail('MODULE_INVALID', `${what}: import ${module}.${name} has unknown kind ${kind}`);
          }
        }
        break;
      }
      case 3: {
        const n = r.count('function');
        definedFuncs = Array.from({ length: n }, () => r.u32());
        for (const ti of definedFuncs) {
          const t = shape.types[ti];
          if (!t) fail('MODULE_INVALID', `${what}: function with unknown type index ${ti}`);
          shape.functions.push(t);
        }
        shape.definedFunctions = n;
        break;
      }
      case 4: {
        const n = r.count('table', 3);
        for (let i = 0; i < n; i++) {
          r.byte();
          shape.tables.push(r.limits());
        }
        break;
      }
      case 5: {
        const n = r.count('memory', 2);
        for (let i = 0; i < n; i++) shape.memories.push(r.limits());
        break;
      }
      case 6: {
        const n = r.count('global', 3);
        for (let i = 0; i < n; i++) {
          r.valtype();
          r.byte();
          r.constExpr();
        }
        shape.globals = n;
        break;
      }
      case 7: {
        const n = r.count('export', 3);
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
        r.u32();
        break;
      case 9:
        shape.elemSegments = r.count('element segment', 2);
        shape.elemBytes = size;
        r.pos = start + size; // contents are checked by wasm-validate
        break;
      case 10: {
        codeCount = r.count('function body');
        for (let i = 0; i < codeCount; i++) {
          const bodySize = r.u32();
          const bodyEnd = r.pos + bodySize;
          if (bodyEnd > start + size) r.truncated();
          shape.maxBodyBytes = Math.max(shape.maxBodyBytes, bodySize);
          shape.codeBytes += bodySize;
          const body = new Reader(bytes, bodyEnd, what);
          body.pos = r.pos;
          const decls = body.count('local declaration', 2);
          let locals = 0;
          for (let d = 0; d < decls; d++) {
            locals += body.u32();
            body.valtype();
          }
          shape.maxLocals = Math.max(shape.maxLocals, locals);
          r.pos = bodyEnd;
        }
        break;
      }
      case 11: {
        const n = r.count('data segment', 2);
        shape.dataSegments = n;
        for (let i = 0; i < n; i++) {
          const flags = r.u32();
          if (flags === 0) r.constExpr();
          else if (flags === 2) {
            r.u32();
            r.constExpr();
          } else if (flags !== 1) fail('MODULE_INVALID', `${what}: data segment ${i} has unknown flags ${flags}`);
          const len = r.u32();
          r.skip(len);
          shape.dataBytes += len;
        }
        break;
      }
      case 13:
        shape.hasTags = true;
        r.pos = start + size;
        break;
      default:
        r.pos = start + size; // custom sections and others: checked by wasm-validate
        break;
    }
    if (r.pos !== start + size) {
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
