/**
 * A small WebAssembly binary writer for tests that need modules too large or
 * too strange to write as WAT (100k functions, 50k locals, deep nesting).
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string) => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];

/** Pushes `items` onto `out` (spread would overflow the call stack for big arrays). */
function append(out: number[], items: ArrayLike<number>): void {
  for (let i = 0; i < items.length; i++) out.push(items[i] as number);
}

function section(id: number, body: number[]): number[] {
  const out = [id, ...uleb(body.length)];
  append(out, body);
  return out;
}

function vec(items: number[][]): number[] {
  const out = uleb(items.length);
  for (const it of items) append(out, it);
  return out;
}

export interface Func {
  type: number;
  /** [count, valtype] groups. */
  locals?: [number, number][];
  /** Instructions, without the final `end`. */
  body: ArrayLike<number>;
}

export class ModuleBuilder {
  readonly types: number[][] = [];
  readonly funcs: Func[] = [];
  readonly exports: number[][] = [];
  readonly globals: number[][] = [];
  readonly data: number[][] = [];
  /** Element segments (their encoded bodies). */
  readonly elems: number[][] = [];
  memoryPages = 1;
  tableSize: number | undefined;
  custom: Uint8Array | undefined;

  type(params: number[], results: number[]): number {
    this.types.push([0x60, ...uleb(params.length), ...params, ...uleb(results.length), ...results]);
    return this.types.length - 1;
  }

  func(f: Func): number {
    this.funcs.push(f);
    return this.funcs.length - 1;
  }

  exportFunc(n: string, index: number): void {
    this.exports.push([...name(n), 0, ...uleb(index)]);
  }

  build(): Uint8Array {
    const out = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    append(out, section(1, vec(this.types)));
    append(out, section(3, vec(this.funcs.map((f) => uleb(f.type)))));
    if (this.tableSize !== undefined) append(out, section(4, [1, 0x70, 0, ...uleb(this.tableSize)]));
    append(out, section(5, [1, 0, ...uleb(this.memoryPages)]));
    if (this.globals.length) append(out, section(6, vec(this.globals)));
    append(out, section(7, vec([[...name('memory'), 2, 0], ...this.exports])));
    if (this.elems.length) append(out, section(9, vec(this.elems)));
    const bodies = this.funcs.map((f) => {
      const locals = f.locals ?? [];
      const inner = uleb(locals.length);
      for (const [n, t] of locals) append(inner, [...uleb(n), t]);
      append(inner, f.body);
      inner.push(0x0b);
      const b = uleb(inner.length);
      append(b, inner);
      return b;
    });
    append(out, section(10, vec(bodies)));
    if (this.data.length) append(out, section(11, vec(this.data)));
    const bytes = new Uint8Array(out.length + (this.custom ? this.custom.length + 16 : 0));
    bytes.set(out);
    if (!this.custom) return bytes;
    const head = [0, ...uleb(this.custom.length + 2), 1, 0x78];
    bytes.set(head, out.length);
    bytes.set(this.custom, out.length + head.length);
    return bytes.subarray(0, out.length + head.length + this.custom.length);
  }
}

/**
 * A builder holding a valid ABI module: no inputs, one output at 1024 that
 * jw_process fills with `value` (f32).
 */
export function abiModule(value = 0.5): ModuleBuilder {
  const b = new ModuleBuilder();
  const tI = b.type([], [I32]);
  const tInit = b.type([F32, I32], [I32]);
  const tIdx = b.type([I32], [I32]);
  const tProc = b.type([I32], []);
  const c = (v: number) => [0x41, ...sleb(v)];
  b.exportFunc('jw_abi', b.func({ type: tI, body: c(1) }));
  b.exportFunc('jw_init', b.func({ type: tInit, body: c(0) }));
  b.exportFunc('jw_inputs', b.func({ type: tI, body: c(0) }));
  b.exportFunc('jw_outputs', b.func({ type: tI, body: c(1) }));
  b.exportFunc('jw_input', b.func({ type: tIdx, body: c(0) }));
  b.exportFunc('jw_output', b.func({ type: tIdx, body: c(1024) }));
  const f32 = Buffer.alloc(4);
  f32.writeFloatLE(value);
  // (local $i i32) loop: f32.store offset=1024 (i*4) value; i++; br_if i < n
  const body = [
    0x03, 0x40,
    0x20, 1, 0x41, 2, 0x74, 0x43, ...f32, 0x38, 2, ...uleb(1024),
    0x20, 1, 0x41, 1, 0x6a, 0x21, 1,
    0x20, 1, 0x20, 0, 0x49, 0x0d, 0,
    0x0b,
  ];
  b.exportFunc('jw_process', b.func({ type: tProc, locals: [[1, I32]], body }));
  return b;
}
