/**
 * `jackwasm record` and `jackwasm play`: sound files to and from any ports,
 * streamed in constant memory (a read or write stream on one side,
 * libsndfile on the other). Losses are counted and reported: frames the
 * recorder could not keep up with are written as silence (so the file keeps
 * its timing), frames the player delivered late played as silence.
 */
import { once } from 'node:events';
import { Client } from './client.js';
import { fail } from './errors.js';
import type { Port } from './port.js';
import { Resampler, SAMPLE_FORMATS, SoundFileReader, SoundFileWriter, type SampleFormat } from './sound-file.js';

export interface RecordCommand {
  serverName: string;
  clientName: string;
  ports: string[];
  out: string;
  seconds: number | undefined;
  format: string | undefined;
  json: boolean;
  print: (line: string) => void;
}

/** Resolves when asked to stop (Ctrl-C or SIGTERM). */
function interrupted(): { promise: Promise<void>; dispose: () => void } {
  let done!: () => void;
  const promise = new Promise<void>((r) => (done = r));
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  return { promise, dispose: () => (process.off('SIGINT', done), process.off('SIGTERM', done)) };
}

export async function recordCommand(o: RecordCommand): Promise<number> {
  const format = o.format as SampleFormat | undefined;
  if (format !== undefined && !SAMPLE_FORMATS.includes(format)) fail('INVALID_ARGUMENT', `--format must be one of ${SAMPLE_FORMATS.join(', ')}, got "${o.format}"`);
  if (o.ports.length === 0) fail('INVALID_ARGUMENT', 'usage: jackwasm record <port...> --out file.wav [--seconds N] [--format f32|s24|s16]');
  await using client = await Client.open(o.clientName, { serverName: o.serverName });
  client.activate();
  const sources = o.ports.map((p) => client.getPortByName(p));
  const rate = client.sampleRate;
  const total = o.seconds === undefined ? Infinity : Math.round(o.seconds * rate);
  // The stream first: it checks the ports before the file is touched.
  const stream = client.createReadStream(sources, { blockFrames: Math.max(client.blockSize, 4096), ringSeconds: 4 });
  let writer: SoundFileWriter;
  try {
    writer = SoundFileWriter.create(o.out, { channels: sources.length, sampleRate: rate, ...(format ? { format } : {}) });
  } catch (err) {
    stream.destroy();
    throw err;
  }
  const stop = interrupted();
  let xruns = 0;
  client.on('xrun', () => xruns++);
  let lost = 0;
  let firstFrame: number | undefined;
  if (!o.json) o.print(`recording ${sources.map((s) => s.name).join(', ')} to ${o.out} (${writer.format}, ${rate} Hz)${total === Infinity ? '; Ctrl-C stops' : ''}`);
  try {
    let expected: number | undefined;
    const reading = (async () => {
      for await (const b of stream as AsyncIterable<{ frame: number; channels: Float32Array[] }>) {
        firstFrame ??= b.frame;
        // Frames the audio thread dropped (the reader fell behind) become silence, so the
        // file keeps its timing. (A jump of frame time without a loss is the driver skipping.)
        const gap = expected === undefined ? 0 : (b.frame - expected) >>> 0;
        const silence = Math.min(gap, stream.lostFrames - lost, total - writer.frames);
        if (silence > 0) {
          writer.write(sources.map(() => new Float32Array(silence)));
          lost += silence;
        }
        expected = (b.frame + (b.channels[0] as Float32Array).length) >>> 0;
        const n = Math.min((b.channels[0] as Float32Array).length, total - writer.frames);
        writer.write(b.channels.map((c) => c.subarray(0, n)));
        if (writer.frames >= total) break;
      }
    })();
    await Promise.race([reading, stop.promise]);
  } finally {
    stop.dispose();
    stream.destroy();
    writer.close();
  }
  const summary = { file: o.out, ports: sources.map((s) => s.name), format: writer.format, sampleRate: rate, frames: writer.frames, seconds: writer.frames / rate, startFrame: firstFrame ?? null, lostFrames: Math.max(lost, stream.lostFrames), xruns };
  if (o.json) o.print(JSON.stringify(summary));
  else o.print(`wrote ${o.out}: ${writer.frames} frames (${summary.seconds.toFixed(2)} s) of ${sources.length} channel(s)${summary.lostFrames ? `; ${summary.lostFrames} frames were lost (the disk or this process fell behind) and written as silence` : ', nothing lost'}${xruns ? `; the server reported ${xruns} xrun(s) meanwhile (audio may have skipped)` : ''}`);
  return 0;
}

export interface PlayCommand {
  serverName: string;
  clientName: string;
  file: string;
  to: string[] | undefined;
  loop: boolean;
  resample: boolean;
  json: boolean;
  print: (line: string) => void;
}

