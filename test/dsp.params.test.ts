/**
 * Sample-accurate parameters: setParam(id, value, { frame }) takes effect at
 * exactly that JACK frame (the engine splits the block there), and
 * render({ automation }) does the same offline, bit for bit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, render, type Server } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { startServer, uniqueName } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

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
  it('switches a parameter exactly at the requested JACK frame, inside a block', async () => {
    const m = await client.load(probe, { name: 'probe', maxFrames: 128 });
    const recording = client.record([m.outputs[1]!], { frames: 24000 });
    await new Promise((r) => setTimeout(r, 20));
    // Far enough ahead to be queued before its cycle; not on a block boundary.
    const at = client.lastFrameTime + 12 * 128 + 37;
    m.setParam('value', 7.5, { frame: at });
    const { channels, startFrame } = await recording;
    const x = channels[0]!;
    const k = at - startFrame;
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(x.length);
    expect(x[k - 1]).toBe(0.25);
    expect(x[k]).toBe(7.5);
    expect(x.subarray(0, k).every((v) => v === 0.25)).toBe(true);
    expect(x.subarray(k).every((v) => v === 7.5)).toBe(true);
    await m.unload();
  });

  it('applies several timed changes in one cycle at their frames, in order', async () => {
    const m = await client.load(probe, { name: 'probe2', maxFrames: 128 });
    const recording = client.record([m.outputs[1]!], { frames: 24000 });
    await new Promise((r) => setTimeout(r, 20));
    const base = client.lastFrameTime + 10 * 128;
    m.setParam('value', 1, { frame: base + 5 });
    m.setParam('value', 2, { frame: base + 60 });
    m.setParam('value', 3, { frame: base + 60 }); // same frame: the later call wins
    m.setParam('value', 4, { frame: base + 127 });
    const { channels, startFrame } = await recording;
    const x = channels[0]!;
    const at = (f: number) => x[f - startFrame];
    expect([at(base + 4), at(base + 5), at(base + 59), at(base + 60), at(base + 126), at(base + 127), at(base + 128)]).toEqual([0.25, 1, 1, 3, 3, 4, 4]);
    await m.unload();
  });

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

  it('matches the realtime recording of the same timed change bit for bit', async () => {
    const m = await client.load(probe, { name: 'probe5', maxFrames: 128 });
    const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000 });
    await new Promise((r) => setTimeout(r, 20));
    const at = client.lastFrameTime + 9 * 128 + 77;
    m.setParam('value', -7, { frame: at });
    const { channels, startFrame } = await recording;
    const [pos, val] = channels as [Float32Array, Float32Array];
    expect(pos.length).toBe(24000);
    // The switch happened inside the recording, so the comparison covers it.
    const k = at - startFrame;
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(val.length);
    expect([val[k - 1], val[k]]).toEqual([0.25, -7]);
    // Position of the recording in the module's own timeline.
    const first = pos[0]!;
    const switchAt = first + (at - startFrame);
    const offline = await render(probe, {
      blockSize: 128,
      frames: first + pos.length,
      automation: [{ frame: switchAt, param: 'value', value: -7 }],
    });
    expect(Array.from(offline[0]!.subarray(first))).toEqual(Array.from(pos));
    expect(Array.from(offline[1]!.subarray(first))).toEqual(Array.from(val));
    await m.unload();
  });
});
