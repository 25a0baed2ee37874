/**
 * Client.process: PyJack's exchange of one period each way. The test client
 * sends blocks out of its own port out_1 through a gain module at gain 1
 * (test/abi/gain.wat) back into its own port in_1, so every block comes back
 * bit-exact a fixed number of calls later. Falling behind gives PyJack's
 * sync errors as INPUT_SYNC / OUTPUT_SYNC, with exact counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type JackError, type DspModule, type OwnPort, type Server } from '../host/index.js';
import { errorOf, rejection } from './helpers/errors.js';
import { sleep, startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let gain: DspModule;
let N: number;
useTempCache('process');

beforeAll(async () => {
  server = await startServer('process', { period: 256 });
  client = await Client.open(uniqueName('process'), { serverName: server.name });
  const inPort = client.inports.register('in_1');
  const outPort = client.outports.register('out_1');
  client.activate();
  gain = await client.load(await wat('gain'), { name: 'gain' });
  client.connect(outPort, gain.inputs[0] as OwnPort);
  client.connect(gain.outputs[0] as OwnPort, inPort);
  N = client.blockSize;
  await until(() => gain.cycles > 2, 10000, 'cycles');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** Block k of the test signal: no zero in it, and unlike any other block. */
const block = (k: number) => Float32Array.from({ length: N }, (_, i) => Math.fround(k + 1 + i / 1024));

/** Calls process() until a call goes through cleanly (after a pause the first ones report the pause); returns its frame. */
async function steady(opts: { bufferBlocks: number; latencyBlocks?: number }): Promise<number> {
  const input = new Float32Array(N);
  for (let i = 0; i < 2 * opts.bufferBlocks + 20; i++) {
    try {
      return (await client.process([block(1000)], [input], opts)).frame;
    } catch (err) {
      if (!['INPUT_SYNC', 'OUTPUT_SYNC'].includes((err as JackError).code)) throw err;
    }
  }
  throw new Error('process() never went through cleanly');
}

