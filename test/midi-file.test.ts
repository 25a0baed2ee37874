/**
 * Standard MIDI files: readMidiFile merges tracks and times events through
 * the tempo map; render({ midi: midiFileFrames(...) }) plays a file offline,
 * module.playMidi() live against JACK frame time, with the same samples; the
 * CLI's render/run --midi.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMidi, type MidiData } from 'midi-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, compile, midiFileFrames, readMidiFile, render, type Server } from '../host/index.js';
import { readSoundFile as readWav } from '../host/sound-file.js';
import { rejection } from './helpers/errors.js';
import { startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { useTempDir } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const poly = `${root}build/examples/poly.wasm`;
const work = useTempDir('midi-file');
let server: Server;
let client: Client;

beforeAll(async () => {
  server = await startServer('midifile');
  client = await Client.open(uniqueName('midifile'), { serverName: server.name });
  client.activate();
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** A format-1 file: a tempo track (120 bpm, then 60 bpm from beat 4) and two note tracks. */
function song(): Uint8Array {
  const data: MidiData = {
    header: { format: 1, numTracks: 3, ticksPerBeat: 480 },
    tracks: [
      [
        { deltaTime: 0, meta: true, type: 'setTempo', microsecondsPerBeat: 500000 },
        { deltaTime: 1920, meta: true, type: 'setTempo', microsecondsPerBeat: 1000000 },
        { deltaTime: 0, meta: true, type: 'endOfTrack' },
      ],
      [
        { deltaTime: 0, type: 'noteOn', channel: 0, noteNumber: 60, velocity: 100 },
        { deltaTime: 480, type: 'noteOff', channel: 0, noteNumber: 60, velocity: 64 },
        { deltaTime: 1920, type: 'noteOn', channel: 0, noteNumber: 64, velocity: 90 }, // beat 5: after the tempo change
        { deltaTime: 240, type: 'noteOn', channel: 0, noteNumber: 64, velocity: 0 }, // a note-on of velocity 0 ends it
        { deltaTime: 0, type: 'pitchBend', channel: 0, value: -8192 },
        { deltaTime: 0, type: 'sysEx', data: [0x7e, 0x7f, 0x09, 0x01, 0xf7] },
        { deltaTime: 0, meta: true, type: 'endOfTrack' },
      ],
      [
        { deltaTime: 480, type: 'controller', channel: 1, controllerType: 64, value: 127 },
        { deltaTime: 0, type: 'programChange', channel: 1, programNumber: 5 },
        { deltaTime: 0, meta: true, type: 'endOfTrack' },
      ],
    ],
  };
  return Uint8Array.from(writeMidi(data));
}

