/**
 * A reference host for jackwasm DSP modules in V8: runs a module offline with
 * exactly the call sequence the native engine uses (docs/abi.md), so tests can
 * compare the two bit for bit.
 *
 *   jw_abi() === 1
 *   jw_init(fround(sampleRate), blockSize) === 0
 *   jw_inputs(), jw_outputs(), jw_input(ch) for each input, jw_output(ch) for each output
 *   jw_describe() (if exported), JSON read up to its NUL
 *   jw_param_set(index, value clamped to describe params[index].min/max) for each initial param, in order
 *   per block of n = min(blockSize, frames - start) frames:
 *     jw_midi(frame - start, b0, b1 ?? 0, b2 ?? 0) for events with start <= frame < start + n,
 *       in ascending frame order, stable for equal frames (if jw_midi is exported)
 *     copy inputs (zeros where missing or short) to the input buffers
 *     jw_process(n)
 *     copy n samples of each output buffer out
 */

export interface RenderOptions {
  sampleRate: number;
  blockSize: number;
  frames: number;
  inputs?: Float32Array[];
  params?: [index: number, value: number][];
  midi?: { frame: number; bytes: number[] }[];
}

export interface MidiOutEvent {
  /** Absolute frame: block start + the module's frameOffset. */
  frame: number;
  bytes: [number, number, number];
}

export interface RenderResult {
  outputs: Float32Array[];
  logs: string[];
  describe: unknown;
  /** Events the module sent with jw_host.midi_out. */
  midiOut: MidiOutEvent[];
}

/** Messages longer than this are truncated, as the native host does. */
const LOG_MAX_BYTES = 255;

interface Exports {
  memory: WebAssembly.Memory;
  jw_abi(): number;
  jw_init(sampleRate: number, maxFrames: number): number;
  jw_inputs(): number;
  jw_outputs(): number;
  jw_input(ch: number): number;
  jw_output(ch: number): number;
  jw_process(frames: number): void;
  jw_param_set?(index: number, value: number): void;
  jw_describe?(): number;
  jw_midi?(frameOffset: number, status: number, data1: number, data2: number): void;
}

const f32 = Math.fround;
const f32Math: Record<string, (...a: number[]) => number> = {
  sinf: (x) => f32(Math.sin(x)),
  cosf: (x) => f32(Math.cos(x)),
  tanf: (x) => f32(Math.tan(x)),
  asinf: (x) => f32(Math.asin(x)),
  acosf: (x) => f32(Math.acos(x)),
  atanf: (x) => f32(Math.atan(x)),
  atan2f: (y, x) => f32(Math.atan2(y, x)),
  sinhf: (x) => f32(Math.sinh(x)),
  coshf: (x) => f32(Math.cosh(x)),
  tanhf: (x) => f32(Math.tanh(x)),
  expf: (x) => f32(Math.exp(x)),
  exp2f: (x) => f32(2 ** x),
  logf: (x) => f32(Math.log(x)),
  log2f: (x) => f32(Math.log2(x)),
  log10f: (x) => f32(Math.log10(x)),
  powf: (x, y) => f32(Math.pow(x, y)),
  fmodf: (x, y) => f32(x % y),
};
const f64Math: Record<string, (...a: number[]) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  atan2: Math.atan2,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  exp: Math.exp,
  exp2: (x) => 2 ** x,
  log: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  pow: Math.pow,
  fmod: (x, y) => x % y,
};

function mathImports(): Record<string, (...a: number[]) => number> {
  const out: Record<string, (...a: number[]) => number> = {};
  for (const [name, fn] of Object.entries({ ...f32Math, ...f64Math })) {
    out[name] = fn;
    out[`_${name}`] = fn;
  }
  return out;
}

/** An AssemblyScript string (UTF-16LE, byte length at ptr - 4). */
export function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return 'null';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!;
  return Buffer.from(memory.buffer, ptr, bytes).toString('utf16le');
}

