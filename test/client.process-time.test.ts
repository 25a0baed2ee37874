/**
 * Client.processTime: the engine's cycle-time statistics, and the fine
 * histogram's bucket mapping (cycleBucket in TS must be the engine's
 * Engine::FineBucket, or percentiles computed from the histogram lie).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, cycleBucket, cycleBucketNs, percentileNs, type Server } from '../host/index.js';
import { sleep, startServer, uniqueName } from './helpers/jack.js';

describe('cycleBucket', () => {
  it('gives durations under 8 ns a bucket each, then eight per octave', () => {
    expect([0, 1, 7, 8, 9, 15, 16, 17, 18, 31, 32].map(cycleBucket)).toEqual([0, 1, 7, 8, 9, 15, 16, 16, 17, 23, 24]);
    // 1000 ns: octave [512, 1024), eighths of 64 ns: the last one, [960, 1024).
    expect(cycleBucket(1000)).toBe(63);
    expect(cycleBucketNs(63)).toEqual([960, 1024]);
  });

  it('maps both ends of every bucket to that bucket, and nothing else to it', () => {
    for (let i = 0; i < 255; i++) {
      const [low, high] = cycleBucketNs(i);
      expect(cycleBucket(low), `low end of ${i}`).toBe(i);
      expect(cycleBucket(high - 1), `high end of ${i}`).toBe(i);
      expect(cycleBucketNs(i + 1)[0], `bucket ${i + 1} starts where ${i} ends`).toBe(high);
    }
  });

  it('keeps every bucket within an eighth of an octave', () => {
    for (let i = 8; i < 256; i++) {
      const [low, high] = cycleBucketNs(i);
      expect(high / low).toBeLessThanOrEqual(1.125);
    }
  });

  it('puts durations past the last bucket in it', () => {
    expect(cycleBucket(2 ** 40)).toBe(255);
  });
});

describe('percentileNs', () => {
  it('gives the upper end of the bucket the percentile falls in, clamped to the largest', () => {
    const fine = new Array(256).fill(0);
    fine[cycleBucket(1000)] = 90; // [960, 1024)
    fine[cycleBucket(5000)] = 9; // [4608, 5120)
    fine[cycleBucket(20000)] = 1; // [18432, 20480)
    expect(percentileNs(fine, 50, 20000)).toBe(1024);
    expect(percentileNs(fine, 90, 20000)).toBe(1024);
    expect(percentileNs(fine, 91, 20000)).toBe(5120);
    expect(percentileNs(fine, 99, 20000)).toBe(5120);
    expect(percentileNs(fine, 100, 20000)).toBe(20000);
    expect(percentileNs(new Array(256).fill(0), 50, 0)).toBe(0);
  });
});

describe('Client.processTime', () => {
  let server: Server;
  let client: Client;

  beforeAll(async () => {
    server = await startServer('ptime', { period: 256 });
    client = await Client.open(uniqueName('ptime'), { serverName: server.name });
    client.activate();
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it('counts every cycle in both histograms, with min and max in the first and last fine bucket used', async () => {
    await sleep(400);
    // Stopped, so the snapshot cannot change between its fields.
    client.deactivate();
    const t = client.processTime;
    expect(t.cycles).toBeGreaterThan(10);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(t.histogram)).toBe(t.cycles);
    expect(sum(t.fineHistogram)).toBe(t.cycles);
    expect(t.fineHistogram).toHaveLength(256);
    const used = t.fineHistogram.flatMap((n, i) => (n ? [i] : []));
    expect(cycleBucket(t.minUs * 1000)).toBe(used[0]);
    expect(cycleBucket(t.maxUs * 1000)).toBe(used[used.length - 1]);
    expect(t.minUs).toBeGreaterThan(0);
    expect(t.minUs).toBeLessThanOrEqual(t.meanUs);
    expect(t.meanUs).toBeLessThanOrEqual(t.maxUs);
  });

  it('gives percentiles that rise with p, from the smallest bucket to the largest cycle', () => {
    const t = client.processTime;
    const ps = [0, 1, 50, 90, 99, 100].map((p) => t.percentileUs(p));
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeGreaterThanOrEqual(ps[i - 1] as number);
    expect(ps[0]).toBeGreaterThanOrEqual(t.minUs);
    expect(ps[0]).toBeLessThanOrEqual(t.minUs * 1.125);
    expect(ps[5]).toBe(t.maxUs);
    expect(() => t.percentileUs(101)).toThrow(/percentileUs: p must be in \[0, 100\], got 101/);
  });

  it('counts the cycles that took longer than their period', async () => {
    // A module whose every block runs an 8-million-step LCG (about 10-30 ms
    // here: over the 5.3 ms period, under the 50 ms watchdog). The LCG has no
    // closed form, so the C compiler cannot remove the loop.
    const wat = `(module (memory (export "memory") 1)
      (func (export "jw_abi") (result i32) (i32.const 1))
      (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
      (func (export "jw_inputs") (result i32) (i32.const 0))
      (func (export "jw_outputs") (result i32) (i32.const 1))
      (func (export "jw_input") (param i32) (result i32) (i32.const 0))
      (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
      (func (export "jw_process") (param i32) (local $i i32) (local $x i32)
        (local.set $x (i32.load (i32.const 0)))
        (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (i32.const 8000000)))
          (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
          (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))
        (i32.store (i32.const 0) (local.get $x))))`;
    const { mkdtempSync, rmSync, writeFileSync, readFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'jw-ptime-'));
    const c = await Client.open(uniqueName('ptimeslow'), { serverName: server.name });
    try {
      writeFileSync(join(dir, 'slow.wat'), wat);
      execFileSync('wat2wasm', [join(dir, 'slow.wat'), '-o', join(dir, 'slow.wasm')]);
      c.activate();
      const mod = await c.load(new Uint8Array(readFileSync(join(dir, 'slow.wasm'))), { name: 'slow' });
      await sleep(400);
      await mod.unload();
      c.deactivate();
      const t = c.processTime;
      const periodNs = (256 / 48000) * 1e9;
      const sure = t.fineHistogram.reduce((a, n, i) => a + (cycleBucketNs(i)[0] > periodNs ? n : 0), 0);
      const maybe = t.fineHistogram.reduce((a, n, i) => a + (cycleBucketNs(i)[1] > periodNs ? n : 0), 0);
      expect(sure).toBeGreaterThan(3);
      expect(t.cyclesOverPeriod).toBeGreaterThanOrEqual(sure);
      expect(t.cyclesOverPeriod).toBeLessThanOrEqual(maybe);
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throws once the client is closed', async () => {
    const c = await Client.open(uniqueName('ptimeclosed'), { serverName: server.name });
    await c.close();
    expect(() => c.processTime).toThrow(/Client.processTime/);
  });
});
