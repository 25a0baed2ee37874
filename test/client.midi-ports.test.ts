/**
 * MIDI between JS and the client's own MIDI ports: port.send(bytes, { frame })
 * on a MIDI output port lands on exactly that frame (a module reading the
 * port sees it there); port.on('midi') on a MIDI input port gets every
 * message with its JACK frame time; SysEx both ways; losses counted.
 *
 * Modules: test/abi/midi-probe.wat (out 0: the last note number, out 1: the
 * count of messages, each from its exact sample), midisrc.wat (sends note 60
 * at the first frame of the block after its "send" parameter is set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, compile, type CompiledModule, type OwnPort, type Server } from '../host/index.js';
import { errorOf } from './helpers/errors.js';
import { frameAhead, startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let probe: CompiledModule;
let midisrc: CompiledModule;
useTempCache('midi-ports');

beforeAll(async () => {
  probe = await compile(await wat('midi-probe'), { name: 'midi-probe' });
  midisrc = await compile(await wat('midisrc'), { name: 'midisrc' });
  server = await startServer('midiports');
  client = await Client.open(uniqueName('midiports'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('sending MIDI from JS', () => {
  it('delivers a timed message on exactly its frame to a module reading the port', () =>
    withoutXruns(async () => {
      const out = client.midiOutports.register('js_out');
      const m = await client.load(probe, { name: 'hear' });
      try {
        client.connect(out, m.midiInput!);
        await new Promise((r) => setTimeout(r, 30));
        const t0 = frameAhead(client);
        const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 24000, startAt: t0 });
        const at = t0 + 12 * client.blockSize + 77;
        out.send([0x90, 64, 100], { frame: at });
        out.send([0x80, 64, 0], { frame: at + 300 });
        out.send(Uint8Array.of(0xb0, 7, 99), { frame: at + 300 }); // same frame: in order
        const rec = await recording;
        if (rec.discontinuities.length) return 'xrun';
        const [note, count] = rec.channels as [Float32Array, Float32Array];
        const k = rec.indexOf(at);
        expect(k, `frame ${at} in the recording (discontinuities ${JSON.stringify(rec.discontinuities)})`).toBeGreaterThan(0);
        expect(count[k - 1]).toBe(0);
        expect(count[k]).toBe(1);
        expect(note[k]).toBe(64);
        expect(count[k + 299]).toBe(1);
        expect(count[k + 300]).toBe(3);
        expect(out.midiStats).toEqual({ messages: 3, dropped: 0 });
      } finally {
        await m.unload();
        out.unregister();
      }
    }));

  it('counts every message the JACK buffer could not take', async () => {
    const out = client.midiOutports.register('js_flood');
    try {
      // A second ahead: all 3000 are queued before their cycle even on a loaded machine.
      const at = client.lastFrameTime + 48000;
      let sent = 0;
      for (let i = 0; i < 3000; i++) {
        out.send([0x90, i % 128, 1], { frame: at });
        sent++;
      }
      await until(() => client.lastFrameTime > at + 2 * client.blockSize, 10000, 'the frame is past');
      const s = out.midiStats;
      expect(s.dropped).toBeGreaterThan(0); // a JACK MIDI buffer holds far fewer in one cycle
      expect(s.messages + s.dropped).toBe(sent);
    } finally {
      out.unregister();
    }
  });

  it('refuses what is not one MIDI message, timed messages out of order, and the wrong ports', async () => {
    const out = client.midiOutports.register('js_bad');
    const inp = client.midiInports.register('js_bad_in');
    try {
      for (const bytes of [[], [0x40], [0x90, 60], [0x90, 60, 200], [0xc0, 1, 2], [0xf0, 1, 2], [0xf4], [0xf0, 0x80, 0xf7], [0x90, 60, 1.5]]) {
        expect(errorOf(() => out.send(bytes), JSON.stringify(bytes)).code).toBe('INVALID_ARGUMENT');
      }
      const now = client.lastFrameTime;
      out.send([0xf8], { frame: now + 10000 });
      expect(errorOf(() => out.send([0xf8], { frame: now + 5000 })).message).toMatch(/before the frame of the message sent before it/);
      expect(errorOf(() => inp.send([0xf8])).code).toBe('TYPE_MISMATCH');
      expect(errorOf(() => out.on('midi', () => {})).code).toBe('TYPE_MISMATCH');
      expect(errorOf(() => client.outports.register('audio_x').send([0xf8])).code).toBe('TYPE_MISMATCH');
    } finally {
      out.unregister();
      inp.unregister();
    }
    expect(errorOf(() => out.send([0xf8])).code).toBe('PORT_INVALID');
  });
});

describe('untimed and timed messages on one port', () => {
  it('sends an untimed message at the next cycle even with a timed one waiting for later', async () => {
    const out = client.midiOutports.register('mix_out');
    const inp = client.midiInports.register('mix_in');
    const got: [number, number[]][] = [];
    try {
      client.connect(out, inp);
      inp.on('midi', (frame, bytes) => got.push([frame, [...bytes]]));
      await new Promise((r) => setTimeout(r, 30));
      const now = client.lastFrameTime;
      out.send([0x90, 60, 100], { frame: now + 96000 });
      out.send([0xb0, 123, 0]);
      await until(() => got.length >= 1, 2000, 'the untimed message');
      expect(got[0]![1]).toEqual([0xb0, 123, 0]);
      expect(got[0]![0] - now).toBeLessThan(4 * client.blockSize);
      expect(errorOf(() => out.send([0xf8], { frame: (now + 2 ** 30 + 2 ** 29) >>> 0 })).message).toMatch(/more than 2\^30 frames \(hours\) ahead/);
    } finally {
      out.unregister();
      inp.unregister();
    }
    expect(errorOf(() => out.midiStats).code).toBe('PORT_INVALID');
  });
});

describe('receiving MIDI in JS', () => {
  it("gives 'midi' listeners each message with its JACK frame time", async () => {
    const inp = client.midiInports.register('js_in');
    const src = await client.load(midisrc, { name: 'src' });
    const got: [number, number[]][] = [];
    const listener = (frame: number, bytes: Uint8Array) => got.push([frame, [...bytes]]);
    try {
      client.connect(src.midiOutput!, inp);
      inp.on('midi', listener);
      await new Promise((r) => setTimeout(r, 30));
      const before = client.lastFrameTime;
      src.setParam('send', 1);
      await until(() => got.length >= 1, 5000, 'the note');
      expect(got).toHaveLength(1);
      const [frame, bytes] = got[0]!;
      expect(bytes).toEqual([0x90, 60, 100]);
      expect((frame - before) % client.blockSize, 'frame 0 of a cycle').toBe(0);
      expect(frame).toBeGreaterThan(before);
      expect(inp.midiStats).toEqual({ messages: 1, dropped: 0 });
    } finally {
      inp.off('midi', listener);
      await src.unload();
      inp.unregister();
    }
  });

  it('carries SysEx both ways, byte for byte', async () => {
    const out = client.midiOutports.register('sx_out');
    const inp = client.midiInports.register('sx_in');
    const got: [number, number[]][] = [];
    try {
      client.connect(out, inp);
      inp.on('midi', (frame, bytes) => got.push([frame, [...bytes]]));
      await new Promise((r) => setTimeout(r, 30));
      const sysex = [0xf0, 0x7e, 0x7f, ...Array.from({ length: 1000 }, (_, i) => i % 128), 0xf7];
      const at = frameAhead(client, 0.4);
      out.send(sysex, { frame: at });
      out.send([0x90, 1, 2], { frame: at + 1 });
      await until(() => got.length >= 2, 5000, 'both messages');
      expect(got.map(([, b]) => b)).toEqual([sysex, [0x90, 1, 2]]);
      // A connection between two ports of one client: the same cycle or the next.
      expect([0, client.blockSize]).toContain(got[0]![0] - at);
      expect(got[1]![0] - got[0]![0]).toBe(1);
    } finally {
      out.unregister();
      inp.unregister();
    }
  });
});

describe('MIDI files out of a port', () => {
  it('plays every event of a file on its frame', async () => {
    const out = client.midiOutports.register('song_out');
    const m = await client.load(probe, { name: 'songprobe' });
    try {
      client.connect(out, m.midiInput!);
      await new Promise((r) => setTimeout(r, 30));
      const song = {
        events: [0, 0.01, 0.25, 0.5].map((time, i) => ({ time, bytes: [0x90, 60 + i, 100], track: 0 })),
        duration: 0.5, tempos: [], format: 0 as const, tracks: 1, skipped: 0,
      };
      // An xrun skips frames: the frame-exact expectations hold only without one.
      await withoutXruns(async () => {
        const recording = client.record([m.outputs[1]!], { frames: 48000 });
        await new Promise((r) => setTimeout(r, 30));
        const play = out.playMidi(song);
        await play.done;
        const rec = await recording;
        if (rec.discontinuities.length) return 'xrun';
        const count = rec.channels[0]!;
        // The probe counts notes from its start: this trial's start from what it had.
        const base = count[0]!;
        const at = (t: number) => rec.indexOf((play.startFrame + Math.round(t * 48000)) >>> 0);
        [0, 0.01, 0.25, 0.5].forEach((t, i) => {
          expect(count[at(t) - 1]! - base, `before event ${i}`).toBe(i);
          expect(count[at(t)]! - base, `event ${i}`).toBe(i + 1);
        });
      });
      expect(() => m.midiInput!.playMidi(song)).toThrow(/only a MIDI output port plays MIDI/);
    } finally {
      await m.unload();
      out.unregister();
    }
  });
});

describe('a listener that throws', () => {
  it('costs the other listeners nothing; its error is rethrown after the batch', async () => {
    // In a child process: the rethrown error is an uncaught exception there.
    const script = `
      import { Client } from ${JSON.stringify(new URL('../dist/host/index.js', import.meta.url).href)};
      let caught = 0, count = 0;
      process.on('uncaughtException', () => caught++);
      const c = await Client.open(process.env.NAME, { serverName: process.env.SERVER });
      const out = c.midiOutports.register('o'), inp = c.midiInports.register('i');
      c.activate();
      c.connect(out, inp);
      inp.on('midi', () => { throw new Error('listener bug'); });
      inp.on('midi', () => count++);
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 5; i++) out.send([0x90, 60 + i, 100]);
      await new Promise((r) => setTimeout(r, 300));
      console.log(JSON.stringify({ count, caught }));
      await c.close();`;
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NAME: uniqueName('midithrow'), SERVER: server.name },
      encoding: 'utf8',
      timeout: 20000,
    });
    const r = JSON.parse(out.trim().split('\n').pop() as string) as { count: number; caught: number };
    expect(r.count).toBe(5);
    expect(r.caught).toBeGreaterThanOrEqual(1);
  });
});

describe('lifetime', () => {
  it('closing the client ends the streams; later sends throw CLIENT_CLOSED', async () => {
    const c = await Client.open(uniqueName('midiports-close'), { serverName: server.name });
    const out: OwnPort = c.midiOutports.register('o');
    c.activate();
    out.send([0xf8]);
    await c.close();
    expect(errorOf(() => out.send([0xf8])).code).toBe('CLIENT_CLOSED');
  });
});
