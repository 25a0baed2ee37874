/**
 * Faust programs live: a polyphonic Faust instrument loaded on a client plays
 * MIDI sent at exact frames, sample for sample as it renders offline;
 * parameters and swaps work as for any module.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, render, type Server } from '../host/index.js';
import { frameAhead, startServer, uniqueName, withoutXruns } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';

let server: Server;
let client: Client;
const dsp = (name: string) => join(import.meta.dirname, 'faust', name);

useTempCache('faust-live');

beforeAll(async () => {
  server = await startServer('faust', { period: 128 });
  client = await Client.open(uniqueName('faust'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('a Faust poly synth live', () => {
  it('plays MIDI sent at exact frames as it renders offline, sample for sample', async () => {
    const m = await client.load(dsp('poly.dsp'), { name: 'fpoly' });
    expect(m.midiInput?.name).toBe(`${client.name}:fpoly_midi_in`);
    expect(m.params.map((p) => p.id)).toEqual(['volume']);
    const notes: [number, number[]][] = [[100, [0x90, 60, 100]], [1000, [0x90, 64, 80]], [1777, [0x90, 67, 127]], [5000, [0x80, 60, 0]], [6000, [0xb0, 7, 64]], [9000, [0x80, 64, 0]]];
    await withoutXruns(async () => {
      await m.reset(); // every try starts from silence
      const t0 = frameAhead(client, 0.5);
      const recording = client.record([m.outputs[0]!], { frames: 12000, startAt: t0 });
      for (const [at, bytes] of notes) m.sendMidi(bytes, { frame: t0 + at });
      const rec = await recording;
      if (rec.discontinuities.length) return 'xrun';
      const expected = (await render(dsp('poly.dsp'), { frames: 12000, sampleRate: client.sampleRate, blockSize: 128, midi: notes.map(([frame, bytes]) => ({ frame, bytes })) }))[0]!;
      const got = rec.channels[0]!;
      let first = -1;
      for (let i = 0; i < expected.length && first < 0; i++) if (!Object.is(got[i], expected[i])) first = i;
      expect(first).toBe(-1);
      expect(Math.max(...got.map(Math.abs))).toBeGreaterThan(0.5);
    });
    await m.unload();
  }, 240_000); // the first load compiles the program

  it('sets a Faust control as a parameter, and swaps to another Faust program', async () => {
    const m = await client.load(dsp('osc.dsp'), { name: 'fosc' });
    expect(m.params.map((p) => [p.id, p.min, p.max, p.default, p.unit])).toEqual([['freq', 20, 2000, 440, 'Hz'], ['gain', 0, 1, 0.5, '']]);
    m.setParam('gain', 0.25);
    await withoutXruns(async () => {
      const rec = await client.record([m.outputs[0]!], { frames: 4800, startAt: frameAhead(client) });
      if (rec.discontinuities.length) return 'xrun';
      expect(Math.max(...rec.channels[0]!)).toBeCloseTo(0.25, 3);
    });
    const report = await m.swap(dsp('zita.dsp'), { crossfadeMs: 0 });
    expect(m.params.map((p) => p.id)).toContain('Wet_Dry_Mix');
    expect(m.outputs.length).toBe(2);
    expect(m.inputs.length).toBe(2);
    expect([report.crossfadeFrames, typeof report.frame]).toEqual([0, 'number']);
    await m.unload();
  }, 240_000);
});
