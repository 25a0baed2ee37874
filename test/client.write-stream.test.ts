/**
 * Client.createWriteStream: audio from JS into the graph as a Writable. A
 * known signal is streamed into a gain module at gain 1 (test/abi/gain.wat)
 * and recorded from its output: it must come back bit-exact and on the
 * frame asked for, and every frame JS failed to deliver in time must be a
 * counted frame of silence, exactly where it was missing.
 */
import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, type AudioBlock, type AudioWriteStream, type OwnPort, type Server } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { frameAhead, sleep, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { useGainClient } from './helpers/gain-client.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let into: OwnPort; // the gain's input
let from: OwnPort; // its output
const ctx = useGainClient('write-stream', 128);
beforeAll(() => void ({ server, client, into, from } = ctx));

/** A signal with no zero in it. */
function signal(frames: number, seed = 1): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = Math.fround(0.5 + 0.25 * Math.sin((i + 1) * 0.003 * seed) + (i % 5) / 64);
  return x;
}

/** Writes `x` in chunks of `chunk` frames, honouring backpressure. */
async function writeAll(stream: AudioWriteStream, x: Float32Array, chunk: number): Promise<void> {
  for (let i = 0; i < x.length; i += chunk) {
    if (!stream.write([x.slice(i, i + chunk)])) await once(stream, 'drain');
  }
}

