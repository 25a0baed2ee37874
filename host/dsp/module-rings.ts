/**
 * Module rings: byte streams between a running module and JS (docs/abi.md,
 * "Rings"), e.g. a scope module sending its input to a UI, or JS streaming
 * samples into a player module. The module declares them (jw_ring_table; the
 * SDK's ModuleRing); DspModule.ring(name) returns one of these.
 *
 * Rationale for copying through the addon instead of handing JS a view of
 * the module's memory: that memory belongs to one instance and is freed at
 * a swap, reset or unload; a copy per call (an N-API call and a memcpy) keeps
 * JS from ever holding a pointer into it, and follows the module to its
 * next instance by name.
 */
import { fail, require_ } from '../errors.js';
import type { NativeClient, NativeDspInfo } from '../native.js';

/** What a ModuleRing needs from its module. */
export interface RingHost {
  readonly name: string;
  readonly client: NativeClient;
  readonly id: number;
  info(): NativeDspInfo;
  assertLoaded(what: string): void;
}

/** One ring of a module, by name; it follows the module through swaps and resets (which start it empty). */
export class ModuleRing {
  /** The name the module gave it. */
  readonly name: string;
  #host: RingHost;

  /** @internal */
  constructor(host: RingHost, name: string) {
    this.#host = host;
    this.name = name;
  }

