/**
 * The arpeggiator example (examples/dsp/arp.ts) live: the chord held on its
 * MIDI input comes out of its MIDI output one note per step, on exact frames
 * at the tempo, in the pattern asked for, and drives the poly synth.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type DspModule, type Server } from '../host/index.js';
import { frameAhead, startServer, uniqueName } from './helpers/jack.js';
import { wat } from './helpers/wat.js';

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

/**
 * Holds `chord` on the arp from a known frame and returns its MIDI output for
 * `frames` frames: [samples after the chord frame, bytes]. Rationale: the
 * output goes through midi-bytes.wat into a recording, so the steps are
 * counted in the modules' samples; JACK frame times skip on an xrun (the
 * dummy driver under load), the samples do not.
 */
async function play(arp: DspModule, chord: number[], frames: number): Promise<{ at: number; out: [number, number[]][] }> {
  const probe = await client.load(await wat('midi-bytes'), { name: `bytes_${arp.name}` });
  try {
    client.connect(arp.midiOutput!, probe.midiInput!);
    const t0 = frameAhead(client, 0.4);
    const at = t0 + 2 * client.blockSize + 17;
    const recording = client.record([probe.outputs[0]!, probe.outputs[1]!], { frames: frames + 4 * client.blockSize, startAt: t0 });
    for (const n of chord) arp.sendMidi([0x90, n, 100], { frame: at });
    const rec = await recording;
    const [bytes, count] = rec.channels as [Float32Array, Float32Array];
    const k = rec.indexOf(at);
    expect(k, `the chord frame ${at} in the recording`).toBeGreaterThan(0);
    const out: [number, number[]][] = [];
    for (let i = 1; i < count.length; i++) {
      const d = (count[i] as number) - (count[i - 1] as number);
      if (d === 0) continue;
      expect(d, `one message per sample (at ${i})`).toBe(1);
      const b = bytes[i] as number;
      out.push([i - k, [b >> 16, (b >> 8) & 0xff, b & 0xff]]);
    }
    return { at: 0, out: out.filter(([f]) => f < frames) };
  } finally {
    await probe.unload();
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
