// Module rings (docs/abi.md, "Rings"): byte streams between the module and
// JS while it runs. RING_OUT: the module writes (a scope's samples, analysis
// results) and JS reads with module.ring(name).read()/readFloat32(); RING_IN:
// JS writes (samples to play, control data) and the module reads.
//
// The host passes the indices across once per cycle: what JS read or wrote
// shows to the module from the next cycle on, and what the module writes
// shows to JS after the cycle that wrote it. Nothing blocks: a write that
// does not fit is dropped and counted in `dropped`. Create rings in the
// processor's constructor or init().

export const RING_OUT: i32 = 0;
export const RING_IN: i32 = 1;

let rings = new Array<ModuleRing>();
let table: StaticArray<u32> | null = null;

export class ModuleRing {
  /** The name JS uses (module.ring(key)). */
  readonly key: string;
  /** RING_OUT or RING_IN. */
  readonly direction: i32;
  /** Data bytes (a power of two). */
  readonly size: u32;

  private keyBytes: ArrayBuffer;
  private header: StaticArray<u32>; // [write index, read index, dropped bytes]: free-running counts
  private data: StaticArray<u8>;
  private mask: u32;

  /** A ring named `key` (1-256 UTF-8 bytes, unique) of `size` bytes (a power of two, 16 B to 64 MiB). */
  constructor(key: string, direction: i32, size: u32) {
    if (table !== null) abort("ModuleRing: create rings in the constructor or init(), not later");
    if (direction != RING_OUT && direction != RING_IN) abort("ModuleRing: direction is RING_OUT or RING_IN");
    if (size < 16 || size > (64 << 20) || (size & (size - 1)) != 0) abort("ModuleRing: size must be a power of two from 16 to 64 MiB");
    const k = String.UTF8.encode(key);
    if (k.byteLength < 1 || k.byteLength > 256) abort("ModuleRing: a key is 1-256 UTF-8 bytes");
    this.key = key;
    this.keyBytes = k;
    this.direction = direction;
    this.size = size;
    this.mask = size - 1;
    this.header = new StaticArray<u32>(3);
    this.data = new StaticArray<u8>(size);
    rings.push(this);
  }

  /**
   * Bytes the module could not write (the ring was full) or asked for and
   * did not get (it was empty); JS sees it as ring.dropped after the cycle.
   */
  get dropped(): u32 {
    return unchecked(this.header[2]);
  }

  @inline private drop(bytes: u32): void {
    unchecked((this.header[2] = unchecked(this.header[2]) + bytes));
  }

  /** Bytes the module can write now (RING_OUT). */
  @inline writeSpace(): u32 {
    const used = unchecked(this.header[0]) - unchecked(this.header[1]);
    return used > this.size ? 0 : this.size - used;
  }

  /** Bytes the module can read now (RING_IN). */
  @inline readSpace(): u32 {
    const have = unchecked(this.header[0]) - unchecked(this.header[1]);
    return have > this.size ? this.size : have;
  }

  /** Writes one sample (4 bytes); false (and counted in `dropped`) when full. */
  @inline writeF32(v: f32): bool {
    if (this.writeSpace() < 4) {
      this.drop(4);
      return false;
    }
    const w = unchecked(this.header[0]);
    // Rationale: only whole samples are written, so a sample never straddles the wrap.
    store<f32>(changetype<usize>(this.data) + <usize>(w & this.mask & ~3), v);
    unchecked((this.header[0] = w + 4));
    return true;
  }

  /** Writes samples [start, end) of `src`, as many as fit; returns how many (the rest are counted in `dropped`). */
  writeSamples(src: Float32Array, start: i32, end: i32): i32 {
    let n = 0;
    for (let i = start; i < end; i++) {
      if (!this.writeF32(unchecked(src[i]))) {
        this.drop(<u32>(end - i - 1) * 4);
        break;
      }
      n++;
    }
    return n;
  }

  /** Reads one sample; 0 (counted in `dropped`) when fewer than 4 bytes are there. */
  @inline readF32(): f32 {
    if (this.readSpace() < 4) {
      this.drop(4);
      return 0;
    }
    const r = unchecked(this.header[1]);
    const v = load<f32>(changetype<usize>(this.data) + <usize>(r & this.mask & ~3));
    unchecked((this.header[1] = r + 4));
    return v;
  }

  /** Reads samples into [start, end) of `dst`, as many as are there; returns how many (the rest of dst is left as it was, and counted in `dropped`). */
  readSamples(dst: Float32Array, start: i32, end: i32): i32 {
    let n = 0;
    for (let i = start; i < end && this.readSpace() >= 4; i++) {
      unchecked((dst[i] = this.readF32()));
      n++;
    }
    if (start + n < end) this.drop(<u32>(end - start - n) * 4);
    return n;
  }

  /** [worker] This ring's record for jw_ring_table. */
  writeRecord(t: StaticArray<u32>, at: i32): void {
    unchecked((t[at] = <u32>changetype<usize>(this.keyBytes)));
    unchecked((t[at + 1] = <u32>this.keyBytes.byteLength));
    unchecked((t[at + 2] = <u32>this.direction));
    unchecked((t[at + 3] = <u32>changetype<usize>(this.header)));
    unchecked((t[at + 4] = <u32>changetype<usize>(this.data)));
    unchecked((t[at + 5] = this.size));
  }
}

/** [worker] Number of rings (jw_ring_count). */
export function ringCount(): i32 {
  return rings.length;
}

/** [worker] The table jw_ring_table returns, built on first use (after jw_init). */
export function ringTable(): usize {
  let t = table;
  if (t === null) {
    t = new StaticArray<u32>(rings.length * 6);
    for (let i = 0; i < rings.length; i++) unchecked(rings[i]).writeRecord(t, i * 6);
    table = t;
  }
  return changetype<usize>(t);
}
