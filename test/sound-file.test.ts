/**
 * Sound files (libsndfile) and sample-rate conversion (libsamplerate):
 * exact round trips for float, quantisation bounds and clipping for PCM,
 * chunked reading of any length, and clear errors for bad files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Resampler, SoundFileReader, SoundFileWriter, readSoundFile, writeSoundFile } from '../host/index.js';
import { errorOf } from './helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'jw-sound-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noise = (n: number, seed: number) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
};

describe('SoundFileWriter and SoundFileReader', () => {
  it('round-trips float audio bit-exact, written and read in chunks of any size', async () => {
    const l = noise(100_003, 1);
    const r = noise(100_003, 2);
    const path = join(dir, 'f32.wav');
    const w = SoundFileWriter.create(path, { channels: 2, sampleRate: 44100 });
    for (let at = 0; at < l.length; at += 7777) w.write([l.subarray(at, at + 7777), r.subarray(at, at + 7777)]);
    w.close();
    expect(w.frames).toBe(100_003);
    const rd = SoundFileReader.open(path);
    expect([rd.channels, rd.sampleRate, rd.frames, rd.format]).toEqual([2, 44100, 100_003, 'WAVEX (Microsoft) / 32 bit float']); // RF64 downgraded to WAV (extensible) below 4 GiB
    const got = [new Float32Array(100_003), new Float32Array(100_003)];
    let at = 0;
    for (const c of rd.chunks(4096)) {
      got[0]!.set(c[0]!, at);
      got[1]!.set(c[1]!, at);
      at += c[0]!.length;
    }
    rd.close();
    expect(at).toBe(100_003);
    expect(got).toEqual([l, r]);
    // Interleaved writes give the same file.
    const path2 = join(dir, 'f32-interleaved.wav');
    const inter = new Float32Array(2 * l.length);
    l.forEach((v, i) => ((inter[2 * i] = v), (inter[2 * i + 1] = r[i]!)));
    const w2 = SoundFileWriter.create(path2, { channels: 2, sampleRate: 44100 });
    w2.write(inter);
    w2.close();
    expect((await readSoundFile(path2)).channels).toEqual([l, r]);
  });

  it('writes PCM within half a step of the float value, and clips what is out of range', async () => {
    const x = Float32Array.from([...noise(10_000, 3), 1.5, -1.5, 1, -1, 0]);
    for (const [format, bits] of [['s16', 16], ['s24', 24], ['s32', 32]] as const) {
      const path = join(dir, `${format}.wav`);
      await writeSoundFile(path, { sampleRate: 48000, channels: [x] }, format);
      const y = (await readSoundFile(path)).channels[0]!;
      const step = 2 ** (1 - bits);
      for (let i = 0; i < 10_000; i++) expect(Math.abs(y[i]! - x[i]!), `${format} sample ${i}`).toBeLessThanOrEqual(step);
      // Out-of-range samples clip to full scale rather than wrapping around.
      expect(y[10_000]).toBeGreaterThan(0.999);
      expect(y[10_001]).toBe(-1);
      expect(y[10_004]).toBe(0);
    }
  });

  it('fails with FILE_FAILED naming the file and the reason', async () => {
    const missing = join(dir, 'missing.wav');
    expect([errorOf(() => SoundFileReader.open(missing)).code, errorOf(() => SoundFileReader.open(missing)).message]).toEqual(['FILE_FAILED', `cannot read sound file "${missing}": System error : No such file or directory.`]);
    const junk = join(dir, 'junk.wav');
    writeFileSync(junk, 'RIFF....WAVEfmt this is not audio');
    expect(errorOf(() => SoundFileReader.open(junk)).code).toBe('FILE_FAILED');
    expect(errorOf(() => SoundFileWriter.create(join(dir, 'no', 'such', 'dir.wav'), { channels: 1, sampleRate: 48000 })).code).toBe('FILE_FAILED');
    expect(errorOf(() => SoundFileWriter.create(join(dir, 'x.wav'), { channels: 0, sampleRate: 48000 })).message).toBe('SoundFileWriter.create: channels must be an integer from 1 to 1024, got 0');
    expect(errorOf(() => SoundFileWriter.create(join(dir, 'x.wav'), { channels: 1, sampleRate: 48000, format: 's12' as never })).code).toBe('INVALID_ARGUMENT');
    const w = SoundFileWriter.create(join(dir, 'x.wav'), { channels: 2, sampleRate: 48000 });
    expect(errorOf(() => w.write(new Float32Array(3))).message).toBe('write: interleaved data must hold whole frames of 2 channels, got 3 samples');
    w.close();
    expect(errorOf(() => w.write(new Float32Array(2))).message).toBe(`"${join(dir, 'x.wav')}" is closed`);
  });
});

describe('containers and damaged files', () => {
  it('writes the container the extension names, and refuses extensions it does not write', async () => {
    const x = noise(5000, 9).map((v) => v * 0.5);
    for (const [ext, format] of [['.flac', 'FLAC (Free Lossless Audio Codec) / Signed 24 bit PCM'], ['.aiff', 'AIFF (Apple/SGI) / 32 bit float'], ['.w64', 'W64 (SoundFoundry WAVE 64) / 32 bit float'], ['.caf', 'CAF (Apple Core Audio File) / 32 bit float']] as const) {
      const path = join(dir, `c${ext}`);
      await writeSoundFile(path, { sampleRate: 48000, channels: [x] });
      const r = SoundFileReader.open(path);
      expect(r.format, ext).toBe(format);
      r.close();
      const y = (await readSoundFile(path)).channels[0]!;
      const step = ext === '.flac' ? 2 ** -23 : 0;
      expect(y.every((v, i) => Math.abs(v - x[i]!) <= step), ext).toBe(true);
    }
    expect(errorOf(() => SoundFileWriter.create(join(dir, 'x.mp3'), { channels: 1, sampleRate: 48000 })).message).toBe(`cannot write "${join(dir, 'x.mp3')}": unknown sound file extension ".mp3" (known: .wav, .rf64, .w64, .aiff, .flac, .caf)`);
    expect(errorOf(() => SoundFileWriter.create(join(dir, 'x.flac'), { channels: 1, sampleRate: 48000, format: 'f32' })).message).toBe(`cannot write sound file "${join(dir, 'x.flac')}": flac cannot hold f32 samples`);
  });

  it('tells a file cut short: the reader says so, readSoundFile refuses it', async () => {
    const path = join(dir, 'whole.wav');
    await writeSoundFile(path, { sampleRate: 48000, channels: [noise(48000, 4)] });
    const cut = join(dir, 'cut.wav');
    writeFileSync(cut, readFileSync(path).subarray(0, 1000));
    const r = SoundFileReader.open(cut);
    expect([r.truncated, r.frames]).toEqual([true, 222]);
    r.close();
    const whole = SoundFileReader.open(path);
    expect(whole.truncated).toBe(false);
    expect(errorOf(() => whole.readInterleaved(new Float64Array(3) as never)).message).toBe("readInterleaved: expected a Float32Array of whole frames of 1 channels, got object");
    whole.close();
    expect(errorOf(() => SoundFileReader.open(dir)).message).toBe(`cannot read sound file "${dir}": it is a directory`);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(errorOf(() => SoundFileReader.open(fifo)).message).toBe(`cannot read sound file "${fifo}": it is not a regular file`);
    await expect(readSoundFile(cut)).rejects.toThrow(`"${cut}" is cut short: its header promises more audio than the 222 frames it holds`);
  });
});

describe('Resampler', () => {
  it('converts 44.1 kHz to 48 kHz in chunks, keeping the frequency and the length', () => {
    const rs = new Resampler(1, 44100, 48000);
    const x = Float32Array.from({ length: 44100 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / 44100));
    const parts: Float32Array[] = [];
    for (let at = 0; at < x.length; at += 1000) parts.push(rs.process(x.subarray(at, at + 1000)));
    parts.push(rs.process(new Float32Array(0), true));
    const y = Float32Array.from(parts.flatMap((p) => [...p]));
    expect(Math.abs(y.length - 48000)).toBeLessThanOrEqual(2);
    let ups = 0;
    for (let i = 2000; i < 46000; i++) if (y[i - 1]! < 0 && y[i]! >= 0) ups++;
    expect(Math.abs(ups - (1000 * 44000) / 48000)).toBeLessThanOrEqual(1);
    // And the amplitude is kept (a converter, not a filter).
    expect(Math.max(...y.subarray(2000, 46000))).toBeGreaterThan(0.99);
  });

  it('refuses channel counts libsamplerate cannot take, and input after the end', () => {
    expect(errorOf(() => new Resampler(2 ** 31, 1, 2)).message).toBe('Resampler: channels must be an integer from 1 to 1024, got 2147483648');
    const rs = new Resampler(1, 44100, 48000);
    rs.process(new Float32Array(100), true);
    expect(errorOf(() => rs.process(new Float32Array(100))).message).toBe('Resampler.process: the input already ended (process(x, true) flushed it); make a new Resampler');
  });

  it('refuses bad rates and qualities', () => {
    expect(errorOf(() => new Resampler(1, 0, 48000)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => new Resampler(1, 1, 48000)).message).toBe('Resampler: the ratio of the sample rates is out of range (1/256 to 256)');
    expect(errorOf(() => new Resampler(1, 44100, 48000, 'great' as never)).message).toBe('Resampler: quality must be one of best, medium, fastest, zero-order-hold, linear, got great');
  });
});
