/**
 * RingBuffer: a single-producer single-consumer byte ring in shared memory,
 * with JACK's ringbuffer semantics (and JACK-Client's API): the size is a
 * power of two, one byte is always kept free, writes and reads move what
 * fits. The memory is a SharedArrayBuffer, so the two ends may be on
 * different threads (`RingBuffer.from(ring.shared)` in a worker) or one end
 * in the engine's audio thread.
 *
 * Layout (little endian, shared with shim/engine/ring.h): bytes 0-3 the
 * write index, 64-67 the read index (apart, so the two ends do not share a
 * cache line), 128-131 the size; the data from byte 192.
 * Rationale: each end stores its own index with Atomics.store after moving
 * the data and loads the other's with Atomics.load, which orders the data
 * (sequentially consistent) without a lock.
 */
import { fail, require_ } from './errors.js';
import { native } from './native.js';

const WRITE = 0; // Int32 index of the write index
const READ = 16; // of the read index (byte 64)
const SIZE = 32; // of the size (byte 128)
/** Bytes before the data. */
export const RING_HEADER_BYTES = 192;
/** Largest ring, bytes (1 GiB). */
export const MAX_RING_BYTES = 2 ** 30;

export class RingBuffer {
  /** The shared memory: header and data. Post it to a worker and open it there with RingBuffer.from(). */
  readonly shared: SharedArrayBuffer;
  /** Capacity plus one: the power of two the data area has. */
  readonly size: number;
  readonly #head: Int32Array;
  readonly #data: Uint8Array;
  readonly #mask: number;

  /** A ring of at least `size` bytes (rounded up to a power of two; holds size - 1). @throws INVALID_ARGUMENT */
  constructor(size: number);
  /** @internal */
  constructor(size: number, shared: SharedArrayBuffer);
  constructor(size: number, shared?: SharedArrayBuffer) {
    if (shared === undefined) {
      require_(Number.isInteger(size) && size >= 2 && size <= MAX_RING_BYTES, `RingBuffer: size must be an integer from 2 to ${MAX_RING_BYTES} bytes, got ${String(size)}`);
      size = 2 ** Math.ceil(Math.log2(size));
      shared = new SharedArrayBuffer(RING_HEADER_BYTES + size);
      new Int32Array(shared, 0, RING_HEADER_BYTES / 4)[SIZE] = size;
    }
    this.shared = shared;
    this.#head = new Int32Array(shared, 0, RING_HEADER_BYTES / 4);
    this.size = size;
    this.#data = new Uint8Array(shared, RING_HEADER_BYTES, size);
    this.#mask = size - 1;
  }

  /** Opens the ring whose memory is `shared` (from another thread's `ring.shared`). @throws INVALID_ARGUMENT if it is not one */
  static from(shared: SharedArrayBuffer): RingBuffer {
    require_(shared instanceof SharedArrayBuffer && shared.byteLength > RING_HEADER_BYTES, 'RingBuffer.from: expected the shared memory of a RingBuffer (ring.shared)');
    const size = new Int32Array(shared, 0, RING_HEADER_BYTES / 4)[SIZE] as number;
    if (!(size >= 2 && (size & (size - 1)) === 0 && shared.byteLength === RING_HEADER_BYTES + size)) {
      fail('INVALID_ARGUMENT', 'RingBuffer.from: this shared memory does not hold a RingBuffer (its size field does not match)');
    }
    return new RingBuffer(size, shared);
  }

