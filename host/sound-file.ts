/**
 * Sound files, read and written in chunks (constant memory, any length), and
 * sample-rate conversion. libsndfile does the formats (WAV, RF64 past 4 GiB,
 * and for reading also AIFF, FLAC, Ogg and the rest it knows); libsamplerate
 * converts rates. Samples are floats in [-1, 1]; integer formats are scaled
 * (and clipped when written).
 */
import { statSync, type Stats } from 'node:fs';
import { fail, require_ } from './errors.js';
import { native, type NativeResampler, type NativeSoundFile } from './native.js';

/** Sample formats a written file can have. */
export type SampleFormat = 'f32' | 'f64' | 's32' | 's24' | 's16' | 'u8';
export const SAMPLE_FORMATS: readonly SampleFormat[] = ['f32', 'f64', 's32', 's24', 's16', 'u8'];

/** Audio in memory: one Float32Array per channel. */
export interface Audio {
  sampleRate: number;
  channels: Float32Array[];
}

/** Frames per chunk by default (about 1.4 s at 48 kHz). */
const CHUNK = 65536;

/** Interleaves equal-length channels into `out` (or a new array). */
export function interleave(channels: Float32Array[], out?: Float32Array): Float32Array {
  const nch = channels.length;
  const frames = (channels[0] as Float32Array).length;
  if (nch === 1) return channels[0] as Float32Array;
  const x = out && out.length === frames * nch ? out : new Float32Array(frames * nch);
  for (let ch = 0; ch < nch; ch++) {
    const c = channels[ch] as Float32Array;
    for (let i = 0, j = ch; i < frames; i++, j += nch) x[j] = c[i] as number;
  }
  return x;
}

/** Splits interleaved frames into channels. */
export function deinterleave(x: Float32Array, nch: number, frames = x.length / nch): Float32Array[] {
  if (nch === 1) return [x.slice(0, frames)];
  const out = Array.from({ length: nch }, () => new Float32Array(frames));
  for (let ch = 0; ch < nch; ch++) {
    const c = out[ch] as Float32Array;
    for (let i = 0, j = ch; i < frames; i++, j += nch) c[i] = x[j] as number;
  }
  return out;
}

