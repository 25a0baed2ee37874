// Sampler: plays the audio in a SampleSlot by MIDI note, polyphonically.
// A note starts the sample from its first frame at a speed of
// 2^((note - rootNote + bend) / 12) (linear interpolation between frames;
// the root note plays it sample for sample), scaled by velocity / 127 and
// `gain`. Key up fades the voice out over `releaseSamples` (unless
// `oneShot`: the sample then plays to its end); a voice also ends at the
// end of the sample. Voice allocation, stealing, sustain pedal and pitch
// bend are the SDK's Voices.
import { SampleSlot } from "./buffers";
import { keepArrayBytes } from "./state";
import { STEAL_OLDEST, Voices, VOICES_POLY } from "./voices";

export class Sampler {
  readonly voices: Voices;
  readonly slot: SampleSlot;
  /** The MIDI note that plays the sample at its own pitch. */
  rootNote: f32 = 60;
  /** Fade-out after key up, samples (0: stop at once). */
  releaseSamples: i32 = 240;
  /** Gain of every voice (velocity scales it further). */
  gain: f32 = 1;
  /** Ignore key up: every note plays the sample to its end (drums). */
  oneShot: bool = false;

  // Per voice (structure of arrays).
  readonly pos: StaticArray<f64>; // frame in the sample
  readonly rate: StaticArray<f64>; // frames per output sample
  readonly amp: StaticArray<f32>; // velocity gain
  readonly env: StaticArray<f32>; // 1 while held, falls to 0 in the release
  readonly fall: StaticArray<f32>; // release step per sample (0: not releasing)

  constructor(slot: SampleSlot, count: i32 = 16) {
    this.slot = slot;
    this.voices = new Voices(count, VOICES_POLY, STEAL_OLDEST);
    this.pos = new StaticArray<f64>(count);
    this.rate = new StaticArray<f64>(count);
    this.amp = new StaticArray<f32>(count);
    this.env = new StaticArray<f32>(count);
    this.fall = new StaticArray<f32>(count);
  }

  /** Declared state (Processor.keep): the voices and where each is in the sample. */
  keepState(key: string): void {
    this.voices.keepState(key + ".voices");
    keepArrayBytes(key + ".pos", this.pos);
    keepArrayBytes(key + ".rate", this.rate);
    keepArrayBytes(key + ".amp", this.amp);
    keepArrayBytes(key + ".env", this.env);
    keepArrayBytes(key + ".fall", this.fall);
  }

  /** One MIDI message (notes, sustain pedal, pitch bend, all notes/sound off). */
  midi(status: i32, data1: i32, data2: i32): void {
    this.voices.midi(status, data1, data2);
    const voices = this.voices;
    for (let v = 0; v < voices.count; v++) {
      if (unchecked(voices.note[v]) < 0) continue;
      if (unchecked(voices.started[v])) {
        unchecked((voices.started[v] = 0));
        unchecked((this.pos[v] = 0));
        unchecked((this.amp[v] = unchecked(voices.velocity[v])));
        unchecked((this.env[v] = 1));
        unchecked((this.fall[v] = 0));
      }
      if (unchecked(voices.stopped[v])) {
        unchecked((voices.stopped[v] = 0));
        if (!this.oneShot) unchecked((this.fall[v] = this.releaseSamples > 0 ? 1 / <f32>this.releaseSamples : 1));
      }
      // Notes and pitch bend.
      unchecked((this.rate[v] = Math.pow(2, (<f64>unchecked(voices.note[v]) - <f64>this.rootNote + <f64>voices.bend) / 12)));
    }
  }

  /** Adds the sounding voices over frames [start, end): channel 0 of the sample to `left`, channel 1 (or 0 for mono audio) to `right` unless null. */
  process(left: Float32Array, right: Float32Array | null, start: i32, end: i32): void {
    const voices = this.voices;
    const slot = this.slot;
    const frames = <f64>slot.frames;
    for (let v = 0; v < voices.count; v++) {
      if (unchecked(voices.note[v]) < 0) continue;
      let pos = unchecked(this.pos[v]);
      const rate = unchecked(this.rate[v]);
      const amp = unchecked(this.amp[v]) * this.gain;
      let env = unchecked(this.env[v]);
      const fall = unchecked(this.fall[v]);
      let done = false;
      for (let k = start; k < end; k++) {
        if (pos >= frames) {
          done = true;
          break;
        }
        const g = amp * env;
        unchecked((left[k] += slot.readAt(0, pos) * g));
        if (right !== null) unchecked((right[k] += slot.readAt(1, pos) * g));
        pos += rate;
        if (fall > 0) {
          env -= fall;
          if (env <= 0) {
            done = true;
            break;
          }
        }
      }
      unchecked((this.pos[v] = pos));
      unchecked((this.env[v] = env));
      unchecked((voices.level[v] = env * amp));
      if (done) voices.free(v);
    }
  }
}
