/**
 * The showcase of `npm run demo`: a MIDI piece (examples/midi/demo.mid)
 * through the poly synth into the tempo-synced delay, both running as
 * WebAssembly in the realtime thread; the synth's code is changed and
 * hot-swapped mid-piece with a crossfade (the notes keep sounding); meters
 * in the terminal; the result recorded to a WAV. On a real server it plays
 * on the first playback ports.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { styleText } from 'node:util';
import type { Client } from './client.js';
import { compile, defaultCacheDir, type CompiledModule } from './dsp/compile.js';
import { compileFile } from './dsp/instance.js';
import { readMidiFile } from './midi-file.js';
import { packageRoot } from './native.js';
import type { OwnPort, Port } from './port.js';
import { writeSoundFile as writeWav } from './sound-file.js';

export interface LiveDemoOptions {
  client: Client;
  /** The edited synth, being built (startVariantBuild). */
  variant: Promise<{ compiled: CompiledModule; ms: number }>;
  /** Seconds of the piece to play (the swap comes at about 40% of it). */
  seconds: number;
  playback: Port[];
  log: (line: string) => void;
  color: (style: Parameters<typeof styleText>[0], text: string) => string;
  stamp: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A bar graph of a block's RMS level. */
export function meter(x: Float32Array, width = 24): string {
  let sum = 0;
  for (const v of x) sum += v * v;
  const db = 10 * Math.log10(sum / Math.max(1, x.length) + 1e-12);
  const bars = Math.max(0, Math.min(width, Math.round(((db + 60) / 60) * width)));
  return `${'█'.repeat(bars)}${'░'.repeat(width - bars)} ${db.toFixed(1).padStart(6)} dBFS`;
}

/**
 * The poly synth's source with another sound: a square wave through a
 * brighter, more resonant filter (what a person live-coding would type).
 */
function brighter(source: string, sdk: string): string {
  const edits: [RegExp, string][] = [
    [/this\.addParam\("waveform", "Waveform", 0, 3, \d+\)/, 'this.addParam("waveform", "Waveform", 0, 3, 1)'],
    [/this\.addParam\("cutoff", "Cutoff", 20, 20000, \d+, "Hz"\)/, 'this.addParam("cutoff", "Cutoff", 20, 20000, 5200, "Hz")'],
    [/this\.addParam\("resonance", "Resonance", 0\.5, 20, [\d.]+, "Q"\)/, 'this.addParam("resonance", "Resonance", 0.5, 20, 4, "Q")'],
  ];
  // The copy lives elsewhere: import the SDK by a path relative to it (asc takes no absolute ones).
  let out = source.replaceAll('"../../dsp-asm"', JSON.stringify(sdk)).replaceAll('"../../dsp-asm/abi-midi"', JSON.stringify(`${sdk}/abi-midi`));
  for (const [re, to] of edits) {
    if (!re.test(out)) throw new Error(`demo: examples/dsp/poly.ts changed; cannot make the variant (${re})`);
    out = out.replace(re, to);
  }
  return out;
}

/**
 * Starts building the edited synth in the background (AssemblyScript, then C;
 * both cached for the next run), in the user's cache folder (the package
 * itself may be read-only). The demo starts it early so that on a cold cache
 * it is ready by mid-piece.
 */
export function startVariantBuild(): Promise<{ compiled: CompiledModule; ms: number }> {
  const root = packageRoot();
  const variantDir = join(defaultCacheDir(), 'demo');
  const variantFile = join(variantDir, 'poly-bright.ts');
  const variant = (async () => {
    await mkdir(variantDir, { recursive: true, mode: 0o700 });
    await writeFile(variantFile, brighter(await readFile(join(root, 'examples', 'dsp', 'poly.ts'), 'utf8'), relativeImport(variantDir, join(root, 'dsp-asm'))));
    const t = performance.now();
    const { compiled } = await compileFile(variantFile);
    return { compiled, ms: performance.now() - t };
  })();
  variant.catch(() => {}); // awaited by the demo
  return variant;
}

export async function runLiveDemo({ client, variant, seconds, playback, log, color, stamp }: LiveDemoOptions): Promise<void> {
  const root = packageRoot();
  const example = async (name: string): Promise<CompiledModule> =>
    compile(new Uint8Array(await readFile(join(root, 'build', 'examples', `${name}.wasm`))), { name });
  const song = await readMidiFile(join(root, 'examples', 'midi', 'demo.mid'));
  const bpm = song.tempos[0]?.bpm ?? 120;

  const synth = await client.load(await example('poly'), { name: 'poly', params: { level: -14, release: 600 } });
  const delay = await client.load(await example('tempo-delay'), { name: 'echo', params: { division: 2, feedback: 0.45, mix: 0.3 } });
  for (const input of delay.inputs) client.connect(synth.outputs[0] as OwnPort, input);
  delay.outputs.forEach((p, i) => {
    const speaker = playback[i];
    if (speaker) client.connect(p, speaker);
  });
  log(`  poly (8 voices) -> tempo-delay (dotted 1/8) -> ${playback.map((p) => p.name).join(', ') || '(no playback ports on this server)'}`);

  // The delay follows the song's tempo through JACK's timebase.
  client.setTimebase({ bpm: Math.round(bpm), beatsPerBar: 4 });
  client.transportFrame = 0;
  client.transportStart();

  const variantDir = join(defaultCacheDir(), 'demo');

  const frames = Math.round(seconds * client.sampleRate);
  const recording = client.record([...delay.outputs], { frames: frames + client.sampleRate });
  await sleep(50);
  const play = synth.playMidi(song);
  log(`  ${stamp()} playing examples/midi/demo.mid at ${Math.round(bpm)} bpm (${play.total} events), recording ${seconds + 1} s`);
  const swapAt = Date.now() + seconds * 400;
  let swapped = false;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(500, Math.max(0, end - Date.now())));
    const level = await client.record([delay.outputs[0] as OwnPort], { seconds: 0.05 });
    const p = client.transportQuery().position;
    log(`  ${stamp()} bar ${String(p.bar ?? '-').padStart(2)}|${p.beat ?? '-'}  ${meter(level.channels[0] as Float32Array)}  dsp load ${client.cpuLoad().toFixed(1)}%`);
    if (!swapped && Date.now() >= swapAt) {
      swapped = true;
      const v = await variant;
      const r = await synth.swap(v.compiled, { crossfadeMs: 20 });
      log(`  ${stamp()} ${color('green', 'hot-swapped the synth')} to an edited poly.ts (square wave, brighter filter; built off-thread in ${v.ms.toFixed(0)} ms):`);
      log(`             audible ${r.audibleMs.toFixed(0)} ms after swap(), 20 ms crossfade, state carried: ${r.state.carried.join(', ')}; the notes kept sounding`);
    }
  }
  play.stop();
  const rec = await recording;
  const wav = join(variantDir, 'demo.wav');
  await writeWav(wav, { sampleRate: client.sampleRate, channels: rec.channels });
  log(`  ${stamp()} recorded ${(rec.channels[0]?.length ?? 0) / client.sampleRate} s to ${wav}  ${meter(rec.channels[0] as Float32Array)}`);
  log(`  the modules ran ${delay.cycles} cycles; the synth was swapped ${synth.swaps} time(s) while playing`);
  client.transportStop();
  client.releaseTimebase();
  await delay.unload();
  await synth.unload();
}

/** An import path from `from` to `to` that AssemblyScript reads as relative. */
function relativeImport(from: string, to: string): string {
  const r = relative(from, to);
  return r.startsWith('.') ? r : `./${r}`;
}