/** A sound file open for reading. */
export class SoundFileReader {
  readonly path: string;
  readonly channels: number;
  readonly sampleRate: number;
  /** Frames in the file. */
  readonly frames: number;
  /** What the file holds, e.g. "WAV (Microsoft) / 32 bit float". */
  readonly format: string;
  /** The file is cut short: its header promises more audio than it holds (`frames` is what it holds). */
  readonly truncated: boolean;
  readonly #f: NativeSoundFile;
  #buf: Float32Array | undefined;
  #open = true;
  /** Default chunk: CHUNK frames, fewer for many channels (a header may claim 65535). */
  get #chunk(): number {
    return Math.max(1, Math.min(CHUNK, Math.floor(2 ** 20 / this.channels)));
  }

  private constructor(path: string, f: NativeSoundFile) {
    this.path = path;
    this.#f = f;
    const i = f.info()!;
    this.channels = i.channels;
    this.sampleRate = i.sampleRate;
    this.frames = i.frames;
    this.format = `${i.container} / ${i.subtype}`;
    // libsndfile reads what there is, and notes a short chunk as "data : N (should be M)".
    this.truncated = /^data\s*:\s*\d+\s*\(should be \d+\)/m.test(f.log() ?? '');
  }

  /** Opens `path`. @throws FILE_FAILED naming the file and libsndfile's reason */
  static open(path: string): SoundFileReader {
    require_(typeof path === 'string' && path.length > 0 && !path.includes('\0'), `SoundFileReader.open: path must be a non-empty string, got ${JSON.stringify(path)}`);
    // Rationale: opening a FIFO would block this thread until a writer comes.
    let st: Stats | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined; // libsndfile names the reason
    }
    if (st && !st.isFile()) fail('FILE_FAILED', `cannot read sound file "${path}": it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`);
    const f = new native.NativeSoundFile();
    const err = f.openRead(path);
    if (err !== null) fail('FILE_FAILED', `cannot read sound file "${path}": ${err}`);
    return new SoundFileReader(path, f);
  }

  /** Reads up to `frames` frames into `out` (interleaved, whole frames); returns how many (0 at the end). */
  readInterleaved(out: Float32Array): number {
    if (!this.#open) fail('INVALID_ARGUMENT', `"${this.path}" is closed`);
    require_(out instanceof Float32Array && out.length % this.channels === 0, `readInterleaved: expected a Float32Array of whole frames of ${this.channels} channels, got ${out instanceof Float32Array ? `${out.length} samples` : typeof out}`);
    const r = this.#f.read(out);
    if (typeof r === 'string') fail('FILE_FAILED', `reading "${this.path}": ${r}`);
    return r;
  }

  /** The next `frames` frames (fewer at the end) as one array per channel, or null at the end. */
  read(frames = this.#chunk): Float32Array[] | null {
    require_(Number.isInteger(frames) && frames > 0, `read: frames must be a positive integer, got ${String(frames)}`);
    if (!this.#buf || this.#buf.length !== frames * this.channels) this.#buf = new Float32Array(frames * this.channels);
    const n = this.readInterleaved(this.#buf);
    return n === 0 ? null : deinterleave(this.#buf, this.channels, n);
  }

  /** Moves to frame `frame`. */
  seek(frame: number): void {
    require_(Number.isInteger(frame) && frame >= 0 && frame <= this.frames, `seek: frame must be from 0 to ${this.frames}, got ${String(frame)}`);
    const err = this.#f.seek(frame);
    if (err !== null) fail('FILE_FAILED', `seeking in "${this.path}": ${err}`);
  }

  /** Chunks of `frames` frames (default about 4 MiB of samples), one array per channel, to the end. */
  *chunks(frames = this.#chunk): Generator<Float32Array[]> {
    for (let c = this.read(frames); c; c = this.read(frames)) yield c;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#f.close();
  }
}

/** Options of {@link SoundFileWriter.create}. */
export interface WriteOptions {
  channels: number;
  sampleRate: number;
  /** Sample format (default 'f32'; for .flac 's24'). */
  format?: SampleFormat;
}

/** Containers by file extension (no extension: WAV). */
const CONTAINERS: Record<string, string> = { '': 'wav', '.wav': 'wav', '.wave': 'wav', '.rf64': 'rf64', '.w64': 'w64', '.aif': 'aiff', '.aiff': 'aiff', '.flac': 'flac', '.caf': 'caf' };

/** The container a path's extension asks for. @throws INVALID_ARGUMENT for one jackwasm does not write */
function containerOf(path: string): string {
  const m = /(\.[^./\\]*)$/.exec(path);
  const ext = (m ? (m[1] as string) : '').toLowerCase();
  const c = CONTAINERS[ext];
  if (!c) fail('INVALID_ARGUMENT', `cannot write "${path}": unknown sound file extension "${ext}" (known: .wav, .rf64, .w64, .aiff, .flac, .caf)`);
  return c;
}

/**
 * A sound file being written: WAV (RF64 once it passes 4 GiB), or RF64, W64,
 * AIFF, FLAC or CAF by the path's extension. Close it to complete its header.
 */
export class SoundFileWriter {
  readonly path: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly format: SampleFormat;
  /** Frames written so far. */
  frames = 0;
  readonly #f: NativeSoundFile;
  #buf: Float32Array | undefined;
  #open = true;

  private constructor(path: string, f: NativeSoundFile, o: Required<WriteOptions>) {
    this.path = path;
    this.#f = f;
    this.channels = o.channels;
    this.sampleRate = o.sampleRate;
    this.format = o.format;
  }

  /** Creates (or truncates) `path`. @throws INVALID_ARGUMENT for bad options, FILE_FAILED when it cannot be written */
  static create(path: string, options: WriteOptions): SoundFileWriter {
    require_(typeof path === 'string' && path.length > 0 && !path.includes('\0'), `SoundFileWriter.create: path must be a non-empty string, got ${JSON.stringify(path)}`);
    require_(typeof options === 'object' && options !== null, 'SoundFileWriter.create: options must be an object with channels and sampleRate');
    const container = containerOf(path);
    const { channels, sampleRate, format = container === 'flac' ? 's24' : 'f32' } = options;
    require_(Number.isInteger(channels) && channels >= 1 && channels <= 1024, `SoundFileWriter.create: channels must be an integer from 1 to 1024, got ${String(channels)}`);
    require_(Number.isInteger(sampleRate) && sampleRate >= 1 && sampleRate <= 1_000_000, `SoundFileWriter.create: sampleRate must be an integer from 1 to 1000000, got ${String(sampleRate)}`);
    require_(SAMPLE_FORMATS.includes(format), `SoundFileWriter.create: format must be one of ${SAMPLE_FORMATS.join(', ')}, got ${String(format)}`);
    const f = new native.NativeSoundFile();
    const err = f.openWrite(path, channels, sampleRate, format, container);
    if (err !== null) fail('FILE_FAILED', `cannot write sound file "${path}": ${err}`);
    return new SoundFileWriter(path, f, { channels, sampleRate, format });
  }

  /** Appends frames: one Float32Array per channel (equal lengths), or interleaved frames. */
  write(data: Float32Array[] | Float32Array): void {
    if (!this.#open) fail('INVALID_ARGUMENT', `"${this.path}" is closed`);
    let x: Float32Array;
    if (data instanceof Float32Array) {
      require_(data.length % this.channels === 0, `write: interleaved data must hold whole frames of ${this.channels} channels, got ${data.length} samples`);
      x = data;
    } else {
      require_(Array.isArray(data) && data.length === this.channels && data.every((c) => c instanceof Float32Array && c.length === (data[0] as Float32Array).length),
        `write: expected ${this.channels} Float32Arrays of one length (or interleaved frames)`);
      const n = (data[0] as Float32Array).length * this.channels;
      if (this.channels > 1 && (!this.#buf || this.#buf.length !== n)) this.#buf = new Float32Array(n);
      x = interleave(data, this.#buf);
    }
    const err = this.#f.write(x);
    if (err !== null) fail('FILE_FAILED', `writing "${this.path}": ${err}`);
    this.frames += x.length / this.channels;
  }

  /** Completes the file. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    const err = this.#f.close();
    if (err !== null) fail('FILE_FAILED', `finishing "${this.path}": ${err}`);
  }
}

/** Reads a whole sound file into memory. @throws FILE_FAILED (also for a file cut short) */
export async function readSoundFile(path: string): Promise<Audio> {
  const r = SoundFileReader.open(path);
  try {
    if (r.truncated) fail('FILE_FAILED', `"${path}" is cut short: its header promises more audio than the ${r.frames} frames it holds`);
    const channels = Array.from({ length: r.channels }, () => new Float32Array(r.frames));
    let at = 0;
    for (const c of r.chunks()) {
      const n = (c[0] as Float32Array).length;
      if (at + n > r.frames) fail('FILE_FAILED', `"${path}" holds more frames than its header says (${r.frames})`);
      c.forEach((x, ch) => (channels[ch] as Float32Array).set(x, at));
      at += n;
    }
    return { sampleRate: r.sampleRate, channels: at === r.frames ? channels : channels.map((x) => x.slice(0, at)) };
  } finally {
    r.close();
  }
}

/** Writes channels to a sound file (container by extension; 32-bit float unless `format` says otherwise, 24-bit for FLAC). */
export async function writeSoundFile(path: string, audio: Audio, format?: SampleFormat): Promise<void> {
  require_(audio.channels.length > 0, 'writeSoundFile: at least one channel is needed');
  const w = SoundFileWriter.create(path, { channels: audio.channels.length, sampleRate: audio.sampleRate, ...(format ? { format } : {}) });
  try {
    const frames = (audio.channels[0] as Float32Array).length;
    for (let at = 0; at < frames; at += CHUNK) w.write(audio.channels.map((c) => c.subarray(at, Math.min(frames, at + CHUNK))));
  } finally {
    w.close();
  }
}

/** Resampling quality (libsamplerate's converters). */
export type ResampleQuality = 'best' | 'medium' | 'fastest' | 'zero-order-hold' | 'linear';
const QUALITIES: readonly ResampleQuality[] = ['best', 'medium', 'fastest', 'zero-order-hold', 'linear'];

/** Streaming sample-rate conversion of interleaved frames. */
export class Resampler {
  readonly channels: number;
  readonly ratio: number;
  readonly #r: NativeResampler;
  #pending: Float32Array = new Float32Array(0);
  #ended = false;

  constructor(channels: number, fromRate: number, toRate: number, quality: ResampleQuality = 'medium') {
    require_(Number.isInteger(channels) && channels >= 1 && channels <= 1024, `Resampler: channels must be an integer from 1 to 1024, got ${String(channels)}`);
    require_(fromRate > 0 && toRate > 0 && Number.isFinite(fromRate) && Number.isFinite(toRate), 'Resampler: rates must be positive numbers');
    require_(QUALITIES.includes(quality), `Resampler: quality must be one of ${QUALITIES.join(', ')}, got ${String(quality)}`);
    this.channels = channels;
    this.ratio = toRate / fromRate;
    this.#r = new native.NativeResampler();
    const err = this.#r.open(channels, this.ratio, QUALITIES.indexOf(quality));
    if (err !== null) fail('INVALID_ARGUMENT', `Resampler: ${err}`);
  }

  /** Converts the next interleaved frames (all of `end` flushes the rest); returns the frames made, interleaved. */
  process(input: Float32Array, end = false): Float32Array {
    const nch = this.channels;
    if (this.#ended) fail('INVALID_ARGUMENT', 'Resampler.process: the input already ended (process(x, true) flushed it); make a new Resampler');
    this.#ended = end;
    require_(input instanceof Float32Array && input.length % nch === 0, `Resampler.process: expected a Float32Array of whole frames of ${nch} channels, got ${input instanceof Float32Array ? `${input.length} samples` : typeof input}`);
    let x = this.#pending.length ? concat(this.#pending, input) : input;
    const parts: Float32Array[] = [];
    const room = Math.ceil((x.length / nch) * this.ratio) + 256;
    for (;;) {
      const out = new Float32Array(room * nch);
      const r = this.#r.process(x, out, end);
      if (typeof r === 'string') fail('INVALID_ARGUMENT', `Resampler: ${r}`);
      const [used, made] = r;
      if (made > 0) parts.push(out.subarray(0, made * nch));
      x = x.subarray(used * nch);
      if (made === 0 && (x.length === 0 || used === 0)) break;
      if (!end && used === 0) break;
    }
    this.#pending = x.slice();
    return parts.length === 1 ? (parts[0] as Float32Array) : parts.reduce((a, b) => concat(a, b), new Float32Array(0));
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const x = new Float32Array(a.length + b.length);
  x.set(a);
  x.set(b, a.length);
  return x;
}
