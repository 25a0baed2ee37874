/**
 * Client.record: sample-accurate starts with `startAt`, gapless recordings
 * back to back, and the errors for frames that have passed or bad options.
 * The source is test/abi/probe.wat, whose output 0 counts frames, so every
 * sample names the frame it was recorded at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type DspModule, type OwnPort, type Server } from '../host/index.js';
import { rejection } from './helpers/errors.js';
import { startServer, uniqueName, until } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let probe: DspModule;
let out: OwnPort;

useTempCache('record');

beforeAll(async () => {
  server = await startServer('record', { period: 128 });
  client = await Client.open(uniqueName('record'), { serverName: server.name });
  client.activate();
  probe = await client.load(await wat('probe'), { name: 'probe' });
  out = probe.outputs[0] as OwnPort;
  await until(() => probe.cycles > 2, 10000, 'probe cycles');
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('startAt', () => {
  it('starts on exactly the requested frame, and back-to-back recordings are gapless', async () => {
    const rate = client.sampleRate;
    const whole = client.record([out], { frames: rate }); // one second around both
    const F = (client.lastFrameTime + Math.round(rate / 4) + 77) >>> 0; // mid-cycle
    const first = client.record([out], { frames: 1000, startAt: F });
    const second = client.record([out], { frames: 3000, startAt: (F + 1000) >>> 0 });
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
    const passed = (client.lastFrameTime - 1) >>> 0;
    const before = await rejection(client.record([out], { frames: 10, startAt: passed }));
    expect(before.code).toBe('TOO_LATE');
    expect(before.message).toContain(`startAt frame ${passed} has passed`);
    // Ahead now, but over by the time the ports are connected (two cycles on).
    const soon = (client.lastFrameTime + 1) >>> 0;
    const after = await rejection(client.record([out], { frames: 10, startAt: soon }));
    expect(after.code).toBe('TOO_LATE');
    expect(after.message).toContain(`startAt frame ${soon} had passed when the recording could begin`);
    // The temporary ports are gone either way.
    expect(client.getPorts({ namePattern: `^${client.name}:record_` })).toEqual([]);
  });

  it('refuses a ninth recording while eight run or wait, with QUEUE_FULL', async () => {
    const t0 = (client.lastFrameTime + client.sampleRate) >>> 0;
    const eight = Array.from({ length: 8 }, (_, i) => client.record([out], { frames: 100, startAt: (t0 + 100 * i) >>> 0 }));
    const e = await rejection(client.record([out], { frames: 100 }));
    expect([e.code, e.message]).toEqual(['QUEUE_FULL', `record: 8 recordings of client "${client.name}" are already running or waiting for their start (the most at once)`]);
    const recs = await Promise.all(eight);
    expect(recs.map((r) => r.startFrame)).toEqual(Array.from({ length: 8 }, (_, i) => (t0 + 100 * i) >>> 0));
    // The slots are free again.
    expect((await client.record([out], { frames: 10 })).channels[0]).toHaveLength(10);
  });

  it('rejects bad startAt values and unknown options with INVALID_ARGUMENT', async () => {
    for (const startAt of [-1, 1.5, 2 ** 32, Number.NaN, '5' as unknown as number]) {
      const e = await rejection(client.record([out], { frames: 10, startAt }), String(startAt));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain('record: startAt must be a JACK frame time');
    }
    const e = await rejection(client.record([out], { frames: 10, start: 5 } as never));
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'record: unknown option "start" (known: frames, seconds, startAt)']);
  });
});
