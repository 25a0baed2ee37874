import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Server } from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { errorOf } from './helpers/errors.js';

let server: Server;
let a: Client;
let b: Client;

beforeAll(async () => {
  server = await startServer('time');
  a = await Client.open(uniqueName('time-a'), { serverName: server.name });
  b = await Client.open(uniqueName('time-b'), { serverName: server.name });
  a.activate();
  b.activate();
});

afterAll(async () => {
  // Never close a client while freewheeling (wedges jackd2, DESIGN.md).
  try {
    a?.setFreewheel(false);
  } catch {
    /* already closed */
  }
  await a?.close();
  await b?.close();
  await server?.stop();
});

describe('frame time', () => {
  it('advances frameTime and lastFrameTime while active', async () => {
    const ft0 = a.frameTime;
    const lft0 = a.lastFrameTime;
    expect(Number.isInteger(ft0)).toBe(true);
    expect(Number.isInteger(lft0)).toBe(true);
    await until(() => a.lastFrameTime >= lft0 + 2 * a.blockSize, 5000, 'two more cycles');
    expect(a.frameTime).toBeGreaterThan(ft0);
    // lastFrameTime moves in whole cycles.
    expect((a.lastFrameTime - lft0) % a.blockSize).toBe(0);
    // Both clients share the server's clock.
    await until(() => Math.abs(b.lastFrameTime - a.lastFrameTime) === 0, 5000, 'same cycle on both clients');
  });

  it('reports framesSinceCycleStart as an offset inside the current cycle', () => {
    const size = a.blockSize;
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) samples.push(a.framesSinceCycleStart);
    for (const s of samples) {
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
    }
    // A late cycle can stretch an offset on a loaded machine, but most must lie within one period.
    expect(samples.filter((s) => s < size).length).toBeGreaterThan(samples.length / 2);
  });

  it('moves framesSinceCycleStart through the cycle, consistent with frameTime - lastFrameTime', async () => {
    // Sampled across ~60 ms (several cycles), the offset must take many values.
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) {
      seen.add(a.framesSinceCycleStart);
      const offset = a.framesSinceCycleStart;
      const derived = a.frameTime - a.lastFrameTime;
      // Back-to-back reads: the same estimate, within the frames that pass
      // between the calls (one period of slack for a preempted test process).
      expect(Math.abs(derived - offset)).toBeLessThanOrEqual(a.blockSize);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(Math.max(...seen)).toBeGreaterThan(0);
  });

  it('keeps frameTime at least lastFrameTime', () => {
    for (let i = 0; i < 50; i++) {
      const last = a.lastFrameTime;
      const now = a.frameTime;
      expect(now).toBeGreaterThanOrEqual(last);
    }
  });
});

describe('cycle times and conversions', () => {
  it('returns consistent getCycleTimes fields', () => {
    const t = a.getCycleTimes();
    expect(Object.keys(t).sort()).toEqual(['currentFrames', 'currentUsecs', 'nextUsecs', 'periodUsecs']);
    const nominal = (a.blockSize / a.sampleRate) * 1e6; // 5333.3 us at 256 / 48 kHz
    expect(t.periodUsecs).toBeGreaterThan(nominal * 0.8);
    expect(t.periodUsecs).toBeLessThan(nominal * 1.2);
    expect(t.nextUsecs).toBeGreaterThan(t.currentUsecs);
    expect(t.nextUsecs - t.currentUsecs).toBeGreaterThan(nominal * 0.8);
    expect(t.nextUsecs - t.currentUsecs).toBeLessThan(nominal * 1.2);
    expect(Number.isInteger(t.currentFrames)).toBe(true);
    expect(t.currentFrames).toBeLessThanOrEqual(a.frameTime);
  });

  it('round-trips framesToTime and timeToFrames within one frame', () => {
    const base = a.lastFrameTime;
    for (const f of [base, base + 1, base + 100, base + a.sampleRate]) {
      const usecs = a.framesToTime(f);
      expect(Number.isInteger(usecs)).toBe(true);
      expect(Math.abs(a.timeToFrames(usecs) - f)).toBeLessThanOrEqual(1);
    }
    // One second of frames is about one second of JACK time.
    const span = a.framesToTime(base + a.sampleRate) - a.framesToTime(base);
    expect(span).toBeGreaterThan(0.8e6);
    expect(span).toBeLessThan(1.2e6);
  });

  it('maps the cycle start frame to the cycle start time', async () => {
    // Retry until both reads fall in the same cycle.
    await until(() => {
      const t = a.getCycleTimes();
      const usecs = a.framesToTime(t.currentFrames);
      const again = a.getCycleTimes();
      if (again.currentFrames !== t.currentFrames) return false;
      expect(Math.abs(usecs - t.currentUsecs)).toBeLessThanOrEqual(Math.ceil(1e6 / a.sampleRate));
      return true;
    }, 5000, 'two reads within one cycle');
  });

  it('rejects invalid frame and time arguments', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) {
      const err = errorOf(() => a.framesToTime(bad));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(String(bad));
    }
    for (const bad of [-1, 0.5, Number.NaN]) {
      const err = errorOf(() => a.timeToFrames(bad));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(String(bad));
    }
  });

  it('reports cpuLoad as a finite, non-negative percentage', () => {
    const load = a.cpuLoad();
    expect(typeof load).toBe('number');
    expect(Number.isFinite(load)).toBe(true);
    expect(load).toBeGreaterThanOrEqual(0);
    expect(load).toBeLessThanOrEqual(100);
  });

  it('reports the server cycle timing from getCycleTimes before activation', async () => {
    const c = await Client.open(uniqueName('time-inactive'), { serverName: server.name });
    try {
      expect(c.active).toBe(false);
      // jackd2 reads the server's shared timing, so an inactive client gets the running server's cycle.
      const t = c.getCycleTimes();
      const nominal = (c.blockSize / c.sampleRate) * 1e6;
      expect(t.periodUsecs).toBeGreaterThan(nominal * 0.8);
      expect(t.periodUsecs).toBeLessThan(nominal * 1.2);
      expect(t.nextUsecs).toBeGreaterThan(t.currentUsecs);
      await until(() => c.getCycleTimes().currentFrames > t.currentFrames, 5000, 'server cycles advancing');
      // It is the same clock the active clients see.
      await until(() => c.getCycleTimes().currentFrames === a.getCycleTimes().currentFrames, 5000, 'same cycle as an active client');
    } finally {
      await c.close();
    }
  });

  it('throws CLIENT_CLOSED from time functions of a closed client', async () => {
    const c = await Client.open(uniqueName('time-closed'), { serverName: server.name });
    await c.close();
    expect(errorOf(() => c.frameTime).code).toBe('CLIENT_CLOSED');
    expect(errorOf(() => c.getCycleTimes()).code).toBe('CLIENT_CLOSED');
    expect(errorOf(() => c.framesToTime(0)).code).toBe('CLIENT_CLOSED');
    const err = errorOf(() => c.cpuLoad());
    expect(err.code).toBe('CLIENT_CLOSED');
    expect(err.message).toContain(c.name);
  });
});

