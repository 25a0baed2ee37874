/**
 * The CLI's --buffer SLOT=FILE: sound files for a module's buffer slots
 * (render, run, dev), converted to the rate the module runs at.
 */
import { fail } from './errors.js';
import { deinterleave, interleave, readSoundFile, Resampler, type Audio } from './sound-file.js';

/** Reads each --buffer slot=file, resampled to `rate` where it is not at it (and says so). */
export async function bufferFiles(list: string[] | undefined, rate: number, say: (msg: string) => void): Promise<Record<string, Audio>> {
  const out: Record<string, Audio> = {};
  for (const kv of list ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(kv);
    if (!m) fail('INVALID_ARGUMENT', `--buffer expects SLOT=FILE (a buffer slot of the module and a sound file), got "${kv}"`);
    const [, slot, file] = m as unknown as [string, string, string];
    const audio = await readSoundFile(file);
    if (audio.sampleRate === rate) {
      out[slot] = audio;
      continue;
    }
    say(`note: ${file} is ${audio.sampleRate} Hz; resampled to ${rate} Hz for buffer slot "${slot}"`);
    const r = new Resampler(audio.channels.length, audio.sampleRate, rate, 'best');
    out[slot] = { sampleRate: rate, channels: deinterleave(r.process(interleave(audio.channels), true), audio.channels.length) };
  }
  return out;
}

/** A note when a module has buffer slots that nothing fills. */
export function emptySlotsNote(slots: readonly string[], given: Record<string, Audio>, what: string): string | undefined {
  const empty = slots.filter((s) => !(s in given));
  if (!empty.length) return undefined;
  return `note: ${what} takes audio in buffer slot(s) ${empty.map((s) => `"${s}"`).join(', ')}, which stay empty (silent) without --buffer ${empty[0]}=file.wav`;
}