describe('readMidiFile', () => {
  it('merges the tracks in time order and times them through the tempo map', async () => {
    const d = await readMidiFile(song());
    expect(d.format).toBe(1);
    expect(d.tracks).toBe(3);
    expect(d.tempos).toEqual([{ time: 0, bpm: 120 }, { time: 2, bpm: 60 }]);
    expect(d.events.map((e) => [e.time, e.bytes, e.track])).toEqual([
      [0, [0x90, 60, 100], 1],
      [0.5, [0x80, 60, 64], 1],
      [0.5, [0xb1, 64, 127], 2], // same tick: track order
      [0.5, [0xc1, 5], 2],
      [3, [0x90, 64, 90], 1], // beat 5: 4 beats at 120 bpm (2 s), then one at 60
      [3.5, [0x90, 64, 0], 1],
      [3.5, [0xe0, 0, 0], 1],
    ]);
    expect(d.skipped).toBe(1); // the sysex
    expect(d.duration).toBe(3.5);
    expect(midiFileFrames(d, 48000, 100).map((e) => e.frame)).toEqual([100, 24100, 24100, 24100, 144100, 168100, 168100]);
  });

  it('reads SMPTE time division', async () => {
    const data: MidiData = {
      header: { format: 0, numTracks: 1, framesPerSecond: 25, ticksPerFrame: 40 },
      tracks: [[{ deltaTime: 1000, type: 'noteOn', channel: 0, noteNumber: 1, velocity: 1 }, { deltaTime: 0, meta: true, type: 'endOfTrack' }]],
    };
    expect((await readMidiFile(Uint8Array.from(writeMidi(data)))).events[0]?.time).toBe(1);
  });

  it('refuses malformed files at once: an unknown format, SMPTE without ticks, a truncated event, a data byte >= 0x80', async () => {
    const chunk = (id: string, body: number[]) => [...Buffer.from(id), 0, 0, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
    const file = (format: number, division: [number, number], track: number[]) =>
      Uint8Array.from([...chunk('MThd', [0, format, 0, 1, ...division]), ...chunk('MTrk', track)]);
    const end = [0x00, 0xff, 0x2f, 0x00];
    const cases: [Uint8Array, RegExp][] = [
      [file(7, [0x01, 0xe0], end), /format 7 is not a standard MIDI file format/],
      [file(0, [0xe7, 0x00], end), /SMPTE time division has no ticks per frame/], // -25 fps, 0 ticks
      [file(0, [0x01, 0xe0], [0x00, 0x90, 0x3c]), /truncated or corrupt|not a standard MIDI file/],
      [file(0, [0x01, 0xe0], [0x00, 0x90, 0x90, 0x90, ...end]), /data bytes|not a standard MIDI file/],
    ];
    for (const [bytes, message] of cases) {
      const e = await rejection(readMidiFile(bytes));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(message);
    }
    await expect(render(poly, { frames: 64, midi: [{ frame: 0, bytes: [0x90, 0x90, 0x90] }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses what is not a MIDI file, a directory and a missing file with INVALID_ARGUMENT', async () => {
    for (const src of [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), work.dir, join(work.dir, 'missing.mid')]) {
      const e = await rejection(readMidiFile(src));
      expect(e.code).toBe('INVALID_ARGUMENT');
    }
    expect((await rejection(readMidiFile(Uint8Array.from([1, 2])))).message).toMatch(/is not a standard MIDI file/);
  });
});

describe('playing a MIDI file', () => {
  it('renders the example song through the poly synth; live playMidi records the same samples', () =>
    withoutXruns(async () => {
      const data = await readMidiFile(`${root}examples/midi/demo.mid`);
      const first = { ...data, events: data.events.filter((e) => e.time < 1.5) }; // the first bar and a half
      const compiled = await compile(new Uint8Array(await (await import('node:fs/promises')).readFile(poly)), { name: 'poly' });
      const m = await client.load(compiled, { name: 'player' });
      try {
        const recording = client.record([m.outputs[0]!], { frames: 48000 * 2 });
        await new Promise((r) => setTimeout(r, 60));
        const play = m.playMidi(first);
        expect(play.total).toBe(first.events.length);
        await play.done;
        expect(play.sent).toBe(play.total);
        const rec = await recording;
        if (rec.discontinuities.length) return 'xrun'; // frame times skipped: the song's frames moved against the samples
        const [whole] = (await render(compiled, { frames: rec.channels[0]!.length, blockSize: client.blockSize, midi: midiFileFrames(first, 48000) })) as [Float32Array];
        const at = rec.indexOf(play.startFrame);
        expect(at).toBeGreaterThan(0);
        const live = rec.channels[0]!.subarray(at);
        const offline = whole.subarray(0, live.length);
        expect(Math.max(...offline.map(Math.abs))).toBeGreaterThan(0.01);
        const diff = live.findIndex((v, i) => !Object.is(v, offline[i]));
        expect(diff, `first difference at ${diff}: live ${live[diff]} offline ${offline[diff]}; nonzero from live ${live.findIndex((v) => v !== 0)} offline ${offline.findIndex((v) => v !== 0)}`).toBe(-1);
        expect(rec.channels[0]!.subarray(0, at).every((v) => v === 0)).toBe(true);
      } finally {
        await m.unload();
      }
    }));

  it('stops with all notes off on the channels the file uses', async () => {
    const data = await readMidiFile(`${root}examples/midi/demo.mid`);
    const m = await client.load(poly, { name: 'stopper' });
    try {
      const play = m.playMidi(data);
      await new Promise((r) => setTimeout(r, 300));
      play.stop();
      await play.done;
      expect(play.sent).toBeLessThan(play.total);
      await new Promise((r) => setTimeout(r, 1000)); // the release
      const rec = await client.record([m.outputs[0]!], { frames: 1024 });
      expect(rec.channels[0]!.every((v) => v === 0)).toBe(true);
    } finally {
      await m.unload();
    }
  });

  it('ends quietly (done resolves) when the module is unloaded mid-song', async () => {
    const data = await readMidiFile(`${root}examples/midi/demo.mid`);
    const m = await client.load(poly, { name: 'gone' });
    const play = m.playMidi(data);
    await new Promise((r) => setTimeout(r, 200));
    await m.unload();
    await play.done;
    expect(play.sent).toBeLessThan(play.total);
  });

  it("follows the transport: nothing while stopped, then each event at its song position's frame", async () => {
    const probe = await compile(await wat('midi-probe'), { name: 'midi-probe' });
    let trial = 0;
    // An xrun skips frames: the exact distances hold only without one.
    await withoutXruns(async () => {
    const m = await client.load(probe, { name: `follow${trial++}` });
    try {
      client.transportStop();
      client.transportFrame = 0;
      const song = {
        // (0.5 s in: the player, in JS, has that long to see the transport start on a loaded machine)
        events: [0.5, 0.6, 0.75].map((time, i) => ({ time, bytes: [0x90, 60 + i, 100], track: 0 })),
        duration: 0.75, tempos: [], format: 0 as const, tracks: 1, skipped: 0,
      };
      const play = m.playMidi(song, { follow: 'transport' });
      await new Promise((r) => setTimeout(r, 200));
      expect(play.sent).toBe(0); // stopped: nothing
      const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 48000 });
      await new Promise((r) => setTimeout(r, 60));
      client.transportStart();
      await play.done;
      const rec = await recording;
      if (rec.discontinuities.length) return 'xrun';
      const count = rec.channels[1]!;
      const at = [1, 2, 3].map((n) => count.findIndex((c) => c === n));
      expect(at.every((i) => i > 0)).toBe(true);
      // Song positions 0.5, 0.6 and 0.75 s apart by exactly their frames.
      expect([at[1]! - at[0]!, at[2]! - at[1]!]).toEqual([4800, 7200]);
      expect([...at.map((i) => rec.channels[0]![i])]).toEqual([60, 61, 62]);
    } finally {
      client.transportStop();
      await m.unload();
    }
    });
  });

  it('seeks when the transport relocates, with all notes off first', async () => {
    const probe = await compile(await wat('midi-probe'), { name: 'midi-probe' });
    let trial = 0;
    await withoutXruns(async () => {
      const m = await client.load(probe, { name: `seek${trial++}` });
      try {
        client.transportStop();
        client.transportFrame = 0;
        const song = {
          events: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((time, i) => ({ time, bytes: [0x90, 60 + i, 100], track: 0 })),
          duration: 0.6, tempos: [], format: 0 as const, tracks: 1, skipped: 0,
        };
        const recording = client.record([m.outputs[0]!, m.outputs[1]!], { frames: 72000 });
        await new Promise((r) => setTimeout(r, 60));
        const play = m.playMidi(song, { follow: 'transport', lookaheadMs: 50 });
        client.transportStart();
        await until(() => (client.transportQuery().position.frame as number) > 0.27 * 48000, 5000, 'past 0.27 s');
        // Relocating after 0.45 s (a stall here) would let the note at 0.5 s be handed over first (50 ms ahead).
        const late = (client.transportQuery().position.frame as number) > 0.44 * 48000;
        client.transportFrame = Math.round(0.15 * 48000); // back to 0.15 s
        await play.done;
        const rec = await recording;
        if (late || rec.discontinuities.length) return 'xrun';
        const [note, count] = rec.channels as [Float32Array, Float32Array];
        const seq: number[] = [];
        for (let i = 1; i < count.length; i++) if (count[i] !== count[i - 1]) seq.push(note[i] as number);
        // The first notes; all notes off at the relocation (and again after the
        // notes already handed over, which still play); then from 0.2 s on again.
        const cut = seq.indexOf(123);
        const resume = seq.lastIndexOf(123);
        expect(cut).toBeGreaterThan(0);
        expect(seq.slice(0, cut)).toEqual([60, 61, 62].slice(0, cut));
        expect(seq.slice(cut + 1, resume).every((n) => n >= 60 && n <= 63)).toBe(true);
        expect(seq.slice(resume + 1)).toEqual([61, 62, 63, 64, 65]);
      } finally {
        client.transportStop();
        await m.unload();
      }
    });
  });

  it('refuses a module without MIDI', async () => {
    const g = await client.load(`${root}build/examples/gain.wasm`, { name: 'nomidi' });
    try {
      expect(() => g.playMidi({ events: [], duration: 0, tempos: [], format: 0, tracks: 1, skipped: 0 })).toThrow(/takes no MIDI/);
    } finally {
      await g.unload();
    }
  });
});

describe('CLI --midi', () => {
  const cli = `${root}dist/host/cli.js`;
  const run = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [cli, ...args], { timeout: 60000 }, (error, out, err) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }));
    });

  it('render --midi plays the song to its end (and a second), as render() does', async () => {
    const file = join(work.dir, 'song.mid');
    writeFileSync(file, song());
    const out = join(work.dir, 'song.wav');
    const r = await run('render', poly, '--midi', file, '--out', out);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/wrote .*song\.wav: 1 channel\(s\), 216000 frames at 48000 Hz .*; 7 MIDI events from .*song\.mid \(1 system-exclusive events skipped\)/);
    const wav = await readWav(out);
    const [expected] = (await render(poly, { frames: 216000, blockSize: 256, midi: midiFileFrames(await readMidiFile(file), 48000) })) as [Float32Array];
    expect(wav.channels[0]!.findIndex((v, i) => !Object.is(v, expected[i]))).toBe(-1);
    const none = await run('render', `${root}build/examples/gain.wasm`, '--midi', file, '--out', out);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/takes no MIDI/);
  });

  it('run --midi plays the song into the module and ends a second after it', async () => {
    const file = join(work.dir, 'short.mid');
    const data: MidiData = {
      header: { format: 0, numTracks: 1, ticksPerBeat: 96 },
      tracks: [[{ deltaTime: 0, type: 'noteOn', channel: 0, noteNumber: 60, velocity: 100 }, { deltaTime: 96, type: 'noteOff', channel: 0, noteNumber: 60, velocity: 0 }, { deltaTime: 0, meta: true, type: 'endOfTrack' }]],
    };
    writeFileSync(file, Uint8Array.from(writeMidi(data)));
    const t0 = performance.now();
    const r = await run('run', poly, '--midi', file, '--server', server.name);
    expect(r.code).toBe(0);
    expect(r.out).toContain('playing ');
    expect(r.out).toMatch(/short\.mid: 2 events, 0\.5 s/);
    expect(r.out).toMatch(/short\.mid done/);
    expect(r.out + r.err).not.toMatch(/closed/);
    const follow = await run('run', poly, '--midi', file, '--follow-transport', '--seconds', '1', '--server', server.name);
    expect(follow.code).toBe(0);
    expect(follow.out).toMatch(/short\.mid: 2 events, 0\.5 s, following the transport/);
    expect((await run('run', poly, '--follow-transport', '--seconds', '1', '--server', server.name)).err).toMatch(/--follow-transport goes with --midi/);
    expect(performance.now() - t0).toBeLessThan(15000);
  });
});