describe('freewheel', () => {
  it('fires freewheel true then false on every client', async () => {
    const onA = waitForEvent<[boolean]>(a, 'freewheel', (on) => on === true);
    const onB = waitForEvent<[boolean]>(b, 'freewheel', (on) => on === true);
    try {
      a.setFreewheel(true);
      expect(await onA).toEqual([true]);
      expect(await onB).toEqual([true]);
      // Time runs much faster than real time while freewheeling; at least it runs.
      const f0 = a.lastFrameTime;
      await until(() => a.lastFrameTime !== f0, 5000, 'cycles while freewheeling');
    } finally {
      const offA = waitForEvent<[boolean]>(a, 'freewheel', (on) => on === false);
      const offB = waitForEvent<[boolean]>(b, 'freewheel', (on) => on === false);
      a.setFreewheel(false);
      expect(await offA).toEqual([false]);
      expect(await offB).toEqual([false]);
    }
  });

  it('fires freewheel on the other client when it is the one that asked', async () => {
    const onA = waitForEvent<[boolean]>(a, 'freewheel', (on) => on === true);
    try {
      b.setFreewheel(true);
      expect(await onA).toEqual([true]);
    } finally {
      const offA = waitForEvent<[boolean]>(a, 'freewheel', (on) => on === false);
      b.setFreewheel(false);
      expect(await offA).toEqual([false]);
    }
  });
});

describe('block size', () => {
  it('changes the period and fires blockSize on every client', async () => {
    const original = a.blockSize;
    expect(original).toBe(256);
    const onA = waitForEvent<[number]>(a, 'blockSize', (n) => n === 512);
    const onB = waitForEvent<[number]>(b, 'blockSize', (n) => n === 512);
    try {
      a.blockSize = 512;
      expect(await onA).toEqual([512]);
      expect(await onB).toEqual([512]);
      expect(a.blockSize).toBe(512);
      expect(b.blockSize).toBe(512);
      const nominal = (512 / a.sampleRate) * 1e6;
      const t = await until(() => {
        const ct = a.getCycleTimes();
        return ct.periodUsecs > nominal * 0.8 && ct.periodUsecs < nominal * 1.2 ? ct : undefined;
      }, 5000, 'cycle period following the new block size');
      expect(t.nextUsecs).toBeGreaterThan(t.currentUsecs);
    } finally {
      const back = waitForEvent<[number]>(b, 'blockSize', (n) => n === original);
      a.blockSize = original;
      await back;
    }
    expect(b.blockSize).toBe(original);
  });

  it('rejects a block size that is not a power of two', () => {
    for (const bad of [300, 0, -256, 1.5, Number.NaN]) {
      const err = errorOf(() => {
        a.blockSize = bad;
      });
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(String(bad));
    }
    expect(a.blockSize).toBe(256);
  });
});