  /** Index of the ring in the running instance, checked. */
  #index(what: string): number {
    this.#host.assertLoaded(`ModuleRing.${what}`);
    const k = this.#host.info().rings.findIndex((r) => r.key === this.name);
    if (k < 0) fail('INVALID_ARGUMENT', `ModuleRing.${what}: module "${this.#host.name}" no longer declares ring "${this.name}"`);
    return k;
  }

  #decl(what: string): { k: number; direction: 'out' | 'in'; size: number } {
    const k = this.#index(what);
    const r = this.#host.info().rings[k]!;
    return { k, direction: r.direction, size: r.size };
  }

  /** 'out': the module writes and JS reads; 'in': JS writes and the module reads. */
  get direction(): 'out' | 'in' {
    return this.#decl('direction').direction;
  }

  /** Data bytes the ring holds. */
  get size(): number {
    return this.#decl('size').size;
  }

  #space(what: string): [number, number, number, number] {
    const { k } = this.#decl(what);
    return this.#host.client.dspRingSpace(this.#host.id, k) ?? [0, 0, 0, 0];
  }

  /** Bytes JS can read now (an out ring; 0 for an in ring). The module's writes show after the cycle that made them. */
  get readSpace(): number {
    return this.#space('readSpace')[0];
  }

  /** Bytes JS can write now (an in ring; 0 for an out ring). */
  get writeSpace(): number {
    return this.#space('writeSpace')[1];
  }

  /**
   * Bytes of an out ring the module wrote over before JS read them (skipped,
   * so reading resumes with the newest data): only a module that ignores the
   * read index does that. Counted by this object's module instance (a swap
   * or reset starts again from 0).
   */
  get lost(): number {
    return this.#space('lost')[2];
  }

  /**
   * What the module says it dropped (its count in the ring's header, as of
   * its last cycle): bytes that did not fit into a full out ring (JS read too
   * slowly), or that it wanted from an empty in ring (JS wrote too slowly).
   * The SDK's ModuleRing keeps it; it starts from 0 with each instance.
   */
  get dropped(): number {
    return this.#space('dropped')[3];
  }

  #out(what: string): number {
    const { k, direction } = this.#decl(what);
    if (direction !== 'out') fail('INVALID_ARGUMENT', `ModuleRing.${what}: ring "${this.name}" of module "${this.#host.name}" is written by JS (direction 'in'); write() to it`);
    return k;
  }

  /**
   * Takes up to `bytes` (default: all there is) from an out ring, or fills
   * `into` as far as it can; returns the bytes taken.
   */
  read(into?: number | Uint8Array): Uint8Array {
    return this.#take('read', into, true);
  }

  /** As read(), without taking them off the ring. */
  peek(into?: number | Uint8Array): Uint8Array {
    return this.#take('peek', into, false);
  }

  #take(what: string, into: number | Uint8Array | undefined, advance: boolean): Uint8Array {
    const k = this.#out(what);
    let dst: Uint8Array;
    if (into instanceof Uint8Array) {
      require_(!isDetached(into), `ModuleRing.${what}: the array's buffer is detached`);
      dst = into;
    } else {
      require_(into === undefined || (Number.isInteger(into) && into >= 0), `ModuleRing.${what}: expected a byte count (a non-negative integer) or a Uint8Array, got ${String(into)}`);
      const have = (this.#host.client.dspRingSpace(this.#host.id, k) ?? [0])[0];
      dst = new Uint8Array(into === undefined ? have : Math.min(have, into));
    }
    const n = this.#host.client.dspRingRead(this.#host.id, k, dst, advance) ?? 0;
    return dst.subarray(0, n);
  }

  /** Takes the whole f32 samples an out ring holds (up to `max`), as the module wrote them. */
  readFloat32(max?: number): Float32Array {
    require_(max === undefined || (Number.isInteger(max) && max >= 0), `ModuleRing.readFloat32: max must be a non-negative integer, got ${String(max)}`);
    const k = this.#out('readFloat32');
    const have = Math.floor(((this.#host.client.dspRingSpace(this.#host.id, k) ?? [0])[0]) / 4);
    const out = new Float32Array(max === undefined ? have : Math.min(have, max));
    const n = this.#host.client.dspRingRead(this.#host.id, k, new Uint8Array(out.buffer), true) ?? 0;
    return out.subarray(0, n / 4);
  }

  /**
   * Writes as much of `data` (bytes, or any typed array's bytes, e.g. a
   * Float32Array of samples) as fits into an in ring, in whole elements;
   * returns the bytes written. The module sees them from the next cycle on.
   */
  write(data: ArrayBufferView): number {
    const { k, direction } = this.#decl('write');
    if (direction !== 'in') fail('INVALID_ARGUMENT', `ModuleRing.write: ring "${this.name}" of module "${this.#host.name}" is written by the module (direction 'out'); read() from it`);
    require_(ArrayBuffer.isView(data), `ModuleRing.write: expected a typed array or DataView, got ${data === null ? 'null' : typeof data}`);
    require_(!isDetached(data), 'ModuleRing.write: the array\'s buffer is detached');
    // Whole elements only (a Float32Array's samples are never split), so a
    // module reading samples always finds whole ones. The element size comes
    // from the array's class, not from a property it may carry.
    const unit = elementSize(data);
    const room = (this.#host.client.dspRingSpace(this.#host.id, k) ?? [0, 0])[1];
    const n = Math.min(data.byteLength, room - (room % unit));
    return this.#host.client.dspRingWrite(this.#host.id, k, new Uint8Array(data.buffer, data.byteOffset, n)) ?? 0;
  }
}

const ELEMENT_SIZES: [abstract new (...args: never[]) => ArrayBufferView, number][] = [
  [Float64Array, 8], [BigInt64Array, 8], [BigUint64Array, 8], [Float32Array, 4], [Int32Array, 4], [Uint32Array, 4], [Int16Array, 2], [Uint16Array, 2],
];

function elementSize(v: ArrayBufferView): number {
  for (const [ctor, n] of ELEMENT_SIZES) if (v instanceof ctor) return n;
  return 1;
}

function isDetached(v: ArrayBufferView): boolean {
  // A detached buffer has no bytes (and a view of it none either); a view of length 0 of a live buffer still has its buffer's length.
  return v.buffer.byteLength === 0 && v.byteLength === 0 && v.byteOffset === 0 && !(v.buffer instanceof SharedArrayBuffer) && isDetachedBuffer(v.buffer);
}

function isDetachedBuffer(b: ArrayBuffer): boolean {
  try {
    // Rationale: Node 20 has no ArrayBuffer.prototype.detached everywhere; slicing a detached buffer throws.
    b.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/** Checks a ring name against the module's. @throws INVALID_ARGUMENT naming the rings there are */
export function checkRingName(info: NativeDspInfo, moduleName: string, name: unknown): string {
  require_(typeof name === 'string', `ring(${moduleName}): the ring name must be a string, got ${typeof name}`);
  if (!info.rings.some((r) => r.key === name)) {
    fail('INVALID_ARGUMENT', info.rings.length
      ? `ring(${moduleName}): the module has no ring "${name}" (it declares ${info.rings.map((r) => `"${r.key}"`).join(', ')})`
      : `ring(${moduleName}): the module declares no rings (jw_ring_table; the SDK's ModuleRing)`);
  }
  return name;
}
