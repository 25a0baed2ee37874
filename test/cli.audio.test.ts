/**
 * `jackwasm record` and `jackwasm play`, and the --json output of ports,
 * transport and info. A test client runs a gain module at gain 1
 * (test/abi/gain.wat); the CLI plays a file into its input while another CLI
 * process records its output, and the recording must hold the file
 * bit-exact (f32) or exact within quantisation (s16, s24).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type DspModule, type Server } from '../host/index.js';
import { readSoundFile, writeSoundFile } from '../host/sound-file.js';
import { startServer, uniqueName, until } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

const cli = fileURLToPath(new URL('../dist/host/cli.js', import.meta.url));
let server: Server;
let client: Client;
let gain: DspModule;
let dir: string;
useTempCache('cli-audio');

function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args, '--server', server.name], { timeout: 30000 }, (error, out, err) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

beforeAll(async () => {
  server = await startServer('cli-audio');
  client = await Client.open(uniqueName('cli-audio'), { serverName: server.name });
  client.activate();
  gain = await client.load(await wat('gain'), { name: 'gain' });
  await until(() => gain.cycles > 2, 10000, 'cycles');
  dir = mkdtempSync(join(tmpdir(), 'jw-cli-audio-'));
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A second of a signal with no zero in it, within [-1, 1). */
function signal(frames: number): Float32Array {
  return Float32Array.from({ length: frames }, (_, i) => Math.fround(0.3 + 0.6 * Math.sin(i * 0.0123) * Math.cos(i * 0.00071) + 0.01));
}

/**
 * Plays `file` into the gain while recording its output with `format`; returns the recording.
 * Tries again (up to 8 times) when the server reported an xrun to either side: a client late
 * for its cycle loses that cycle's audio between the two (three processes share two cores).
 */
async function roundTrip(file: string, format: string, seconds: number): Promise<Float32Array> {
  for (let i = 0; i < 8; i++) {
    const r = await roundTripOnce(file, format, seconds);
    if (r) return r;
  }
  throw new Error('each of 8 tries had an xrun (the machine is too loaded for a bit-exact round trip)');
}

/**
 * Waits until a recorder process has connected to the gain's output (it records from the next
 * cycle on). Rationale: a fixed wait was too short on a loaded machine, where starting Node takes
 * seconds, and the file then played before anyone recorded it.
 */
async function recorderConnected(): Promise<void> {
  const out = gain.outputs[0]!;
  const before = out.connections.length;
  await until(() => out.connections.length > before, 30000, 'the recorder to connect');
}

async function roundTripOnce(file: string, format: string, seconds: number): Promise<Float32Array | undefined> {
  const out = join(dir, `rec-${format}.wav`);
  const recording = run('record', gain.outputs[0]!.name, '--out', out, '--seconds', String(seconds), '--format', format, '--json');
  await recorderConnected();
  const played = await run('play', file, '--to', gain.inputs[0]!.name, '--json');
  expect(played.code, played.err).toBe(0);
  expect(JSON.parse(played.out)).toMatchObject({ frames: 48000, underrunFrames: 0, ports: [gain.inputs[0]!.name] });
  const rec = await recording;
  expect(rec.code, rec.err).toBe(0);
  const summary = JSON.parse(rec.out) as { frames: number; lostFrames: number; format: string; xruns: number };
  if (summary.xruns > 0 || (JSON.parse(played.out) as { xruns: number }).xruns > 0) return undefined;
  expect(summary).toMatchObject({ frames: seconds * 48000, lostFrames: 0, format });
  const audio = await readSoundFile(out);
  expect([audio.sampleRate, audio.channels.length, audio.channels[0]!.length]).toEqual([48000, 1, seconds * 48000]);
  return audio.channels[0]!;
}