describe('process', () => {
  it('exchanges one period each way: what goes out comes back bit-exact, in order', () =>
    // A trial the loaded machine made late by a cycle (a sync error) is tried again.
    withoutXruns(async () => {
      // Rationale for the slack: on a loaded CI machine a JS stall of two periods made every try
      // of 8 fail with latencyBlocks 2; with 6 periods of output ahead and 16 of input kept,
      // what is checked (bit-exact, in order, no gap) is the same.
      const opts = { bufferBlocks: 16, latencyBlocks: 6 };
      await steady(opts);
      const before = client.processStats;
      const got: Float32Array[] = [];
      const frames: number[] = [];
      for (let k = 0; k < 40; k++) {
        const input = new Float32Array(N);
        try {
          frames.push((await client.process([block(k)], [input], opts)).frame);
        } catch (err) {
          if (['INPUT_SYNC', 'OUTPUT_SYNC'].includes((err as JackError).code)) return 'xrun';
          throw err;
        }
        got.push(input);
      }
      // Consecutive periods of input, without a gap (a jump of frame time is the driver skipping: try again).
      if (!frames.slice(1).every((f, i) => f === ((frames[i]! + N) >>> 0))) return 'xrun';
      // The first block sent shows up whole after a fixed delay, and every later one follows it.
      const d = got.findIndex((x) => x[0] === 1);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(12); // the output runs latencyBlocks (6) ahead, plus the hand-over
      for (let k = 0; k + d < 40; k++) expect(got[k + d]).toEqual(block(k));
      const after = client.processStats;
      expect(after.blocks - before.blocks).toBe(40);
      expect([after.inputSyncErrors, after.outputSyncErrors]).toEqual([before.inputSyncErrors, before.outputSyncErrors]);
    }, 12));

  it('rejects with INPUT_SYNC after falling behind, still filling the input, and counts the frames dropped exactly', async () => {
    // Rationale for the retry: see withoutXruns.
    await withoutXruns(async () => {
      let xruns = 0;
      const onXrun = () => xruns++;
      client.on('xrun', onXrun);
      try {
        const input = new Float32Array(N);
        const opts = { bufferBlocks: 4 };
        let last = await steady(opts);
        const before = client.processStats;
        await sleep(200); // far more than 4 periods: the ring fills, later cycles are dropped
        // The 4 cycles the ring kept come first (with OUTPUT_SYNC: the output ran dry meanwhile);
        // the block after them says what was dropped before it.
        let e: JackError | undefined;
        let kept = 0;
        for (let k = 1; k <= 8 && e?.code !== 'INPUT_SYNC'; k++) {
          if (k > 1) kept++;
          e = undefined;
          try {
            last = (await client.process([block(k)], [input], opts)).frame;
          } catch (err) {
            e = err as JackError;
            if (e.code === 'OUTPUT_SYNC') last = e.sync!.frame;
          }
        }
        // A skipped cycle (an xrun) moves the frame time without a cycle to drop: not countable.
        if (xruns) return 'xrun';
        expect(e?.code).toBe('INPUT_SYNC');
        expect(kept).toBe(4); // exactly bufferBlocks cycles were kept (the ring itself is a power of two)
        expect(e!.message).toBe(`process: ${e!.sync!.inputLostFrames} frames of input were dropped before the block at frame ${e!.sync!.frame} (the script fell more than the buffered cycles behind); the input arrays hold that block`);
        const { frame, inputLostFrames: lost } = e!.sync!;
        // Exactly the frames between the last block given and this one, whole cycles of them.
        expect(lost).toBe(((frame - last) >>> 0) - N);
        expect(lost % N).toBe(0);
        expect(lost).toBeGreaterThan(0.1 * client.sampleRate);
        expect(input.some((v) => v !== 0)).toBe(true); // the input arrays hold that block
        const after = client.processStats;
        expect(after.inputSyncErrors - before.inputSyncErrors).toBe(1);
        expect(after.inputLostFrames - before.inputLostFrames).toBe(lost);
        // The next call goes on from the block given with the error.
        const next = await client.process([block(9)], [input], opts).catch((err: JackError) => err.sync!);
        expect(next.frame).toBe((frame + N) >>> 0);
      } finally {
        client.off('xrun', onXrun);
        await client.endProcess();
      }
    });
  });

  it('rejects with OUTPUT_SYNC when output comes late, and counts the silence played exactly', async () => {
    const input = new Float32Array(N);
    const opts = { bufferBlocks: 256 }; // input is kept: only the output runs dry
    await steady(opts);
    const before = client.processStats;
    await sleep(100);
    const e = await rejection(client.process([block(2)], [input], opts));
    expect(e.code).toBe('OUTPUT_SYNC');
    const silent = e.sync!.outputUnderrunFrames;
    expect(e.message).toBe(`process: ${silent} frames of output were played as silence (the block came too late); the input arrays hold the block at frame ${e.sync!.frame}`);
    expect(silent).toBeGreaterThan(0.05 * client.sampleRate);
    expect(client.processStats.outputUnderrunFrames - before.outputUnderrunFrames).toBe(silent);
    expect(client.processStats.outputSyncErrors - before.outputSyncErrors).toBe(1);
  });

  it('keeps its ports in use until endProcess(): unregistering one is refused', async () => {
    await steady({ bufferBlocks: 8 });
    const port = client.inports.get('in_1')!;
    const e = errorOf(() => port.unregister());
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', `OwnPort.unregister: "${client.name}:in_1" is in use by a DSP module, a playback, a stream, a meter or process(); unload or end that first`]);
    await client.endProcess();
    // Free again: a spare port registered and unregistered after use shows it.
    const spare = client.inports.register('spare');
    const input = [new Float32Array(N), new Float32Array(N)];
    await client.process([block(0)], input, { inputPorts: ['in_1', 'spare'] }).catch((err: JackError) => err.sync);
    expect(errorOf(() => spare.unregister()).code).toBe('INVALID_ARGUMENT');
    await client.endProcess();
    spare.unregister();
    expect(client.inports.get('spare')).toBeUndefined();
  });

  it('refuses arrays that do not match the ports or the period, and overlapping calls', async () => {
    const ok = () => [new Float32Array(N)];
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => client.process([], ok()), 'INVALID_ARGUMENT', `process: 0 output arrays for 1 output ports (${client.name}:out_1)`],
      [() => client.process(ok(), [...ok(), ...ok()]), 'INVALID_ARGUMENT', `process: 2 input arrays for 1 input ports (${client.name}:in_1)`],
      [() => client.process([new Float32Array(N + 1)], ok()), 'INVALID_ARGUMENT', `process: every array must hold one period (${N} frames), got ${N + 1}`],
      [() => client.process([new Float64Array(N) as unknown as Float32Array], ok()), 'INVALID_ARGUMENT', 'process: outputs must be an array of Float32Arrays (one per output port)'],
      [() => client.process(ok(), ok(), { inputPorts: ['nope'] }), 'NO_SUCH_PORT', `process: client "${client.name}" has no port named "nope"`],
      [() => client.process(ok(), ok(), { inputPorts: ['out_1'] }), 'DIRECTION_MISMATCH', `process: "${client.name}:out_1" is not an audio input port of this client`],
      [() => client.process(ok(), ok(), { bufferBlocks: 1 }), 'INVALID_ARGUMENT', 'process: bufferBlocks must be an integer from 2 to 1024, got 1'],
    ];
    for (const [f, code, message] of cases) {
      const e = await rejection(f());
      expect([e.code, e.message]).toEqual([code, message]);
    }
    const first = client.process(ok(), ok());
    const e = await rejection(client.process(ok(), ok()));
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'process: the previous call has not finished (await each call before the next)']);
    await first;
  });
});
