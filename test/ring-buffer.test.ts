/**
 * RingBuffer (host/ring-buffer.ts): JACK's ringbuffer semantics with
 * JACK-Client's API, in shared memory. Checked here: capacity and wrapping,
 * the zero-copy views, errors, and an SPSC property test with a producer
 * worker and a consumer worker moving megabytes in random chunk sizes, every
 * byte arriving once and in order.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../host/index.js';
import { errorOf } from './helpers/errors.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('RingBuffer', () => {
  it('rounds the size up to a power of two and holds one byte less, as JACK does', () => {
    const r = new RingBuffer(5);
    expect(r.size).toBe(8);
    expect([r.readSpace, r.writeSpace]).toEqual([0, 7]);
    expect(r.write(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9))).toBe(7);
    expect([r.readSpace, r.writeSpace]).toEqual([7, 0]);
    expect(r.write(bytes(10))).toBe(0);
    expect([...r.read(3)]).toEqual([1, 2, 3]);
    expect(r.write(bytes(8, 9, 10))).toBe(3); // wraps
    expect([...r.peek(100)]).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(r.readSpace).toBe(7); // peek moved nothing
    const into = new Uint8Array(5);
    expect(r.readInto(into)).toBe(5);
    expect([...into]).toEqual([4, 5, 6, 7, 8]);
    expect([...r.read(10)]).toEqual([9, 10]);
    expect([r.readSpace, r.writeSpace]).toEqual([0, 7]);
  });

  it('gives the readable and writable regions in place, in two parts where they wrap', () => {
    const r = new RingBuffer(8);
    r.write(bytes(1, 2, 3, 4, 5, 6));
    r.readAdvance(5);
    const [w1, w2] = r.writeBuffers();
    expect([w1.length, w2.length]).toEqual([2, 4]); // bytes 6-7, then 0-3
    w1.set([7, 8]);
    w2.set([9, 10, 11]);
    r.writeAdvance(5);
    const [a, b] = r.readBuffers();
    expect([[...a], [...b]]).toEqual([[6, 7, 8], [9, 10, 11]]);
    r.readAdvance(6);
    expect(r.readSpace).toBe(0);
    // Float samples through the views: any typed array reads and writes as bytes.
    const f = new RingBuffer(64);
    f.write(Float32Array.of(0.5, -1, 3.25));
    const out = new Float32Array(3);
    expect(f.readInto(out)).toBe(12);
    expect([...out]).toEqual([0.5, -1, 3.25]);
  });

  it('refuses advancing past what is there, bad sizes and memory that is not a ring', () => {
    const r = new RingBuffer(16);
    r.write(bytes(1, 2, 3));
    expect(errorOf(() => r.readAdvance(4)).message).toBe('RingBuffer.readAdvance: 4 is more than the 3 bytes there are to read');
    expect(errorOf(() => r.writeAdvance(13)).message).toBe('RingBuffer.writeAdvance: 13 is more than the 12 bytes there is room for');
    for (const size of [0, 1, 1.5, -8, 2 ** 31, Number.NaN]) expect(errorOf(() => new RingBuffer(size)).code, String(size)).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => RingBuffer.from(new SharedArrayBuffer(300))).message).toMatch(/does not hold a RingBuffer/);
    expect(errorOf(() => r.write('abc' as never)).message).toMatch(/expected bytes/);
    r.reset();
    expect([r.readSpace, r.writeSpace]).toEqual([0, 15]);
  });

  it('locks its memory into RAM', () => {
    // Small: the default locked-memory limit of a user is 64 KiB.
    const r = new RingBuffer(4096);
    r.mlock();
    // The pages are resident and locked: /proc/self/status counts them.
    const locked = Number(/^VmLck:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    expect(locked * 1024).toBeGreaterThanOrEqual(4096);
  });

  it('moves every byte once and in order between a producer worker and a consumer worker', async () => {
    const ring = new RingBuffer(4096);
    const total = 8 * 2 ** 20;
    const url = new URL('../dist/host/ring-buffer.js', import.meta.url).href;
    // Each end takes random chunk sizes (1..3000 bytes); byte i of the stream is (i * 7 + i >> 13) & 255.
    const code = (role: 'produce' | 'consume') => `
      const { workerData, parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then(({ RingBuffer }) => {
        const ring = RingBuffer.from(workerData.shared);
        let seed = ${role === 'produce' ? 1 : 2}, i = 0, bad = -1, spins = 0;
        const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % 3000 + 1;
        const chunk = new Uint8Array(3000);
        while (i < ${total}) {
          const n = Math.min(rnd(), ${total} - i);
          ${role === 'produce'
            ? 'for (let k = 0; k < n; k++) chunk[k] = ((i + k) * 7 + ((i + k) >> 13)) & 255; let done = 0; while (done < n) { const w = ring.write(chunk.subarray(done, n)); if (!w) spins++; done += w; } i += n;'
            : 'const got = ring.readInto(chunk.subarray(0, n)); if (!got) { spins++; continue; } for (let k = 0; k < got && bad < 0; k++) if (chunk[k] !== (((i + k) * 7 + ((i + k) >> 13)) & 255)) bad = i + k; i += got;'}
        }
        parentPort.postMessage({ i, bad, spins });
      });`;
    const run = (role: 'produce' | 'consume') =>
      new Promise<{ i: number; bad: number; spins: number }>((resolve, reject) => {
        const w = new Worker(code(role), { eval: true, workerData: { shared: ring.shared } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const [p, c] = await Promise.all([run('produce'), run('consume')]);
    expect(p.i).toBe(total);
    expect(c).toMatchObject({ i: total, bad: -1 });
    // Both ends waited on the other at times: the ring was full and empty.
    expect(p.spins + c.spins).toBeGreaterThan(0);
    expect(ring.readSpace).toBe(0);
  }, 60000);
});

