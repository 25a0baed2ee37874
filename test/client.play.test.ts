/**
 * Client.play: buffers from JS into the graph, played by the audio thread.
 * A known signal is played into a gain module at gain 1 (test/abi/gain.wat)
 * and recorded from its output through the graph: it must come back bit-exact
 * and on the frame asked for.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, type JackError, type OwnPort, type Playback, type Recording, type Server } from '../host/index.js';
import { rejection } from './helpers/errors.js';
import { frameAhead, sleep, uniqueName, until, waitForEvent, withoutXruns } from './helpers/jack.js';
import { useGainClient } from './helpers/gain-client.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let into: OwnPort; // the gain's input
let from: OwnPort; // its output
const ctx = useGainClient('play', 128);
beforeAll(() => void ({ server, client, into, from } = ctx));

/** A signal with no zero in it, and no two neighbours alike. */
function signal(frames: number, seed = 1): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = Math.fround(0.5 + 0.25 * Math.sin((i + 1) * 0.01 * seed) + (i % 7) / 64);
  return x;
}

describe('play', () => {
  it('plays a buffer bit-exact, starting on exactly the requested frame', () =>
    withoutXruns(async () => {
      const x = signal(3000);
      const F = frameAhead(client);
      const rec = client.record([from], { frames: 4000, startAt: (F - 500) >>> 0 });
      const p = await client.play([into], [x], { startAt: F });
      const r = await rec;
      if (r.discontinuities.length) return 'xrun';
      expect(p).toEqual({ startFrame: F, endFrame: (F + 3000) >>> 0, frames: 3000, loops: 0, stopped: false });
      const y = r.channels[0]!;
      expect(y.subarray(0, 500)).toEqual(new Float32Array(500)); // silence before
      expect(y.subarray(500, 3500)).toEqual(x);
      expect(y.subarray(3500)).toEqual(new Float32Array(500)); // and after
      // Resolved once played: the frame time is past its end.
      expect(((client.lastFrameTime - p.endFrame) | 0) >= 0).toBe(true);
      expect(client.getPorts({ namePattern: `^${client.name}:play_` })).toEqual([]);
    }));

  it('plays without startAt at the first cycle after connecting, and says when', () =>
    withoutXruns(async () => {
      const x = signal(1000, 3);
      const F = frameAhead(client, 0.05);
      const rec = client.record([from], { frames: client.sampleRate / 2, startAt: F });
      rec.catch(() => {}); // a TOO_LATE start is seen at `await rec` (and tried again), not as an unhandled rejection meanwhile
      await sleep(100); // the recording has begun
      const p = await client.play([into], x);
      const r = await rec;
      if (r.discontinuities.length) return 'xrun';
      const k = r.indexOf(p.startFrame);
      expect(k).toBeGreaterThan(0);
      expect(r.channels[0]!.subarray(k, k + 1000)).toEqual(x);
      expect(r.channels[0]![k - 1]).toBe(0);
      expect(p.frames).toBe(1000);
    }));

  it('loops until the signal aborts, seamlessly', () =>
    withoutXruns(async () => {
      const x = signal(300, 5);
      const F = frameAhead(client);
      const ac = new AbortController();
      const rec = client.record([from], { frames: 3000, startAt: F });
      rec.catch(() => {}); // seen at `await rec`
      const playing = client.play([into], [x], { startAt: F, loop: true, signal: ac.signal });
      const r = await rec;
      ac.abort();
      const p = await playing;
      if (r.discontinuities.length) return 'xrun';
      for (let k = 0; k < 10; k++) expect(r.channels[0]!.subarray(300 * k, 300 * (k + 1))).toEqual(x);
      expect(p.stopped).toBe(true);
      expect(p.loops).toBeGreaterThanOrEqual(9);
      expect(p.frames).toBe(((p.endFrame - p.startFrame) >>> 0));
      expect(p.loops).toBe(Math.floor((p.frames - 1) / 300));
    }));

  it('plays several channels, each to its own destination', () =>
    withoutXruns(async () => {
      const stereo = await client.load(await wat('stereo'), { name: 'stereo' });
      try {
        const a = signal(2000, 7);
        const b = signal(2000, 11);
        const F = frameAhead(client);
        const rec = client.record(stereo.outputs, { frames: 2000, startAt: F });
        await client.play(stereo.inputs, [a, b], { startAt: F });
        const r = await rec;
        if (r.discontinuities.length) return 'xrun';
        expect(r.channels[0]).toEqual(a);
        expect(r.channels[1]).toEqual(b);
      } finally {
        await stereo.unload();
      }
    }));

  it('plays minutes of audio bit-exact in freewheel', async () => {
    const rate = client.sampleRate;
    const frames = 3 * 60 * rate;
    const x = signal(frames, 13);
    // Setting up 3 minutes takes a moment on a loaded machine: a start that
    // came too late (TOO_LATE) is tried again further ahead.
    // Rationale for the retry: see withoutXruns.
    await withoutXruns(async () => {
      let rec!: Promise<Recording>;
      let playing!: Promise<Playback>;
      let F = 0;
      for (let ahead = 1; ; ahead *= 2) {
        F = frameAhead(client, ahead);
        const stop = new AbortController();
        rec = client.record([from], { frames, startAt: F });
        playing = client.play([into], [x], { startAt: F, signal: stop.signal });
        let failed: JackError | undefined;
        rec.catch((e: JackError) => (failed ??= e));
        playing.catch((e: JackError) => (failed ??= e));
        await until(() => failed ?? ((client.lastFrameTime - F) | 0) > rate / 10, 30000, 'the start');
        await sleep(100); // a TOO_LATE surfaces within a few cycles of the start
        if (failed?.code !== 'TOO_LATE') break;
        stop.abort();
        await Promise.allSettled([rec, playing]);
        if (ahead >= 8) throw new Error('too late even 8 s ahead');
      }
      await until(() => ((client.lastFrameTime - F) | 0) > 0, 5000, 'the start');
      client.setFreewheel(true);
      try {
        const [r, p] = await Promise.all([rec, playing]);
        expect(p.frames).toBe(frames);
        // An xrun before freewheel began (a loaded machine) skips frames: try again.
        if (r.discontinuities.length) return 'xrun';
        // Compared as bytes: one mismatch in 8.6 million samples must fail.
        expect(Buffer.from(r.channels[0]!.buffer).equals(Buffer.from(x.buffer))).toBe(true);
      } finally {
        client.setFreewheel(false);
      }
      // The temporary ports wait for freewheel to end; the next try needs them gone.
      await until(() => client.getPorts({ namePattern: `^${client.name}:(play|record)_` }).length === 0, 5000, 'the ports to go');
    }, 4);
    // The temporary ports wait for freewheel to end before they go (unregistering them while
    // freewheeling left jackd 1.9.21 a stale connection that made it abort on the next reuse).
    await until(() => client.getPorts({ namePattern: `^${client.name}:(play|record)_` }).length === 0, 5000, 'the ports to go');
    const again = await client.play([into], [signal(10)]);
    expect(again.frames).toBe(10);
  }, 300000); // three minutes of audio: freewheel runs slower on a loaded machine

  it('rejects a frame that has passed with TOO_LATE, before or after connecting', async () => {
    const passed = (client.lastFrameTime - 1) >>> 0;
    const before = await rejection(client.play([into], [signal(10)], { startAt: passed }));
    expect(before.code, before.message).toBe('TOO_LATE');
    expect(before.message).toContain(`play: startAt frame ${passed} has passed (the frame time is `);
    // A frame inside the cycle already running passes the call's check and is over when the
    // output starts. Rationale for the retry: if a cycle ends between reading the frame time and
    // the call (a stall on a loaded machine), the call's own check answers first; that is also
    // TOO_LATE, but not the path under test, so try again.
    let afterConnecting = false;
    for (let trial = 0; trial < 8 && !afterConnecting; trial++) {
      const soon = (client.lastFrameTime + 1) >>> 0;
      const after = await rejection(client.play([into], [signal(10)], { startAt: soon }));
      expect(after.code, after.message).toBe('TOO_LATE');
      afterConnecting = after.message.includes(`startAt frame ${soon} had passed when playback could begin`);
      if (!afterConnecting) expect(after.message).toContain(`play: startAt frame ${soon} has passed (the frame time is `);
    }
    expect(afterConnecting, 'a frame passing while connecting was reported as such').toBe(true);
    await until(() => client.getPorts({ namePattern: `^${client.name}:play_` }).length === 0, 5000, 'the ports to go');
  });

  it('refuses to start while the server freewheels (jackd could not remove the ports)', async () => {
    const on = waitForEvent<[boolean]>(client, 'freewheel', (starting) => starting);
    client.setFreewheel(true);
    try {
      await on;
      const e = await rejection(client.play([into], [signal(10)]));
      expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'Client.play: the server is freewheeling; start this before turning freewheel on (jackd cannot remove ports registered while it freewheels)']);
    } finally {
      const off = waitForEvent<[boolean]>(client, 'freewheel', (starting) => !starting);
      client.setFreewheel(false);
      await off;
    }
  });

  it('resolves at once, playing nothing, when the signal has already aborted', async () => {
    const p = await client.play([into], [signal(10)], { signal: AbortSignal.abort() });
    expect([p.frames, p.stopped]).toEqual([0, true]);
  });

  it('stops a loop aborted while its ports were being set up', async () => {
    const ac = new AbortController();
    const playing = client.play([into], [signal(480)], { loop: true, signal: ac.signal });
    ac.abort(); // before the output reached the engine
    const p = await Promise.race([playing, sleep(3000).then(() => 'still playing' as const)]);
    expect(p).not.toBe('still playing');
    expect(p).toMatchObject({ stopped: true, loops: 0 });
  });

  it('rejects bad destinations, buffers and options', async () => {
    const x = signal(10);
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => client.play([from], [x]), 'DIRECTION_MISMATCH', `play: "${from.name}" is an output port; play into input ports`],
      [() => client.play([into], [x, x]), 'INVALID_ARGUMENT', 'play: buffers must be one Float32Array per destination (1), or one for all, got an array of 2 item(s)'],
      [() => client.play([into], [new Float64Array(10) as unknown as Float32Array]), 'INVALID_ARGUMENT', 'play: buffer 0 must be a Float32Array, got Float64Array'],
      [() => client.play([into], [new Float32Array(0)]), 'INVALID_ARGUMENT', 'play: the buffers must be non-empty and of one length, got lengths 0'],
      [() => client.play([into], [x], { loop: 1 as unknown as boolean }), 'INVALID_ARGUMENT', 'play: loop must be a boolean, got number'],
      [() => client.play([into], [x], { startAt: -1 }), 'INVALID_ARGUMENT', 'play: startAt must be a JACK frame time (an integer from 0 to 2^32-1), got -1'],
      [() => client.play([into], [x], { lop: true } as never), 'INVALID_ARGUMENT', 'play: unknown option "lop" (known: startAt, loop, signal)'],
      [() => client.play([], [x]), 'INVALID_ARGUMENT', 'play: destinations must be an array of 1 to 64 ports'],
      [() => client.play(['nobody:here'], [x]), 'NO_SUCH_PORT', ''],
    ];
    for (const [f, code, message] of cases) {
      const e = await rejection(f());
      expect(e.code, message).toBe(code);
      if (message) expect(e.message).toBe(message);
    }
    const c2 = await Client.open(uniqueName('play-inactive'), { serverName: server.name });
    try {
      const e = await rejection(c2.play([into], [x]));
      expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', `play: client "${c2.name}" must be active to play`]);
    } finally {
      await c2.close();
    }
  });
});
