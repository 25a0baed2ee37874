/**
 * Sample-accurate parameters: setParam(id, value, { frame }) takes effect at
 * exactly that JACK frame (the engine splits the block there), and
 * render({ automation }) does the same offline, bit for bit; with
 * { rampMs } the value ramps linearly from that frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, render, type Server } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { frameAhead, startServer, uniqueName, withoutXruns } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat, watSource, watText } from './helpers/wat.js';

let server: Server;
let client: Client;
let probe: Uint8Array;

useTempCache('params');

beforeAll(async () => {
  probe = await wat('probe');
  server = await startServer('params', { period: 128 });
  client = await Client.open(uniqueName('params'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('sample-accurate parameters', () => {
  it('switches a parameter exactly at the requested JACK frame, inside a block', () =>
    withoutXruns(async () => {
      const m = await client.load(probe, { name: 'probe', maxFrames: 128 });
      const t0 = frameAhead(client);
      const recording = client.record([m.outputs[1]!], { frames: 24000, startAt: t0 });
      // Far enough ahead to be queued before its cycle; not on a block boundary.
      const at = t0 + 12 * 128 + 37;
      m.setParam('value', 7.5, { frame: at });
      const rec = await recording;
      if (rec.discontinuities.length) {
        await m.unload();
        return 'xrun';
      }
      const { channels } = rec;
      const x = channels[0]!;
      const k = rec.indexOf(at);
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThan(x.length);
      expect(x[k - 1]).toBe(0.25);
      expect(x[k]).toBe(7.5);
      expect(x.subarray(0, k).every((v) => v === 0.25)).toBe(true);
      expect(x.subarray(k).every((v) => v === 7.5)).toBe(true);
      await m.unload();
    }));

  it('applies several timed changes in one cycle at their frames, in order', () =>
    withoutXruns(async () => {
      const m = await client.load(probe, { name: 'probe2', maxFrames: 128 });
      const t0 = frameAhead(client);
      const recording = client.record([m.outputs[1]!], { frames: 24000, startAt: t0 });
      const base = t0 + 10 * 128;
      m.setParam('value', 1, { frame: base + 5 });
      m.setParam('value', 2, { frame: base + 60 });
      m.setParam('value', 3, { frame: base + 60 }); // same frame: the later call wins
      m.setParam('value', 4, { frame: base + 127 });
      const rec = await recording;
      if (rec.discontinuities.length) {
        await m.unload();
        return 'xrun';
      }
      const { channels } = rec;
      const x = channels[0]!;
      const at = (f: number) => x[rec.indexOf(f)];
      expect([at(base + 4), at(base + 5), at(base + 59), at(base + 60), at(base + 126), at(base + 127), at(base + 128)]).toEqual([0.25, 1, 1, 3, 3, 4, 4]);
      await m.unload();
    }));

  it('applies a change whose frame has already passed at the next block', async () => {
    const m = await client.load(probe, { name: 'probe3', maxFrames: 128 });
    m.setParam('value', -2, { frame: 0 });
    const { channels } = await client.record([m.outputs[1]!], { frames: 256 });
    expect(channels[0]!.length).toBe(256);
    expect(channels[0]!.every((v) => v === -2)).toBe(true);
    expect(m.getParam('value')).toBe(-2);
    await m.unload();
  });

  it('lists its parameters with their current values', async () => {
    const m = await client.load(probe, { name: 'probe5' });
    const before = m.params.map((p) => ({ id: p.id, value: p.value, default: p.default }));
    expect(before.every((p) => p.value === p.default)).toBe(true);
    m.setParam('value', 0.75);
    const p = m.params.find((x) => x.id === 'value')!;
    expect(p.value).toBe(0.75);
    expect(p.value).toBe(m.getParam('value'));
    expect(JSON.parse(JSON.stringify(p))).toMatchObject({ id: 'value', value: 0.75 });
    expect(Object.isFrozen(p)).toBe(true);
    await m.unload();
  });

  it('rejects a frame that is not a JACK frame time', async () => {
    const m = await client.load(probe, { name: 'probe4' });
    for (const frame of [-1, 1.5, 2 ** 32]) {
      const err = errorOf(() => m.setParam('value', 1, { frame }));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain('frame');
    }
    await m.unload();
  });
});

describe('recording', () => {
  it('records exactly the frames requested, contiguous, from the module output', async () => {
    const m = await client.load(probe, { name: 'probe6', maxFrames: 128 });
    const { channels, startFrame, sampleRate } = await client.record([m.outputs[0]!, m.outputs[1]!], { frames: 10007 });
    expect(sampleRate).toBe(48000);
    expect(channels.map((c) => c.length)).toEqual([10007, 10007]);
    const pos = channels[0]!;
    // out 0 counts the module's frames: no gap, repeat or reordering anywhere.
    for (let i = 1; i < pos.length; i++) if (pos[i] !== pos[i - 1]! + 1) throw new Error(`frame ${i}: ${pos[i - 1]} then ${pos[i]}`);
    expect(channels[1]!.every((v) => v === 0.25)).toBe(true);
    expect(Number.isInteger(startFrame)).toBe(true);
    await m.unload();
  });
});

describe('automation in offline rendering', () => {
  it('splits blocks at automation frames exactly like the live engine', async () => {
    const [frame, value] = await render(probe, {
      blockSize: 64,
      frames: 300,
      automation: [
        { frame: 100, param: 'value', value: 5 },
        { frame: 100, param: 'value', value: 6 },
        { frame: 200, param: 'Level', value: 99 }, // by name; clamped to 10
      ],
    });
    // Frames run continuously through the splits.
    expect(Array.from(frame!.subarray(95, 105))).toEqual([95, 96, 97, 98, 99, 100, 101, 102, 103, 104]);
    expect(value![99]).toBe(0.25);
    expect(value![100]).toBe(6);
    expect(value![199]).toBe(6);
    expect(value![200]).toBe(10);
  });

  it('matches the realtime recording of the same timed change bit for bit', () =>
    withoutXruns(async () => {
      const m = await client.load(probe, { name: 'probe5', maxFrames: 128 });
      const t0 = frameAhead(client);
      const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000, startAt: t0 });
      const at = t0 + 9 * 128 + 77;
      m.setParam('value', -7, { frame: at });
      const rec = await recording;
      if (rec.discontinuities.length) {
        await m.unload();
        return 'xrun';
      }
      const { channels } = rec;
      const [pos, val] = channels as [Float32Array, Float32Array];
      expect(pos.length).toBe(24000);
      // The switch happened inside the recording, so the comparison covers it.
      const k = rec.indexOf(at);
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThan(val.length);
      expect([val[k - 1], val[k]]).toEqual([0.25, -7]);
      // Position of the recording in the module's own timeline.
      const first = pos[0]!;
      const switchAt = first + rec.indexOf(at);
      const offline = await render(probe, {
        blockSize: 128,
        frames: first + pos.length,
        automation: [{ frame: switchAt, param: 'value', value: -7 }],
      });
      expect(Array.from(offline[0]!.subarray(first))).toEqual(Array.from(pos));
      expect(Array.from(offline[1]!.subarray(first))).toEqual(Array.from(val));
      await m.unload();
    }));
});

/** The value a ramp from `from` to `to` over `frames` gives `done` frames in, as the engine computes it (f32). */
function rampAt(from: number, to: number, done: number, frames: number): number {
  const f = Math.fround;
  if (done >= frames) return f(to);
  const v = f(f(from) + (f(to) - f(from)) * (done / frames)); // in double, then f32
  return Math.min(Math.max(v, Math.min(f(from), f(to))), Math.max(f(from), f(to)));
}

