/**
 * The arpeggiator example (examples/dsp/arp.ts) live: the chord held on its
 * MIDI input comes out of its MIDI output one note per step, on exact frames
 * at the tempo, in the pattern asked for, and drives the poly synth.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type DspModule, type Server } from '../host/index.js';
import { frameAhead, startServer, uniqueName, until } from './helpers/jack.js';

const example = (name: string) => fileURLToPath(new URL(`../build/examples/${name}.wasm`, import.meta.url));
let server: Server;
let client: Client;

beforeAll(async () => {
  server = await startServer('arp');
  client = await Client.open(uniqueName('arp'), { serverName: server.name });
  client.activate();
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** Holds `chord` on the arp from a known frame and collects its output for `frames` frames. */
async function play(arp: DspModule, chord: number[], frames: number): Promise<{ at: number; out: [number, number[]][] }> {
  const inp = client.midiInports.register(`listen_${arp.name}`);
  const out: [number, number[]][] = [];
  try {
    client.connect(arp.midiOutput!, inp);
    inp.on('midi', (frame, bytes) => out.push([frame, [...bytes]]));
    await new Promise((r) => setTimeout(r, 30));
    const at = frameAhead(client, 0.1);
    for (const n of chord) arp.sendMidi([0x90, n, 100], { frame: at });
    await until(() => client.lastFrameTime > at + frames, 10000, 'the arpeggio');
    await new Promise((r) => setTimeout(r, 30));
    return { at, out: out.filter(([f]) => f - at < frames) };
  } finally {
    inp.unregister();
  }
}

describe('arpeggiator example', () => {
  it('plays the held chord up, one 1/16 per step at 120 bpm, from the chord frame, with a 50% gate', async () => {
    const arp = await client.load(example('arp'), { name: 'arp1' });
    try {
      const { at, out } = await play(arp, [64, 60, 67], 6000 * 5);
      const on = out.filter(([, b]) => b[0] === 0x90).map(([f, b]) => [f - at, b[1]]);
      const off = out.filter(([, b]) => b[0] === 0x80).map(([f, b]) => [f - at, b[1]]);
      expect(on).toEqual([[0, 60], [6000, 64], [12000, 67], [18000, 60], [24000, 64]]);
      expect(off.slice(0, 4)).toEqual([[3000, 60], [9000, 64], [15000, 67], [21000, 60]]);
      expect(out.every(([, b]) => b[0] === 0x80 || b[2] === 100)).toBe(true);
    } finally {
      await arp.unload();
    }
  });

  it('plays down over two octaves at the timebase master tempo', async () => {
    const arp = await client.load(example('arp'), { name: 'arp2', params: { pattern: 1, octaves: 2, rate: 0 } });
    client.setTimebase({ bpm: 150 }); // 1/8 = 9600 frames; the transport is stopped: free-running steps
    try {
      const { out } = await play(arp, [60, 64], 9600 * 4);
      const notes = out.filter(([, b]) => b[0] === 0x90).map(([, b]) => b[1]);
      expect(notes).toEqual([76, 72, 64, 60]);
      const frames = out.filter(([, b]) => b[0] === 0x90).map(([f]) => f);
      expect(frames.slice(1).map((f, i) => f - (frames[i] as number))).toEqual([9600, 9600, 9600]);
    } finally {
      client.releaseTimebase();
      await arp.unload();
    }
  });

  it('drives the poly synth over MIDI', async () => {
    const arp = await client.load(example('arp'), { name: 'arp3' });
    const synth = await client.load(example('poly'), { name: 'arpsynth' });
    try {
      client.connect(arp.midiOutput!, synth.midiInput!);
      for (const n of [57, 60, 64]) arp.sendMidi([0x90, n, 100]);
      await new Promise((r) => setTimeout(r, 300));
      const rec = await client.record([synth.outputs[0]!], { frames: 12000 });
      expect(Math.max(...rec.channels[0]!.map(Math.abs))).toBeGreaterThan(0.01);
    } finally {
      await synth.unload();
      await arp.unload();
    }
  });
});
