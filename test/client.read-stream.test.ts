/**
 * Client.createReadStream: audio from the graph to JS as blocks, gapless and
 * frame-stamped, in constant memory; a reader that falls behind loses whole
 * cycles, each counted exactly (the module's frame counter shows the gap).
 * The source is test/abi/probe.wat, whose output 0 counts frames.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { Client, type AudioBlock } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { frameAhead, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { useProbeClient } from './helpers/probe-client.js';

const ctx = useProbeClient('read-stream');

describe('createReadStream', () => {
  it('gives gapless blocks of blockFrames, each stamped with the frame time of its first sample', () =>
    withoutXruns(async () => {
      const stream = ctx.client.createReadStream([ctx.out], { blockFrames: 1000 });
      const blocks: AudioBlock[] = [];
      for await (const b of stream) {
        blocks.push(b as AudioBlock);
        if (blocks.length === 20) break; // leaving the loop destroys the stream
      }
      expect(stream.destroyed).toBe(true);
      expect(stream.lostFrames).toBe(0);
      // An xrun (the dummy driver skipping frames under load) ends a block early, and the next
      // one starts at a later frame: try again (a block short for any other reason never passes).
      if (blocks.some((b, i) => b.channels[0]!.length !== 1000 || (i > 0 && b.frame - blocks[i - 1]!.frame !== 1000))) return 'xrun';
      const all = blocks.flatMap((b) => [...(b.channels[0] as Float32Array)]);
      expect(blocks.map((b) => b.channels[0]!.length)).toEqual(Array(20).fill(1000));
      // The probe counts frames: one more each sample, across every block boundary.
      expect(all.findIndex((v, i) => i > 0 && v !== (all[i - 1] as number) + 1)).toBe(-1);
      // Its ports are gone with it.
      await until(() => ctx.client.getPorts({ namePattern: `^${ctx.client.name}:stream_` }).length === 0, 5000, 'the ports to go');
    }));

  it('counts the frames lost while the reader fell behind, exactly', async () => {
    const stream = ctx.client.createReadStream([ctx.out], { blockFrames: 256, ringSeconds: 0.05, highWaterMark: 1 });
    const overruns: number[] = [];
    stream.on('overrun', (o: { lostFrames: number }) => overruns.push(o.lostFrames));
    const first = (await stream[Symbol.asyncIterator]().next()).value as AudioBlock;
    // Not reading for 300 ms: the 50 ms ring fills, whole cycles are dropped.
    await new Promise((r) => setTimeout(r, 300));
    const blocks: AudioBlock[] = [first];
    for await (const b of stream) {
      blocks.push(b as AudioBlock);
      if (blocks.length === 200) break;
    }
    expect(stream.lostFrames).toBeGreaterThan(0);
    expect(overruns.reduce((a, b) => a + b, 0)).toBe(stream.lostFrames);
    expect(stream.lostFrames % ctx.client.blockSize).toBe(0); // whole cycles
    // What is missing from the counter is exactly what was reported lost.
    const all = blocks.flatMap((b) => [...(b.channels[0] as Float32Array)]);
    const span = (all[all.length - 1] as number) - (all[0] as number) + 1;
    expect(span - all.length).toBe(stream.lostFrames);
  });

  it('starts on the frame asked for and ends after `frames`', () =>
    withoutXruns(async () => {
      const F = frameAhead(ctx.client, 0.1);
      const stream = ctx.client.createReadStream([ctx.out], { blockFrames: 1000, startAt: F, frames: 4321 });
      const blocks: AudioBlock[] = [];
      for await (const b of stream) blocks.push(b as AudioBlock);
      if (blocks.some((b, i) => i > 0 && b.frame !== ((blocks[i - 1]!.frame + blocks[i - 1]!.channels[0]!.length) >>> 0))) return 'xrun';
      expect(blocks[0]!.frame).toBe(F);
      expect(blocks.map((b) => b.channels[0]!.length)).toEqual([1000, 1000, 1000, 1000, 321]);
      const all = blocks.flatMap((b) => [...b.channels[0]!]);
      expect(all.every((v, i) => i === 0 || v === all[i - 1]! + 1)).toBe(true);
      await until(() => ctx.client.getPorts({ namePattern: `^${ctx.client.name}:stream_` }).length === 0, 5000, 'the ports to go');
    }));

  it('stop() ends it cleanly, so a pipeline finishes', async () => {
    const stream = ctx.client.createReadStream([ctx.out], { blockFrames: 256 });
    let frames = 0;
    const sink = new Writable({
      objectMode: true,
      write(b: AudioBlock, _e, cb) {
        frames += b.channels[0]!.length;
        if (frames > 5000) stream.stop();
        cb();
      },
    });
    await pipeline(stream, sink); // no ERR_STREAM_PREMATURE_CLOSE
    expect(frames).toBeGreaterThan(5000);
  });

  it('rejects a startAt that has passed with TOO_LATE', () => {
    const e = errorOf(() => ctx.client.createReadStream([ctx.out], { startAt: (ctx.client.lastFrameTime - 1) >>> 0 }));
    expect(e.code).toBe('TOO_LATE');
  });

  it('ends when its client closes', async () => {
    const other = await Client.open(uniqueName('read-stream-closing'), { serverName: ctx.client.serverName });
    other.activate();
    try {
      const stream = other.createReadStream([ctx.out], { blockFrames: 256 });
      let blocks = 0;
      const ended = new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      stream.on('data', () => blocks++);
      await until(() => blocks > 2, 5000, 'some blocks');
      await other.close();
      await ended; // no error: the stream ended
      expect(stream.destroyed).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('refuses bad options and ports', () => {
    expect(errorOf(() => ctx.client.createReadStream([ctx.out], { blockFrames: 10 })).message).toBe(`createReadStream: blockFrames must be an integer from the period (128) to 2^20, got 10`);
    expect(errorOf(() => ctx.client.createReadStream([ctx.out], { ringSeconds: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => ctx.client.createReadStream([ctx.out], { block: 5 } as never)).message).toMatch(/unknown option "block"/);
    const input = ctx.client.inports.register('an_input');
    expect(errorOf(() => ctx.client.createReadStream([input])).code).toBe('DIRECTION_MISMATCH');
    input.unregister();
    expect(errorOf(() => ctx.client.createReadStream([], {})).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => ctx.client.createReadStream(['nope:out'])).code).toBe('NO_SUCH_PORT');
  });
});