export async function playCommand(o: PlayCommand): Promise<number> {
  const reader = SoundFileReader.open(o.file);
  try {
    await using client = await Client.open(o.clientName, { serverName: o.serverName });
    client.activate();
    const rate = client.sampleRate;
    if (reader.sampleRate !== rate && !o.resample) {
      fail('SAMPLE_RATE_MISMATCH', `"${o.file}" is ${reader.sampleRate} Hz and the server runs at ${rate} Hz; pass --resample to convert it`);
    }
    if (reader.frames === 0) fail('FILE_FAILED', `"${o.file}" holds no audio`);
    if (reader.truncated && !o.json) o.print(`warning: ${o.file} is cut short: its header promises more audio than the ${reader.frames} frames it holds; playing those`);
    const dsts = destinations(client, o.to, reader.channels);
    const nch = reader.channels;
    // File channel of each destination: one each, or a mono file to every destination.
    const map = dsts.map((_, i) => (nch === 1 ? 0 : i));
    const resampler = reader.sampleRate !== rate ? new Resampler(nch, reader.sampleRate, rate) : undefined;
    const stream = client.createWriteStream(dsts, { ringSeconds: 2 });
    const stop = interrupted();
    let xruns = 0;
    client.on('xrun', () => xruns++);
    let stopped = false;
    void stop.promise.then(() => {
      stopped = true;
      stream.destroy();
    });
    if (!o.json) o.print(`playing ${o.file} (${reader.format}, ${nch} channel(s), ${reader.sampleRate} Hz${resampler ? `, resampled to ${rate} Hz` : ''}) to ${dsts.map((d) => d.name).join(', ')}${o.loop ? '; looping, Ctrl-C stops' : ''}`);
    let passes = 0;
    try {
      const chunk = new Float32Array(16384 * nch);
      const send = async (x: Float32Array): Promise<void> => {
        const frames = x.length / nch;
        if (frames === 0 || stopped) return;
        const channels = map.map((ch) => {
          const c = new Float32Array(frames);
          for (let i = 0, j = ch; i < frames; i++, j += nch) c[i] = x[j] as number;
          return c;
        });
        if (!stream.write(channels)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
      };
      do {
        if (passes > 0) reader.seek(0);
        passes++;
        await new Promise((r) => setImmediate(r)); // Ctrl-C is heard between passes, however short
        for (let n = reader.readInterleaved(chunk); n > 0 && !stopped; n = reader.readInterleaved(chunk)) {
          const x = chunk.subarray(0, n * nch);
          await send(resampler ? resampler.process(x) : x.slice());
        }
      } while (o.loop && !stopped);
      if (resampler && !stopped) await send(resampler.process(new Float32Array(0), true));
      if (!stopped) {
        stream.end();
        await Promise.race([once(stream, 'finish'), once(stream, 'close')]);
      }
    } finally {
      stop.dispose();
      if (!stream.destroyed) stream.destroy();
    }
    // Passes played, not read ahead into the ring.
    const perPass = resampler ? Math.round(reader.frames * resampler.ratio) : reader.frames;
    passes = perPass > 0 ? Math.ceil(stream.playedFrames / perPass) : 0;
    const summary = { file: o.file, ports: dsts.map((d) => d.name), sampleRate: rate, frames: stream.playedFrames, seconds: stream.playedFrames / rate, startFrame: stream.startFrame ?? null, underrunFrames: stream.underrunFrames, passes, stopped, xruns, truncated: reader.truncated };
    if (o.json) o.print(JSON.stringify(summary));
    else o.print(`played ${stream.playedFrames} frames (${summary.seconds.toFixed(2)} s)${o.loop ? ` in ${passes} pass(es)` : ''}${stream.underrunFrames ? `; ${stream.underrunFrames} frames came late and played as silence` : ', none late'}${xruns ? `; the server reported ${xruns} xrun(s) meanwhile (audio may have skipped)` : ''}`);
    return 0;
  } finally {
    reader.close();
  }
}

/** The ports to play into: --to, or the first physical playback ports. */
function destinations(client: Client, to: string[] | undefined, nch: number): Port[] {
  if (to && to.length) {
    const ports = to.map((p) => client.getPortByName(p));
    if (nch !== 1 && ports.length !== nch) fail('INVALID_ARGUMENT', `the file has ${nch} channels; give one --to port per channel (got ${ports.length})`);
    return ports;
  }
  const physical = client.getPorts({ isPhysical: true, isInput: true, isAudio: true });
  if (physical.length === 0) fail('NO_SUCH_PORT', 'no physical playback ports; name the ports with --to PORT');
  const want = nch === 1 ? Math.min(2, physical.length) : nch;
  if (physical.length < want) fail('INVALID_ARGUMENT', `the file has ${nch} channels and there are ${physical.length} physical playback ports; name the ports with --to PORT`);
  return physical.slice(0, want);
}
