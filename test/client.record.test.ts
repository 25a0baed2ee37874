/**
 * Client.record: sample-accurate starts with `startAt`, gapless recordings
 * back to back, and the errors for frames that have passed or bad options.
 * The source is test/abi/probe.wat, whose output 0 counts frames, so every
 * sample names the frame it was recorded at.
 */
import { describe, expect, it } from 'vitest';
import { rejection } from './helpers/errors.js';
import { useProbeClient } from './helpers/probe-client.js';

const ctx = useProbeClient('record');

describe('startAt', () => {
  it('starts on exactly the requested frame, and back-to-back recordings are gapless', async () => {
    const rate = ctx.client.sampleRate;
    const whole = ctx.client.record([ctx.out], { frames: rate }); // one second around both
    const F = (ctx.client.lastFrameTime + Math.round(rate / 4) + 77) >>> 0; // mid-cycle
    const first = ctx.client.record([ctx.out], { frames: 1000, startAt: F });
    const second = ctx.client.record([ctx.out], { frames: 3000, startAt: (F + 1000) >>> 0 });
    const [w, a, b] = await Promise.all([whole, first, second]);
    expect(a.startFrame).toBe(F);
    expect(b.startFrame).toBe((F + 1000) >>> 0);
    expect([a.discontinuities, b.discontinuities]).toEqual([[], []]);
    const k = w.indexOf(F);
    expect(k).toBeGreaterThan(0);
    const joined = Float32Array.from([...a.channels[0]!, ...b.channels[0]!]);
    expect(joined).toEqual(w.channels[0]!.subarray(k, k + 4000));
    // The probe counts up by one per frame: no frame doubled or skipped at the seam.
    expect(joined[1000]! - joined[999]!).toBe(1);
  });

  it('rejects a frame that has already passed with TOO_LATE, before or after connecting', async () => {
    const passed = (ctx.client.lastFrameTime - 1) >>> 0;
    const before = await rejection(ctx.client.record([ctx.out], { frames: 10, startAt: passed }));
    expect(before.code).toBe('TOO_LATE');
    expect(before.message).toContain(`startAt frame ${passed} has passed`);
    // Ahead now, but over by the time the ports are connected (two cycles on).
    // Rationale for the retry: a stall of a cycle between reading the frame time and the call
    // makes the call's own check answer first (also TOO_LATE, but not the path under test).
    let afterConnecting = false;
    for (let trial = 0; trial < 8 && !afterConnecting; trial++) {
      const soon = (ctx.client.lastFrameTime + ctx.client.blockSize) >>> 0; // ahead now, by a cycle
      const after = await rejection(ctx.client.record([ctx.out], { frames: 10, startAt: soon }));
      expect(after.code).toBe('TOO_LATE');
      afterConnecting = after.message.includes(`startAt frame ${soon} had passed when the recording could begin`);
      if (!afterConnecting) expect(after.message).toContain(`record: startAt frame ${soon} has passed`);
    }
    expect(afterConnecting, 'a frame passing while connecting was reported as such').toBe(true);
    // The temporary ports are gone either way.
    expect(ctx.client.getPorts({ namePattern: `^${ctx.client.name}:record_` })).toEqual([]);
  });

  it('refuses a ninth recording while eight run or wait, with QUEUE_FULL', async () => {
    const t0 = (ctx.client.lastFrameTime + ctx.client.sampleRate) >>> 0;
    const eight = Array.from({ length: 8 }, (_, i) => ctx.client.record([ctx.out], { frames: 100, startAt: (t0 + 100 * i) >>> 0 }));
    const e = await rejection(ctx.client.record([ctx.out], { frames: 100 }));
    expect([e.code, e.message]).toEqual(['QUEUE_FULL', `record: 8 recordings of client "${ctx.client.name}" are already running or waiting for their start (the most at once)`]);
    const recs = await Promise.all(eight);
    expect(recs.map((r) => r.startFrame)).toEqual(Array.from({ length: 8 }, (_, i) => (t0 + 100 * i) >>> 0));
    // The slots are free again.
    expect((await ctx.client.record([ctx.out], { frames: 10 })).channels[0]).toHaveLength(10);
  });

  it('rejects bad startAt values and unknown options with INVALID_ARGUMENT', async () => {
    for (const startAt of [-1, 1.5, 2 ** 32, Number.NaN, '5' as unknown as number]) {
      const e = await rejection(ctx.client.record([ctx.out], { frames: 10, startAt }), String(startAt));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain('record: startAt must be a JACK frame time');
    }
    const e = await rejection(ctx.client.record([ctx.out], { frames: 10, start: 5 } as never));
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'record: unknown option "start" (known: frames, seconds, startAt)']);
  });
});