/** What the module sees per frame for a ramp starting at `at`: `before`, then the value every 16 frames, then `to`. */
function expectedRamp(length: number, at: number, before: number, to: number, frames: number): number[] {
  return Array.from({ length }, (_, i) => (i < at ? before : rampAt(before, to, i - at >= frames ? frames : Math.floor((i - at) / 16) * 16, frames)));
}

/** Index of the first difference (-1: none). */
const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).findIndex((v, i) => !Object.is(v, b[i]));

describe('queue size', () => {
  it('refuses the timed change past queueSize with QUEUE_FULL; all the others land on their frames', () =>
    withoutXruns(async () => {
      const m = await client.load(probe, { name: 'qfull', maxFrames: 128, queueSize: 16 });
      try {
        const t0 = frameAhead(client);
        const recording = client.record([m.outputs[1]!], { frames: 24000, startAt: t0 });
        const t1 = t0 + 20 * 128;
        for (let i = 0; i < 16; i++) m.setParam('value', i - 8, { frame: t1 + 10 * i });
        expect(errorOf(() => m.setParam('value', 9, { frame: t1 + 500 })).message).toBe(
          'setParam(qfull): 16 timed parameter changes are already waiting for their frames (load option queueSize)',
        );
        const rec = await recording;
        if (rec.discontinuities.length) return 'xrun';
      const { channels } = rec;
        const x = channels[0]!;
        for (let i = 0; i < 16; i++) expect(x[rec.indexOf(t1 + 10 * i)], `change ${i}`).toBe(i - 8);
        expect(m.overflow.earlyParams).toBe(0);
      } finally {
        await m.unload();
      }
    }));
});