  /** Bytes that can be read now. */
  get readSpace(): number {
    return (Atomics.load(this.#head, WRITE) - Atomics.load(this.#head, READ)) & this.#mask;
  }

  /** Bytes that can be written now. */
  get writeSpace(): number {
    return (Atomics.load(this.#head, READ) - Atomics.load(this.#head, WRITE) - 1) & this.#mask;
  }

  /** Writes as much of `data` as fits; returns the number of bytes written. */
  write(data: ArrayBufferView | ArrayBuffer): number {
    const src = bytesOf(data, 'write');
    const [a, b] = this.writeBuffers();
    const n = Math.min(src.length, a.length + b.length);
    const first = Math.min(n, a.length);
    a.set(src.subarray(0, first));
    if (n > first) b.set(src.subarray(first, n));
    this.writeAdvance(n);
    return n;
  }

  /** Reads up to `size` bytes (a copy); fewer if fewer are there. */
  read(size: number): Uint8Array {
    const out = this.peek(size);
    this.readAdvance(out.length);
    return out;
  }

  /** Reads into `target` as many bytes as fit and are there; returns how many. */
  readInto(target: ArrayBufferView): number {
    const n = this.peekInto(target);
    this.readAdvance(n);
    return n;
  }

  /** Like read() without moving the read position. */
  peek(size: number): Uint8Array {
    require_(Number.isInteger(size) && size >= 0, `RingBuffer.peek: size must be a non-negative integer, got ${String(size)}`);
    const out = new Uint8Array(Math.min(size, this.readSpace));
    this.peekInto(out);
    return out;
  }

  /** Like readInto() without moving the read position. */
  peekInto(target: ArrayBufferView): number {
    const dst = bytesOf(target, 'peekInto');
    const [a, b] = this.readBuffers();
    const n = Math.min(dst.length, a.length + b.length);
    const first = Math.min(n, a.length);
    dst.set(a.subarray(0, first));
    if (n > first) dst.set(b.subarray(0, n - first), first);
    return n;
  }

  /** What can be read, in place: up to two views into the ring (the second when it wraps; empty otherwise). Call readAdvance() after. */
  readBuffers(): [Uint8Array, Uint8Array] {
    const r = Atomics.load(this.#head, READ);
    const n = (Atomics.load(this.#head, WRITE) - r) & this.#mask;
    const first = Math.min(n, this.size - r);
    return [this.#data.subarray(r, r + first), this.#data.subarray(0, n - first)];
  }

  /** Where can be written, in place: up to two views (the second when it wraps). Call writeAdvance() after. */
  writeBuffers(): [Uint8Array, Uint8Array] {
    const w = Atomics.load(this.#head, WRITE);
    const n = (Atomics.load(this.#head, READ) - w - 1) & this.#mask;
    const first = Math.min(n, this.size - w);
    return [this.#data.subarray(w, w + first), this.#data.subarray(0, n - first)];
  }

  /** Moves the read position `n` bytes on (at most readSpace). @throws INVALID_ARGUMENT past it */
  readAdvance(n: number): void {
    require_(Number.isInteger(n) && n >= 0 && n <= this.readSpace, `RingBuffer.readAdvance: ${String(n)} is more than the ${this.readSpace} bytes there are to read`);
    Atomics.store(this.#head, READ, (Atomics.load(this.#head, READ) + n) & this.#mask);
  }

  /** Moves the write position `n` bytes on (at most writeSpace). @throws INVALID_ARGUMENT past it */
  writeAdvance(n: number): void {
    require_(Number.isInteger(n) && n >= 0 && n <= this.writeSpace, `RingBuffer.writeAdvance: ${String(n)} is more than the ${this.writeSpace} bytes there is room for`);
    Atomics.store(this.#head, WRITE, (Atomics.load(this.#head, WRITE) + n) & this.#mask);
  }

  /**
   * Locks the ring's memory into RAM (mlock), so neither end ever waits on a
   * page fault there; it stays locked until the memory is freed. Needs the
   * native addon. @throws OUT_OF_MEMORY when the system refuses (the
   * locked-memory limit, `ulimit -l`)
   */
  mlock(): void {
    const err = native.lockMemory(new Uint8Array(this.shared));
    if (err !== 0) {
      fail('OUT_OF_MEMORY', `RingBuffer.mlock: the system refused to lock ${this.shared.byteLength} bytes (errno ${err}${err === 12 ? ', ENOMEM: over the locked-memory limit; see ulimit -l' : err === 1 ? ', EPERM' : ''})`);
    }
  }

  /** Empties the ring. Not safe while either end is in use (as JACK's jack_ringbuffer_reset). */
  reset(): void {
    Atomics.store(this.#head, READ, 0);
    Atomics.store(this.#head, WRITE, 0);
  }
}

function bytesOf(x: ArrayBufferView | ArrayBuffer, who: string): Uint8Array {
  if (x instanceof ArrayBuffer || x instanceof SharedArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return fail('INVALID_ARGUMENT', `RingBuffer.${who}: expected bytes (a typed array, DataView or ArrayBuffer)`);
}