describe('createWriteStream', () => {
  it('plays what is written bit-exact from startAt, and finishes once it has been played', () =>
    withoutXruns(async () => {
      const rate = client.sampleRate;
      const x = signal(rate);
      const F = frameAhead(client);
      const rec = client.record([from], { frames: rate + 2000, startAt: F });
      const stream = client.createWriteStream([into], { startAt: F, ringSeconds: 0.25 });
      const starts: number[] = [];
      stream.on('start', (s: { frame: number }) => starts.push(s.frame));
      await writeAll(stream, x, 4800);
      stream.end();
      await once(stream, 'finish');
      // 'finish' comes after the last frame played, not when it was queued.
      expect(((client.lastFrameTime - (F + rate)) | 0) >= 0).toBe(true);
      const r = await rec;
      if (r.discontinuities.length) return 'xrun';
      expect([stream.startFrame, stream.endFrame, stream.playedFrames, stream.underrunFrames, starts]).toEqual([F, (F + rate) >>> 0, rate, 0, [F]]);
      expect(Buffer.from(r.channels[0]!.buffer, 0, 4 * rate).equals(Buffer.from(x.buffer))).toBe(true);
      expect(r.channels[0]!.subarray(rate)).toEqual(new Float32Array(2000));
      await until(() => client.getPorts({ namePattern: `^${client.name}:write_` }).length === 0, 5000, 'the ports to go');
    }));

  it('counts the frames it had to fill with silence, exactly, and plays on after the gap', () =>
    withoutXruns(async () => {
      const rate = client.sampleRate;
      const a = signal(Math.round(0.2 * rate), 2);
      const b = signal(Math.round(0.2 * rate), 3);
      const F = frameAhead(client);
      const rec = client.record([from], { frames: rate, startAt: F });
      const stream = client.createWriteStream([into], { startAt: F, ringSeconds: 0.1 });
      const reported: number[] = [];
      stream.on('underrun', (u: { frames: number }) => reported.push(u.frames));
      await writeAll(stream, a, 1000);
      // All of it played, and then 0.1 s of nothing: the ring runs dry; silence, counted.
      await until(() => stream.playedFrames === a.length, 5000, 'the first part to play');
      await sleep(100);
      await writeAll(stream, b, 1000);
      stream.end();
      await once(stream, 'finish');
      const r = await rec;
      if (r.discontinuities.length) return 'xrun';
      const U = stream.underrunFrames;
      expect(U).toBeGreaterThan(0.05 * rate);
      expect(reported.reduce((s, n) => s + n, 0)).toBe(U);
      const y = r.channels[0]!;
      const n1 = a.length;
      const n2 = b.length;
      expect(y.subarray(0, n1)).toEqual(a);
      expect(y.subarray(n1, n1 + U)).toEqual(new Float32Array(U)); // the gap is exactly what was counted
      expect(y.subarray(n1 + U, n1 + U + n2)).toEqual(b);
      expect(y.subarray(n1 + U + n2)).toEqual(new Float32Array(rate - n1 - U - n2));
      expect(stream.playedFrames).toBe(n1 + n2);
      expect(stream.endFrame).toBe((F + n1 + U + n2) >>> 0);
    }));

  it('takes per-channel arrays, AudioBlocks and interleaved frames alike', () =>
    withoutXruns(async () => {
      const stereo = await client.load(await wat('stereo'), { name: 'stereo' });
      try {
        const l = signal(3000, 5);
        const r0 = signal(3000, 7);
        const inter = new Float32Array(2000);
        for (let i = 0; i < 1000; i++) {
          inter[2 * i] = l[2000 + i]!;
          inter[2 * i + 1] = r0[2000 + i]!;
        }
        const F = frameAhead(client);
        const rec = client.record(stereo.outputs, { frames: 3000, startAt: F });
        const stream = client.createWriteStream(stereo.inputs, { startAt: F });
        stream.write([l.subarray(0, 1000), r0.subarray(0, 1000)]);
        stream.write({ frame: 0, channels: [l.subarray(1000, 2000), r0.subarray(1000, 2000)] } satisfies AudioBlock);
        stream.write(inter);
        stream.end();
        await once(stream, 'finish');
        const r = await rec;
        if (r.discontinuities.length) return 'xrun';
        expect(r.channels).toEqual([l, r0]);
      } finally {
        await stereo.unload();
      }
    }));

  it('applies backpressure: write() returns false while the ring is full, then drains', async () => {
    const stream = client.createWriteStream([into], { ringSeconds: 0.05, highWaterMark: 1 });
    const x = signal(client.sampleRate);
    let refused = 0;
    for (let i = 0; i < x.length; i += 2400) {
      if (!stream.write([x.subarray(i, i + 2400)])) {
        refused++;
        await once(stream, 'drain');
      }
    }
    stream.end();
    await once(stream, 'finish');
    expect(refused).toBeGreaterThan(5);
    expect(stream.playedFrames).toBe(x.length);
  });

  it('fails a bad chunk with INVALID_ARGUMENT', async () => {
    const stream = client.createWriteStream([into]);
    stream.write([new Float32Array(10), new Float32Array(10)]);
    const [err] = (await once(stream, 'error')) as [{ code: string; message: string }];
    expect([err.code, err.message]).toEqual(['INVALID_ARGUMENT', 'write stream: a chunk must be 1 Float32Array(s) (one per port), an AudioBlock, or one interleaved Float32Array']);
    await until(() => client.getPorts({ namePattern: `^${client.name}:write_` }).length === 0, 5000, 'the ports to go');
  });

  it('ends without an error when its client closes first, counting the frames it took and did not play', async () => {
    const other = await Client.open(uniqueName('write-stream-closing'), { serverName: server.name });
    other.activate();
    // No 'error' listener: an error event would be thrown as an uncaught exception.
    const stream = other.createWriteStream([into], { ringSeconds: 0.5 });
    const events: string[] = [];
    for (const e of ['finish', 'close']) stream.on(e, () => events.push(e));
    stream.write([signal(100000)]); // more than the ring holds: part of it still being moved in
    await until(() => stream.playedFrames > 0, 5000, 'playback to start');
    await other.close();
    await until(() => events.includes('close'), 5000, "the stream's 'close'");
    expect([events, stream.errored, stream.destroyed]).toEqual([['close'], null, true]);
    expect(stream.unplayedFrames).toBeGreaterThan(0);
    expect(stream.playedFrames + stream.unplayedFrames).toBe(100000);
    expect(stream.write([signal(10)])).toBe(false); // refused quietly, as by any destroyed stream
  });

  it("tells a writer waiting for 'drain' that its client closed (CLIENT_CLOSED), and calls every write's callback", async () => {
    const other = await Client.open(uniqueName('write-stream-closing'), { serverName: server.name });
    other.activate();
    const stream = other.createWriteStream([into], { ringSeconds: 0.5, highWaterMark: 2 });
    const callbacks: (string | undefined)[] = [];
    let full = false;
    for (let k = 0; k < 6; k++) full = !stream.write([signal(24000)], (err) => callbacks.push(err ? (err as NodeJS.ErrnoException).code : 'ok'));
    expect(full).toBe(true);
    const drain = once(stream, 'drain');
    await until(() => stream.playedFrames > 0, 5000, 'playback to start');
    await other.close();
    await expect(drain).rejects.toMatchObject({ code: 'CLIENT_CLOSED', message: `write stream: client "${other.name}" closed before the stream finished` });
    await until(() => callbacks.length === 6, 5000, 'every write callback');
    // Those moved into the ring in full (and the one being moved in) succeed; those still buffered get the error.
    expect(callbacks.every((c) => c === 'ok' || c === 'CLIENT_CLOSED')).toBe(true);
    expect(callbacks.at(-1)).toBe('CLIENT_CLOSED');
    expect(callbacks[0]).toBe('ok');
  });

  it('refuses bad options and ports', () => {
    expect(errorOf(() => client.createWriteStream([from])).message).toBe(`createWriteStream: "${from.name}" is an output port; stream into input ports`);
    expect(errorOf(() => client.createWriteStream([into], { ringSeconds: 0 })).message).toBe('createWriteStream: ringSeconds must be from 0.01 to 60, got 0');
    expect(errorOf(() => client.createWriteStream([into], { startFrames: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => client.createWriteStream([into], { startAt: (client.lastFrameTime - 1) >>> 0 })).code).toBe('TOO_LATE');
    expect(errorOf(() => client.createWriteStream([into], { ringSecond: 1 } as never)).message).toBe('createWriteStream: unknown option "ringSecond" (known: ringSeconds, startFrames, startAt, highWaterMark)');
    expect(errorOf(() => client.createWriteStream([])).code).toBe('INVALID_ARGUMENT');
  });
});
