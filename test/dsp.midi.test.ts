/**
 * MIDI into modules: from JS with sendMidi (next cycle, or sample-exact with
 * { frame }), from a JACK MIDI port (another module's jw_host.midi_out), and
 * offline with render({ midi }) — the same delivery in every path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, render, type Server } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { frameAhead, startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let probe: Uint8Array;

useTempCache('midi');

beforeAll(async () => {
  probe = await wat('midi-probe');
  server = await startServer('midi', { period: 128 });
  client = await Client.open(uniqueName('midi'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('sendMidi', () => {
  it('delivers a timed message on exactly the requested frame', () =>
    withoutXruns(async () => {
      const m = await client.load(probe, { name: 'mp1' });
      expect(m.midiInput?.name).toBe(`${client.name}:mp1_midi_in`);
      const t0 = frameAhead(client);
      const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000, startAt: t0 });
      const at = t0 + 11 * 128 + 45;
      m.sendMidi([0x90, 64, 100], { frame: at });
      m.sendMidi([0x80, 67, 0], { frame: at + 200 }); // next cycle, still exact
      const rec = await recording;
      if (rec.discontinuities.length) {
        await m.unload();
        return 'xrun';
      }
      const { channels } = rec;
      const [note, count] = channels as [Float32Array, Float32Array];
      const k = rec.indexOf(at);
      expect(k, `frame ${at} in a recording from ${rec.startFrame}, discontinuities ${JSON.stringify(rec.discontinuities)}`).toBeGreaterThan(0);
      expect([note[k - 1], note[k], note[k + 199], note[k + 200]]).toEqual([0, 64, 64, 67]);
      expect([count[k - 1], count[k], count[k + 200]]).toEqual([0, 1, 2]);
      await m.unload();
    }));

  it('delivers untimed messages at the start of the next cycle, in order', async () => {
    const m = await client.load(probe, { name: 'mp2' });
    const t0 = frameAhead(client);
    const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000, startAt: t0 });
    await until(() => client.lastFrameTime > t0, 10000, 'the recording to run');
    const before = client.lastFrameTime;
    m.sendMidi([0x90, 50, 1]);
    m.sendMidi([0x90, 51, 1]);
    m.sendMidi([0x90, 52, 1]);
    const after = client.lastFrameTime;
    const rec = await recording;
    const { channels } = rec;
    const [note, count] = channels as [Float32Array, Float32Array];
    const k = count.findIndex((c) => c > 0);
    expect((rec.frameOf(k) - before) % 128).toBe(0); // a cycle start
    // A cycle that started after sending: after the cycle current before
    // sending, and at most the one after the next (lastFrameTime may be one
    // cycle stale).
    expect(rec.frameOf(k) - before).toBeGreaterThanOrEqual(128);
    expect(rec.frameOf(k) - after).toBeLessThanOrEqual(256);
    expect(count[k]).toBe(3); // all three at offset 0, applied in order
    expect(note[k]).toBe(52);
    await m.unload();
  });

  it('merges port MIDI (from another module) and JS MIDI in time order', async () => {
    const src = await client.load(await wat('midisrc'), { name: 'src' });
    const m = await client.load(probe, { name: 'mp3' });
    client.connect(src.midiOutput!, m.midiInput!);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = frameAhead(client);
    const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000, startAt: t0 });
    src.setParam('send', 1, { frame: t0 + 128 }); // midisrc sends note 60 at frame 0 of the block
    m.sendMidi([0x90, 72, 1], { frame: t0 + 20 * 128 + 10 });
    const { channels } = await recording;
    const [note, count] = channels as [Float32Array, Float32Array];
    const first = count.findIndex((c) => c === 1);
    const second = count.findIndex((c) => c === 2);
    expect(note[first]).toBe(60);
    expect(note[second]).toBe(72);
    expect(second).toBeGreaterThan(first);
    await m.unload();
    await src.unload();
  });

  it('puts port MIDI before JS MIDI at equal frames, within one block', () =>
    withoutXruns(async () => {
      const src = await client.load(await wat('midisrc'), { name: 'src' });
      const m = await client.load(probe, { name: 'mp3' });
      client.connect(src.midiOutput!, m.midiInput!);
      await new Promise((r) => setTimeout(r, 30));
      const t0 = frameAhead(client);
      const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000, startAt: t0 });
      // midisrc sends note 60 at offset 0 of the block where "send" becomes 1:
      // time that to frame F (a block start), and JS events around it.
      const F = t0 + 12 * 128;
      src.setParam('send', 1, { frame: F });
      m.sendMidi([0x90, 71, 1], { frame: F - 3 });
      m.sendMidi([0x90, 72, 1], { frame: F }); // same frame as the port event: after it
      m.sendMidi([0x90, 73, 1], { frame: F + 3 });
      const rec = await recording;
      if (rec.discontinuities.length) {
        await m.unload();
        await src.unload();
        return 'xrun';
      }
      const { channels } = rec;
      const [note, count] = channels as [Float32Array, Float32Array];
      const k = rec.indexOf(F);
      expect(k).toBeGreaterThan(3);
      expect(k + 3).toBeLessThan(note.length);
      expect([note[k - 3], note[k], note[k + 3]]).toEqual([71, 72, 73]);
      expect([count[k - 4], count[k - 3], count[k], count[k + 3]]).toEqual([0, 1, 3, 4]);
      await m.unload();
      await src.unload();
    }));

  it('puts jw_host.midi_out from jw_midi on the frame of the event when a block is split before it', () =>
    withoutXruns(async () => {
      // Before: the block offset of the MIDI output was set only for jw_process,
      // so an echo from jw_midi in a split block landed at the previous block's
      // offset (an echo sent at 10 arrived at 202).
      const echo = await client.load(await wat('midi-echo'), { name: 'echo' });
      const m = await client.load(probe, { name: 'mp5' });
      client.connect(echo.midiOutput!, m.midiInput!);
      await new Promise((r) => setTimeout(r, 30));
      const t0 = frameAhead(client);
      const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000, startAt: t0 });
      const F = t0 + 12 * 128 + 70;
      echo.setParam('split', 1, { frame: F - 60 }); // the block containing F starts at F - 60
      echo.sendMidi([0x90, 40, 1], { frame: F });
      echo.setParam('split', 0, { frame: F + 200 }); // and one in the next cycle, past its first block
      echo.sendMidi([0x90, 50, 1], { frame: F + 230 });
      const rec = await recording;
      if (rec.discontinuities.length) {
        await m.unload();
        await echo.unload();
        return 'xrun';
      }
      const { channels } = rec;
      const [note, count] = channels as [Float32Array, Float32Array];
      const k = rec.indexOf(F);
      expect([note[k - 1], note[k], count[k]]).toEqual([0, 41, 1]);
      expect([note[k + 229], note[k + 230], count[k + 230]]).toEqual([41, 51, 2]);
      await m.unload();
      await echo.unload();
    }));

  it('rejects bad messages and modules without MIDI', async () => {
    const m = await client.load(probe, { name: 'mp4' });
    // Includes array-likes whose length would make Array.from throw a RangeError.
    const huge = { length: 2 ** 32 } as ArrayLike<number>;
    const negative = { length: -1 } as ArrayLike<number>;
    for (const bytes of [[], [0x40, 1], [0x90, 200, 1], [0x90, 60, 100, 1], huge, negative, null as unknown as number[]]) {
      const err = errorOf(() => m.sendMidi(bytes));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain('status byte');
    }
    expect(errorOf(() => m.sendMidi([0x90, 60, 1], { frame: -5 })).message).toContain('frame');
    await m.unload();
    const noMidi = await client.load(await wat('gain'), { name: 'nomidi' });
    expect(errorOf(() => noMidi.sendMidi([0x90, 60, 1])).message).toContain('takes no MIDI');
    await noMidi.unload();
    expect(errorOf(() => m.sendMidi([0x90, 60, 1])).code).toBe('MODULE_UNLOADED');
  });
});

describe('offline MIDI', () => {
  it('applies render({ midi }) events on their exact frames across blocks', async () => {
    const [note, count] = await render(probe, {
      blockSize: 64,
      frames: 400,
      midi: [
        { frame: 70, bytes: [0x90, 61, 1] },
        { frame: 70, bytes: [0x90, 62, 1] },
        { frame: 300, bytes: [0x80, 63] },
      ],
    });
    expect([note![69], note![70], note![299], note![300]]).toEqual([0, 62, 62, 63]);
    expect([count![69], count![70], count![300]]).toEqual([0, 2, 3]);
  });
});

describe('queue sizes', () => {
  it('delivers every one of 3000 timed messages with queueSize 4096, and none is dropped', async () => {
    const m = await client.load(probe, { name: 'many', queueSize: 4096 });
    try {
      const t0 = client.lastFrameTime + 10 * client.blockSize;
      for (let i = 0; i < 3000; i++) m.sendMidi([0x90, i % 128, 100], { frame: t0 + 8 * i });
      const end = t0 + 8 * 3000;
      await until(() => client.lastFrameTime > end + 2 * client.blockSize, 10000, 'the last message is past');
      const rec = await client.record([m.outputs[1]!], { frames: 256 });
      expect(rec.channels[0]![0]).toBe(3000);
      expect(m.overflow).toEqual({ midiIn: 0, earlyParams: 0 });
    } finally {
      await m.unload();
    }
  });

  it('refuses the message past queueSize with QUEUE_FULL, and takes more once earlier ones are due', async () => {
    const m = await client.load(probe, { name: 'full', queueSize: 16 });
    try {
      const t0 = client.lastFrameTime + 20 * client.blockSize;
      for (let i = 0; i < 16; i++) m.sendMidi([0x90, 60, 100], { frame: t0 + i });
      const e = errorOf(() => m.sendMidi([0x90, 61, 100], { frame: t0 + 100 }));
      expect(e.code).toBe('QUEUE_FULL');
      expect(e.message).toBe('sendMidi(full): 16 MIDI messages are already waiting for their frames (load option queueSize)');
      expect(() => m.sendMidi([0x90, 62, 100])).toThrow(/16 MIDI messages are already waiting/); // untimed ones count too
      await until(() => client.lastFrameTime > t0 + 16, 10000, 'the queued messages are due');
      m.sendMidi([0x90, 63, 100]);
      await new Promise((r) => setTimeout(r, 60));
      const rec = await client.record([m.outputs[1]!], { frames: 128 });
      expect(rec.channels[0]![0]).toBe(17);
      expect(m.overflow.midiIn).toBe(0);
    } finally {
      await m.unload();
    }
  });

  it('rejects a queueSize out of range', async () => {
    for (const queueSize of [0, 15, 65537, 1.5]) {
      await expect(client.load(probe, { name: 'qs', queueSize })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});