describe('parameter ramps', () => {
  it('moves a parameter linearly from its frame, in 16-frame steps, exactly to the target at the end', () =>
    withoutXruns(async () => {
      const m = await client.load(probe, { name: 'ramp', maxFrames: 128 });
      try {
        const t0 = frameAhead(client);
        const recording = client.record([m.outputs[1]!], { frames: 24000, startAt: t0 });
        const at = t0 + 12 * 128 + 37;
        m.setParam('value', 8.25, { frame: at, rampMs: 2.5 }); // 120 frames at 48 kHz
        expect(m.getParam('value')).toBe(8.25);
        const rec = await recording;
        if (rec.discontinuities.length) return 'xrun';
      const { channels } = rec;
        const x = channels[0]!;
        const k = rec.indexOf(at);
        expect(k).toBeGreaterThan(0);
        const want = expectedRamp(x.length, k, 0.25, 8.25, 120);
        expect(firstDiff(x, want)).toBe(-1);
        expect(x[k + 119]).toBeLessThan(8.25);
        expect(x[k + 120]).toBe(8.25);
      } finally {
        await m.unload();
      }
    }));

  it('renders the same ramp offline, bit for bit, beside other changes in the same block', async () => {
    const [, value, free] = (await render(probe, {
      frames: 1024,
      blockSize: 128,
      automation: [
        { frame: 300, param: 'value', value: -4, rampMs: 2.5 },
        { frame: 301, param: 'free', value: 7 },
        { frame: 333, param: 'free', value: 8 },
      ],
    })) as Float32Array[];
    expect(firstDiff(value!, expectedRamp(1024, 300, 0.25, -4, 120))).toBe(-1);
    expect(Array.from(free!.subarray(299, 302))).toEqual([0, 0, 7]);
    expect(free![333]).toBe(8);
  });

  it('starts a new ramp from where a running one is, and a plain set ends a ramp', async () => {
    const [, value] = (await render(probe, {
      frames: 1024,
      blockSize: 128,
      automation: [
        { frame: 100, param: 'value', value: 10, rampMs: 10 }, // 480 frames
        { frame: 180, param: 'value', value: 0, rampMs: 1 }, // 48 frames from where the first is at 80 frames in
        { frame: 400, param: 'value', value: 5, rampMs: 10 },
        { frame: 450, param: 'value', value: 2 }, // ends that ramp
      ],
    })) as Float32Array[];
    const mid = rampAt(0.25, 10, 80, 480);
    expect(value![179]).toBe(rampAt(0.25, 10, 64, 480));
    expect(value![180]).toBe(mid);
    expect(value![196]).toBe(rampAt(mid, 0, 16, 48));
    expect(value![228]).toBe(0);
    expect(value![449]).toBe(rampAt(0, 5, 48, 480));
    expect(Array.from(new Set(value!.subarray(450)))).toEqual([2]);
  });

  it('never passes an infinity, even between the ends of the f32 range', async () => {
    const wide = await watText((await watSource('probe')).replace('\\"min\\":-10,\\"max\\":10', '\\"min\\":-3e38,\\"max\\":3e38'), 'probe-wide');
    const [, value] = (await render(wide, {
      frames: 512,
      blockSize: 128,
      params: { value: -3e38 },
      automation: [{ frame: 0, param: 'value', value: 3e38, rampMs: 5 }],
    })) as Float32Array[];
    expect(value!.every((v) => Number.isFinite(v))).toBe(true);
    expect(value![0]).toBe(Math.fround(-3e38));
    expect(value![511]).toBe(Math.fround(3e38));
  });

  it('rejects unknown keys in automation entries', async () => {
    await expect(render(probe, { frames: 64, automation: [{ frame: 0, param: 'value', value: 1, ramp: 5 } as never] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/automation\[0\]: unknown option "ramp"/),
    });
  });

  it('rejects a ramp that is not a number of milliseconds', async () => {
    const m = await client.load(probe, { name: 'rampbad' });
    try {
      for (const rampMs of [-1, Number.NaN, 1e9, '5']) {
        const e = errorOf(() => m.setParam('value', 1, { rampMs } as never), String(rampMs));
        expect(e.code).toBe('INVALID_ARGUMENT');
        expect(e.message).toMatch(/rampMs must be a number of milliseconds in \[0, 600000\]/);
      }
      expect(errorOf(() => m.setParam('value', 1, { ramp: 5 } as never)).message).toMatch(/unknown option "ramp"/);
    } finally {
      await m.unload();
    }
  });
});
