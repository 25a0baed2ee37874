/**
 * Loading the AssemblyScript test modules (test/dsp/*.ts, built to
 * build/dsp/*.wasm) and f32 helpers for comparing them with TypeScript
 * references.
 */
import { readFileSync } from 'node:fs';

export const f32 = Math.fround;

/** Bytes of build/<dir>/<name>.wasm. */
export function wasmBytes(dir: 'dsp' | 'examples', name: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL(`../../build/${dir}/${name}.wasm`, import.meta.url)));
}

export interface AsmModule<E> {
  exports: E;
  memory: WebAssembly.Memory;
  /** A copy of n f32 at `ptr`. */
  f32s(ptr: number, n: number): Float32Array;
  /** Writes `data` at `ptr` (an address the module returned). */
  write(ptr: number, data: Float32Array | Int32Array): void;
}

/** Instantiates build/dsp/<name>.wasm with just env.abort. */
export function loadTestModule<E>(name: string): AsmModule<E> {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes('dsp', name)), {
    env: {
      abort: () => {
        throw new Error(`abort in ${name}`);
      },
    },
  });
  const memory = exports.memory as WebAssembly.Memory;
  return {
    exports: exports as unknown as E,
    memory,
    f32s: (ptr, n) => new Float32Array(memory.buffer, ptr, n).slice(),
    write: (ptr, data) => {
      const View = data instanceof Float32Array ? Float32Array : Int32Array;
      new View(memory.buffer, ptr, data.length).set(data);
    },
  };
}

const cvt = new DataView(new ArrayBuffer(4));
/** The f32 bit pattern as an integer ordered like the values (so ulp distance is a subtraction). */
function ordered(x: number): number {
  cvt.setFloat32(0, x);
  const i = cvt.getInt32(0);
  return i < 0 ? -2147483648 - i : i;
}

/** Distance in f32 ulps between two f32 values (NaN: Infinity). */
export function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(ordered(a) - ordered(b));
}

/** The largest ulp distance between two arrays, and where (-1 when equal). */
export function maxUlps(actual: ArrayLike<number>, expected: ArrayLike<number>): { ulps: number; at: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = ulps(actual[i]!, expected[i]!);
    if (d > worst) {
      worst = d;
      at = i;
    }
  }
  return { ulps: worst, at };
}

/** Counts positions where two arrays differ (bitwise, as f32). */
export function countDiffering(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length}, expected ${expected.length}`);
  let n = 0;
  for (let i = 0; i < actual.length; i++) if (ulps(actual[i]!, expected[i]!) !== 0) n++;
  return n;
}

/** A deterministic pseudo-random signal in [-1, 1) (xorshift32), as f32. */
export function noise(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/**
 * Amplitude of the component at `freq` in `x` over its last `n` samples, by
 * correlation with sin and cos (exact for whole periods in `n`).
 */
export function amplitudeAt(x: Float32Array, freq: number, sampleRate: number, n: number): number {
  let s = 0;
  let c = 0;
  const start = x.length - n;
  for (let i = start; i < x.length; i++) {
    const w = (2 * Math.PI * freq * i) / sampleRate;
    s += x[i]! * Math.sin(w);
    c += x[i]! * Math.cos(w);
  }
  return (2 / n) * Math.hypot(s, c);
}

/** Power spectrum |X[k]|², k = 0..n/2, of a length-n (power of two) signal, radix-2 FFT in f64. */
export function powerSpectrum(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  if (n & (n - 1)) throw new Error('length must be a power of two');
  const re = Float64Array.from(x);
  const im = new Float64Array(n);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
  const p = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) p[k] = re[k]! ** 2 + im[k]! ** 2;
  return p;
}
