/** WAV file reading and writing (the wavefile package does the format work). */
import { readFile, writeFile } from 'node:fs/promises';
import wavefile from 'wavefile';
import { fail, require_ } from './errors.js';

export interface Audio {
  sampleRate: number;
  /** One Float32Array per channel. */
  channels: Float32Array[];
}

/** Reads a WAV file of any common format as float channels in [-1, 1]. */
export async function readWav(path: string): Promise<Audio> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return fail('INVALID_ARGUMENT', `cannot read WAV file "${path}": ${(err as Error).message}`);
  }
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (wav.bitDepth !== '32f') wav.toBitDepth('32f');
  } catch (err) {
    return fail('INVALID_ARGUMENT', `"${path}" is not a WAV file jackwasm can read: ${(err as Error).message}`);
  }
  const fmt = wav.fmt as { sampleRate: number; numChannels: number };
  const samples = wav.getSamples(false, Float32Array) as unknown as Float32Array | Float32Array[];
  const channels = fmt.numChannels === 1 && !Array.isArray(samples) ? [samples as Float32Array] : (samples as Float32Array[]);
  return { sampleRate: fmt.sampleRate, channels: channels.map((c) => Float32Array.from(c)) };
}

/** Writes channels as a 32-bit float WAV file. */
export async function writeWav(path: string, audio: Audio): Promise<void> {
  require_(audio.channels.length > 0, 'writeWav: at least one channel is needed');
  const wav = new wavefile.WaveFile();
  wav.fromScratch(audio.channels.length, audio.sampleRate, '32f', audio.channels);
  await writeFile(path, wav.toBuffer());
}