export function renderV8(wasm: Uint8Array, opts: RenderOptions): RenderResult {
  const { sampleRate, blockSize, frames } = opts;
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error(`blockSize must be a positive integer, got ${blockSize}`);
  if (!Number.isInteger(frames) || frames < 0) throw new Error(`frames must be a non-negative integer, got ${frames}`);

  const logs: string[] = [];
  const midiOut: MidiOutEvent[] = [];
  let blockStart = 0;
  let memory: WebAssembly.Memory | undefined;
  // V8 gives no access to the memory while the start function (AssemblyScript
  // top-level code) runs: logs from there are decoded once instantiation
  // returns, and an abort there cannot name its message.
  const early: [ptr: number, len: number][] = [];
  const str = (ptr: number) => (memory ? readAsString(memory, ptr) : '<during module start>');

  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        throw new Error(`abort: ${str(msg)} at ${str(file)}:${line}:${col}`);
      },
      seed: () => 0x6a77,
      ...mathImports(),
    },
    jw_host: {
      log(ptr: number, len: number): void {
        if (!memory) early.push([ptr, len]);
        else logs.push(Buffer.from(memory.buffer, ptr, Math.min(len, LOG_MAX_BYTES)).toString('utf8'));
      },
      midi_out(frameOffset: number, status: number, data1: number, data2: number): void {
        midiOut.push({ frame: blockStart + frameOffset, bytes: [status, data1, data2] });
      },
    },
  };

  const module = new WebAssembly.Module(wasm.buffer instanceof ArrayBuffer ? (wasm as Uint8Array<ArrayBuffer>) : new Uint8Array(wasm));
  for (const imp of WebAssembly.Module.imports(module)) {
    const ns = (imports as Record<string, Record<string, unknown>>)[imp.module];
    if (!ns || !(imp.name in ns)) throw new Error(`unknown import ${imp.module}.${imp.name}`);
  }
  if (WebAssembly.Module.imports(module).some((i) => i.kind === 'memory')) throw new Error('imported memories are refused');
  const instance = new WebAssembly.Instance(module, imports as unknown as WebAssembly.Imports);
  const ex = instance.exports as unknown as Exports;
  if (!(ex.memory instanceof WebAssembly.Memory)) throw new Error('module does not export its memory');
  memory = ex.memory;
  for (const [ptr, len] of early) logs.push(Buffer.from(memory.buffer, ptr, Math.min(len, LOG_MAX_BYTES)).toString('utf8'));
  for (const name of ['jw_abi', 'jw_init', 'jw_inputs', 'jw_outputs', 'jw_input', 'jw_output', 'jw_process'] as const) {
    if (typeof ex[name] !== 'function') throw new Error(`missing export ${name}`);
  }

  const abi = ex.jw_abi();
  if (abi !== 1) throw new Error(`unsupported ABI version ${abi}`);
  const rc = ex.jw_init(Math.fround(sampleRate), blockSize);
  if (rc !== 0) throw new Error(`jw_init failed with code ${rc}`);

  const nin = ex.jw_inputs();
  const nout = ex.jw_outputs();
  if (!(nin >= 0 && nin <= 64 && nout >= 0 && nout <= 64)) throw new Error(`bad channel counts ${nin} in / ${nout} out`);
  const checkOffset = (what: string, off: number): number => {
    if (off % 4 !== 0 || off < 0 || off + blockSize * 4 > memory!.buffer.byteLength) {
      throw new Error(`${what} buffer at ${off} is misaligned or outside memory`);
    }
    return off;
  };
  const inOff: number[] = [];
  for (let ch = 0; ch < nin; ch++) inOff.push(checkOffset(`input ${ch}`, ex.jw_input(ch)));
  const outOff: number[] = [];
  for (let ch = 0; ch < nout; ch++) outOff.push(checkOffset(`output ${ch}`, ex.jw_output(ch)));

  let describe: unknown = undefined;
  if (typeof ex.jw_describe === 'function') {
    const ptr = ex.jw_describe();
    const bytes = new Uint8Array(memory.buffer);
    let end = ptr;
    while (end < bytes.length && bytes[end] !== 0) end++;
    if (end >= bytes.length) throw new Error('jw_describe: no NUL terminator');
    describe = JSON.parse(Buffer.from(bytes.subarray(ptr, end)).toString('utf8'));
  }
  const descParams = (describe as { params?: { min?: unknown; max?: unknown }[] } | undefined)?.params;

  for (const [index, value] of opts.params ?? []) {
    if (typeof ex.jw_param_set !== 'function') throw new Error('module has no parameters (no jw_param_set)');
    let v = value;
    const d = descParams?.[index];
    if (d && typeof d.min === 'number' && v < d.min) v = d.min;
    if (d && typeof d.max === 'number' && v > d.max) v = d.max;
    ex.jw_param_set(index, v);
  }

  // Stable sort by frame (Array.prototype.sort is stable).
  const events = (opts.midi ?? []).map((e, i) => ({ ...e, i })).sort((a, b) => a.frame - b.frame || a.i - b.i);
  let ev = 0;
  const outputs = Array.from({ length: nout }, () => new Float32Array(frames));
  for (let start = 0; start < frames; start += blockSize) {
    const n = Math.min(blockSize, frames - start);
    blockStart = start;
    while (ev < events.length && events[ev]!.frame < start) ev++; // negative frames are never delivered
    while (ev < events.length && events[ev]!.frame < start + n) {
      const e = events[ev++]!;
      if (typeof ex.jw_midi === 'function') ex.jw_midi(e.frame - start, e.bytes[0] ?? 0, e.bytes[1] ?? 0, e.bytes[2] ?? 0);
    }
    for (let ch = 0; ch < nin; ch++) {
      const dst = new Float32Array(memory.buffer, inOff[ch]!, n);
      const src = opts.inputs?.[ch];
      const avail = src ? Math.max(0, Math.min(n, src.length - start)) : 0;
      if (avail > 0) dst.set(src!.subarray(start, start + avail));
      dst.fill(0, avail);
    }
    ex.jw_process(n);
    for (let ch = 0; ch < nout; ch++) {
      outputs[ch]!.set(new Float32Array(memory.buffer, outOff[ch]!, n), start);
    }
  }
  return { outputs, logs, describe, midiOut };
}