describe('record and play', () => {
  it('round-trips a float WAV bit-exact through the graph', { timeout: 120000 }, async () => {
    const x = signal(48000);
    const file = join(dir, 'in.wav');
    await writeSoundFile(file, { sampleRate: 48000, channels: [x] });
    const y = await roundTrip(file, 'f32', 3);
    const k = y.findIndex((v) => v !== 0);
    expect(k).toBeGreaterThan(0);
    expect(Buffer.from(y.buffer, 4 * k, 4 * 48000).equals(Buffer.from(x.buffer))).toBe(true);
    expect(y.subarray(k + 48000).every((v) => v === 0)).toBe(true);
  });

  it('records 16-bit and 24-bit PCM exact within quantisation', { timeout: 120000 }, async () => {
    const x = signal(48000);
    const file = join(dir, 'in.wav');
    await writeSoundFile(file, { sampleRate: 48000, channels: [x] });
    for (const [format, step] of [['s16', 2 ** -15], ['s24', 2 ** -23]] as const) {
      const y = await roundTrip(file, format, 3);
      const k = y.findIndex((v) => v !== 0);
      const err = x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[k + i]!)), 0);
      expect(err, format).toBeLessThanOrEqual(step);
      expect(err, format).toBeGreaterThan(0); // quantised, not float
    }
  });

  it('refuses a file at another sample rate unless asked to resample, then resamples it', { timeout: 60000 }, async () => {
    const file = join(dir, 'in-44k1.wav');
    await writeSoundFile(file, { sampleRate: 44100, channels: [Float32Array.from({ length: 44100 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 441 * i) / 44100))] });
    const refused = await run('play', file, '--to', gain.inputs[0]!.name);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`jackwasm: [SAMPLE_RATE_MISMATCH] "${file}" is 44100 Hz and the server runs at 48000 Hz; pass --resample to convert it`);
    const out = join(dir, 'resampled.wav');
    // Long enough for the player to start and finish on a loaded machine (starting Node can take seconds).
    const recording = run('record', gain.outputs[0]!.name, '--out', out, '--seconds', '8');
    await recorderConnected();
    const played = await run('play', file, '--to', gain.inputs[0]!.name, '--resample', '--json');
    expect(played.code, played.err).toBe(0);
    expect(Math.abs(JSON.parse(played.out).frames - 48000)).toBeLessThanOrEqual(2);
    expect((await recording).code).toBe(0);
    // A 441 Hz tone stays 441 Hz: count zero crossings over the second it played.
    const y = (await readSoundFile(out)).channels[0]!;
    const k = y.findIndex((v) => Math.abs(v) > 0.01);
    let ups = 0;
    for (let i = k + 1000; i < k + 1000 + 48000 * 0.8; i++) if (y[i - 1]! < 0 && y[i]! >= 0) ups++;
    expect(Math.abs(ups - 441 * 0.8)).toBeLessThanOrEqual(1);
  });

  it('reports bad arguments and missing files with their error codes', async () => {
    const missing = await run('play', join(dir, 'nope.wav'));
    expect([missing.code, missing.err.split('\n')[0]]).toEqual([1, `jackwasm: [FILE_FAILED] cannot read sound file "${join(dir, 'nope.wav')}": System error : No such file or directory.`]);
    const empty = join(dir, 'empty.wav');
    await writeSoundFile(empty, { sampleRate: 48000, channels: [new Float32Array(0)] });
    const none = await run('play', empty, '--loop', '--to', gain.inputs[0]!.name);
    expect([none.code, none.err.split('\n').pop() || none.err.split('\n').at(-2)]).toEqual([1, `jackwasm: [FILE_FAILED] "${empty}" holds no audio`]);
    const noOut = await run('record', gain.outputs[0]!.name);
    expect(noOut.err).toContain('usage: jackwasm record <port...> --out file.wav');
    const badFormat = await run('record', gain.outputs[0]!.name, '--out', join(dir, 'x.wav'), '--format', 's12');
    expect(badFormat.err).toContain('--format must be one of f32, f64, s32, s24, s16, u8, got "s12"');
    const noPort = await run('record', 'nobody:here', '--out', join(dir, 'x.wav'), '--seconds', '1');
    expect(noPort.err).toContain('[NO_SUCH_PORT]');
  });
});

describe('--json', () => {
  it('prints ports, transport and info as JSON', async () => {
    const ports = await run('ports', '--json');
    expect(ports.code, ports.err).toBe(0);
    const list = JSON.parse(ports.out) as { name: string; direction: string; connections: string[] }[];
    expect(list.find((p) => p.name === gain.inputs[0]!.name)).toMatchObject({ type: '32 bit float mono audio', direction: 'input', physical: false, connections: [] });
    const transport = await run('transport', 'status', '--json');
    expect(JSON.parse(transport.out)).toMatchObject({ state: 'stopped' });
    const info = await run('info', '--json');
    expect(JSON.parse(info.out)).toMatchObject({ server: { name: server.name, running: true } });
  });
});
