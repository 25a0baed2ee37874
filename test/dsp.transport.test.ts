/**
 * Transport and tempo into modules (jw_transport): the host writes the
 * transport state, frame, and with a timebase master bar/beat/tempo at each
 * block's first sample, live and in render({ transport }); the SDK's
 * tempo-synced delay (examples/dsp/tempo-delay.ts) follows the tempo.
 *
 * Modules: test/abi/transport-probe.wat (outputs frame, bpm, beatInBar and
 * state*10+flags per block), probe.wat (a step source), the example.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, compile, render, type CompiledModule, type Server } from '../host/index.js';
import { frameAhead, startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let tprobe: CompiledModule;
let probe: CompiledModule;
const delay = fileURLToPath(new URL('../build/examples/tempo-delay.wasm', import.meta.url));
useTempCache('transport');

beforeAll(async () => {
  tprobe = await compile(await wat('transport-probe'), { name: 'transport-probe' });
  probe = await compile(await wat('probe'), { name: 'probe' });
  server = await startServer('transport');
  client = await Client.open(uniqueName('transport'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  client?.transportStop();
  await client?.close();
  await server?.stop();
});

/** Beats since the bar start at `frame` for a constant tempo from frame 0 (the native timebase master's rule). */
function beatInBar(frame: number, bpm: number, beatsPerBar = 4, rate = 48000): number {
  const beats = (frame * bpm) / (60 * rate);
  return beats - Math.floor(beats / beatsPerBar) * beatsPerBar;
}

describe('transport in render()', () => {
  it('gives each block its frame, tempo and position when rolling at a tempo', async () => {
    const [frame, bpm, beat, st] = (await render(tprobe, { frames: 48000, blockSize: 256, transport: { bpm: 90, beatsPerBar: 3 } })) as Float32Array[];
    for (let b = 0; b < 48000; b += 256) {
      expect(frame![Math.min(b + 255, 47999)]).toBe(b);
      expect(bpm![b]).toBe(90);
      expect(beat![b]).toBeCloseTo(beatInBar(b, 90, 3), 5);
      expect(st![b]).toBe(13); // rolling, valid + tempo
    }
  });

  it('gives a stopped transport without a tempo by default', async () => {
    const [frame, bpm, , st] = (await render(tprobe, { frames: 1024, blockSize: 256 })) as Float32Array[];
    expect([...new Set(frame)]).toEqual([0]);
    expect([...new Set(bpm)]).toEqual([0]);
    expect([...new Set(st)]).toEqual([1]); // stopped, valid, no tempo
  });

  it('rejects a bad tempo', async () => {
    await expect(render(tprobe, { frames: 64, transport: { bpm: -1 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/render: transport: bpm must be a positive finite number/) });
    await expect(render(tprobe, { frames: 64, transport: { tempo: 3 } as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('transport live', () => {
  it('gives every block (several per cycle) the frame and the position of the native timebase master, and its tempo changes', async () => {
    client.transportFrame = 0;
    client.transportStart();
    let trial = 0;
    try {
      await until(() => client.transportQuery().state === 'rolling', 5000, 'rolling');
      // An xrun skips frames: the frame-by-frame expectations hold only without one.
      await withoutXruns(async () => {
        client.setTimebase({ bpm: 120 });
        const m = await client.load(tprobe, { name: `tp${trial++}`, maxFrames: 64 });
        try {
          const recording = client.record([...m.outputs], { frames: 24000 });
          await new Promise((r) => setTimeout(r, 150));
          client.setTimebase({ bpm: 90 });
          const rec = await recording;
          if (rec.discontinuities.length) return 'xrun';
          const [frame, bpm, beat, st] = rec.channels as Float32Array[];
          let changes = 0;
          for (let i = 0; i + 64 <= frame!.length; i += 64) {
            if (i > 0 && bpm![i] !== bpm![i - 1]) changes++;
            expect(st![i]).toBe(13);
            if (i > 0) expect(frame![i]! - frame![i - 64]!, `block at ${i}`).toBe(64);
            expect(beat![i], `block at ${i}`).toBeCloseTo(beatInBar(frame![i]!, bpm![i]!), 4);
          }
          expect(bpm![0]).toBe(120);
          expect(bpm![frame!.length - 1]).toBe(90);
          expect(changes).toBe(1);
        } finally {
          await m.unload();
        }
      });
    } finally {
      client.transportStop();
    }
  });
});

describe('the tempo-synced delay example', () => {
  const impulse = Float32Array.from({ length: 30000 }, (_, i) => (i === 0 ? 1 : 0));
  const echoAt = async (options: object) => {
    const [l] = (await render(delay, { frames: 30000, blockSize: 256, inputs: [impulse, impulse], params: { mix: 1, feedback: 0 }, ...options })) as Float32Array[];
    return [...l!.keys()].filter((i) => l![i] !== 0);
  };

  it('echoes after the note value at the transport tempo, else at its bpm parameter', async () => {
    expect(await echoAt({ transport: { bpm: 120 } })).toEqual([12000]); // 1/8 at 120 bpm
    expect(await echoAt({ transport: { bpm: 150 } })).toEqual([9600]);
    expect(await echoAt({ transport: { bpm: 120 }, params: { mix: 1, feedback: 0, division: 2 } })).toEqual([18000]); // dotted 1/8
    expect(await echoAt({})).toEqual([12000]); // no tempo: the bpm parameter, 120
    expect(await echoAt({ params: { mix: 1, feedback: 0, bpm: 100 } })).toEqual([14400]);
  });

  it('follows a tempo change of the native timebase master live', async () => {
    client.setTimebase({ bpm: 120 });
    client.transportStart();
    await until(() => client.transportQuery().state === 'rolling', 5000, 'rolling');
    const src = await client.load(probe, { name: 'step' }); // out 1: its "value", 0.25 at first
    const fx = await client.load(delay, { name: 'td', params: { mix: 1, feedback: 0 } });
    try {
      src.setParam('value', 0);
      client.connect(src.outputs[1]!, fx.inputs[0]!);
      await new Promise((r) => setTimeout(r, 100));
      const t0 = frameAhead(client);
      const recording = client.record([src.outputs[1]!, fx.outputs[0]!], { frames: 72000, startAt: t0 });
      const up = t0 + 8 * client.blockSize;
      src.setParam('value', 1, { frame: up });
      await until(() => client.lastFrameTime > up + 13000, 5000, 'the first echo');
      client.setTimebase({ bpm: 150 });
      await until(() => client.transportQuery().position.beatsPerMinute === 150, 5000, 'the new tempo');
      await new Promise((r) => setTimeout(r, 30));
      const down = client.lastFrameTime + 8 * client.blockSize;
      src.setParam('value', 0, { frame: down });
      const rec = await recording;
      const [input, out] = rec.channels as Float32Array[];
      const steps = (x: Float32Array) => [...x.keys()].filter((i) => i > 0 && x[i] !== x[i - 1]);
      const [i0, i1] = steps(input!) as [number, number];
      // On the frames asked for (frame time mapped through any xrun's skip).
      expect([i0, i1]).toEqual([rec.indexOf(up), rec.indexOf(down)]);
      // The delay in samples, whatever the frame times: 1/8 at 120 bpm, then at 150.
      expect(steps(out!)).toEqual([i0 + 12000, i1 + 9600]);
    } finally {
      await fx.unload();
      await src.unload();
      client.transportStop();
    }
  });
});
