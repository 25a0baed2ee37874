/**
 * Client.meter and Client.scope: levels and sample windows measured from
 * the audio thread. A one-period buffer looped into a gain module at gain 1
 * (test/abi/gain.wat) gives every cycle the same peak and RMS; the probe
 * (test/abi/probe.wat) counts frames, so a scope window shows whether its
 * samples are the latest and contiguous.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type DspModule, type MeterReading, type ScopeWindow, type Server } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { startServer, uniqueName, until } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let gain: DspModule;
let probe: DspModule;
const stopLoop = new AbortController();
let looping: Promise<unknown>;
const N = 128;
// One period of a signal: every cycle holds a rotation of it, so each cycle has its peak and RMS.
const x = Float32Array.from({ length: N }, (_, i) => Math.fround(0.6 * Math.sin((2 * Math.PI * i) / N) + 0.1 * ((i % 3) - 1)));
const peakX = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const rmsX = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / N);
useTempCache('meter');

beforeAll(async () => {
  server = await startServer('meter', { period: N });
  client = await Client.open(uniqueName('meter'), { serverName: server.name });
  client.activate();
  gain = await client.load(await wat('gain'), { name: 'gain' });
  probe = await client.load(await wat('probe'), { name: 'probe' });
  await until(() => gain.cycles > 2, 10000, 'cycles');
  looping = client.play([gain.inputs[0]!], [x], { loop: true, signal: stopLoop.signal });
  await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  stopLoop.abort();
  await looping;
  await client?.close();
  await server?.stop();
});

describe('meter', () => {
  it('reports the peak and RMS of each port at every interval', async () => {
    const meter = client.meter([gain.outputs[0]!, probe.outputs[1]!], { intervalMs: 20 });
    const readings: MeterReading[] = [];
    meter.on('level', (r: MeterReading) => readings.push(r));
    await until(() => readings.length >= 5, 5000, 'five readings');
    meter.close();
    for (const r of readings.slice(1)) {
      expect(r.frames % N).toBe(0);
      expect(r.peak[0]).toBe(peakX);
      expect(r.rms[0]).toBeCloseTo(rmsX, 6);
      // The probe's output 1 is its "value" parameter, 0.25, in every sample.
      expect([r.peak[1], r.rms[1]]).toEqual([0.25, 0.25]);
    }
    // Readings follow on: each starts where the one before ended.
    for (let i = 2; i < readings.length; i++) expect(readings[i]!.frame).toBe((readings[i - 1]!.frame + readings[i - 1]!.frames) >>> 0);
    expect(meter.last).toBe(readings[readings.length - 1]);
    expect(meter.lostFrames).toBe(0);
    await until(() => client.getPorts({ namePattern: `^${client.name}:meter_` }).length === 0, 5000, 'the ports to go');
  });

  it('counts the cycles dropped while JS was busy, and goes on', async () => {
    const meter = client.meter(gain.outputs[0]!, { intervalMs: 20 });
    await once(meter, 'level');
    // JS blocked until the audio thread has run longer than the meter's ring
    // holds (one to two seconds of cycles): counted in frames, not wall time, so a
    // loaded machine whose server runs slow still fills it.
    const f0 = client.lastFrameTime;
    const t = Date.now();
    while (((client.lastFrameTime - f0) >>> 0) < 3 * client.sampleRate && Date.now() - t < 15000);
    // The loss is reported with the first cycle the audio thread could write again.
    await until(() => meter.lostFrames > 0, 5000, 'the lost cycles to be reported');
    const [after] = (await once(meter, 'level')) as [MeterReading];
    meter.close();
    expect(meter.lostFrames % N).toBe(0);
    expect(after.peak[0]).toBe(peakX);
  });
});

describe('scope', () => {
  it('gives the latest window of contiguous samples, stamped with its first frame', async () => {
    const scope = client.scope(probe.outputs[0]!, { frames: 1000, intervalMs: 20 });
    const [w] = (await once(scope, 'window')) as [ScopeWindow];
    const counts = w.channels[0]!;
    expect(counts).toHaveLength(1000);
    // The probe counts frames: one more per sample, so the window has no gap and no repeat.
    expect(counts.every((v, i) => i === 0 || v === counts[i - 1]! + 1)).toBe(true);
    // Stamped right: the probe's count and the frame time move together.
    const [w2] = (await once(scope, 'window')) as [ScopeWindow];
    expect(w2.channels[0]![0]! - counts[0]!).toBe((w2.frame - w.frame) >>> 0);
    expect(w2.frame).not.toBe(w.frame);
    expect(scope.latest().channels[0]).toHaveLength(1000);
    scope.close();
    expect(scope.open).toBe(false);
  });

  it('closes with its client', async () => {
    const other = await Client.open(uniqueName('meter-closing'), { serverName: server.name });
    other.activate();
    const scope = other.scope(probe.outputs[0]!);
    const closed = once(scope, 'close');
    await other.close();
    await closed;
    expect(scope.open).toBe(false);
  });

  it('refuses input ports and bad options', () => {
    expect(errorOf(() => client.meter(gain.inputs[0]!)).message).toBe(`meter: "${gain.inputs[0]!.name}" is an input port; listen to output ports`);
    expect(errorOf(() => client.meter(gain.outputs[0]!, { intervalMs: 1 })).message).toBe('meter: intervalMs must be from 5 to 10000, got 1');
    expect(errorOf(() => client.scope(gain.outputs[0]!, { frames: 8 })).message).toBe('scope: frames must be an integer from 16 to 2^20, got 8');
    expect(errorOf(() => client.scope(gain.outputs[0]!, { frame: 8 } as never)).message).toBe('scope: unknown option "frame" (known: frames, intervalMs)');
    expect(errorOf(() => client.meter([])).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => client.meter('nobody:here')).code).toBe('NO_SUCH_PORT');
  });
});
