/**
 * Client.createReadStream: audio from the graph to JS as blocks, gapless and
 * frame-stamped, in constant memory; a reader that falls behind loses whole
 * cycles, each counted exactly (the module's frame counter shows the gap).
 * The source is test/abi/probe.wat, whose output 0 counts frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type AudioBlock, type DspModule, type OwnPort, type Server } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { startServer, uniqueName, until } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let probe: DspModule;
let out: OwnPort;

useTempCache('read-stream');

beforeAll(async () => {
  server = await startServer('read-stream', { period: 128 });
  client = await Client.open(uniqueName('read-stream'), { serverName: server.name });
  client.activate();
  probe = await client.load(await wat('probe'), { name: 'probe' });
  out = probe.outputs[0] as OwnPort;
  await until(() => probe.cycles > 2, 10000, 'probe cycles');
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('createReadStream', () => {
  it('gives gapless blocks of blockFrames, each stamped with the frame time of its first sample', async () => {
    const stream = client.createReadStream([out], { blockFrames: 1000 });
    const blocks: AudioBlock[] = [];
    for await (const b of stream) {
      blocks.push(b as AudioBlock);
      if (blocks.length === 50) break; // leaving the loop destroys the stream
    }
    expect(stream.destroyed).toBe(true);
    expect(stream.lostFrames).toBe(0);
    const all = blocks.flatMap((b) => [...(b.channels[0] as Float32Array)]);
    expect(blocks.every((b) => b.channels[0]!.length === 1000)).toBe(true);
    // The probe counts frames: one more each sample, across every block boundary.
    expect(all.findIndex((v, i) => i > 0 && v !== (all[i - 1] as number) + 1)).toBe(-1);
    // Frame stamps follow on (no xrun here; one would end a block early).
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.frame - blocks[i - 1]!.frame).toBe(1000);
    // Its ports are gone with it.
    await until(() => client.getPorts({ namePattern: `^${client.name}:stream_` }).length === 0, 5000, 'the ports to go');
  });

  it('counts the frames lost while the reader fell behind, exactly', async () => {
    const stream = client.createReadStream([out], { blockFrames: 256, ringSeconds: 0.05, highWaterMark: 1 });
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
    expect(stream.lostFrames % client.blockSize).toBe(0); // whole cycles
    // What is missing from the counter is exactly what was reported lost.
    const all = blocks.flatMap((b) => [...(b.channels[0] as Float32Array)]);
    const span = (all[all.length - 1] as number) - (all[0] as number) + 1;
    expect(span - all.length).toBe(stream.lostFrames);
  });

  it('refuses bad options and ports', () => {
    expect(errorOf(() => client.createReadStream([out], { blockFrames: 10 })).message).toBe(`createReadStream: blockFrames must be an integer from the period (128) to 2^20, got 10`);
    expect(errorOf(() => client.createReadStream([out], { ringSeconds: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => client.createReadStream([out], { block: 5 } as never)).message).toMatch(/unknown option "block"/);
    const input = client.inports.register('an_input');
    expect(errorOf(() => client.createReadStream([input])).code).toBe('DIRECTION_MISMATCH');
    input.unregister();
    expect(errorOf(() => client.createReadStream([], {})).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => client.createReadStream(['nope:out'])).code).toBe('NO_SUCH_PORT');
  });
});
