// arp: an arpeggiator. Shows a module that plays MIDI rather than audio: it
// takes the notes held on its MIDI input and plays them one at a time on its
// MIDI output (midiOutputs = 1, midiOut()), in time with the song: steps are
// a note value at the timebase master's tempo (or the "bpm" parameter), and
// while the transport rolls they fall on the beat grid. Connect its output to
// a synth's MIDI input (examples/dsp/poly.ts). No audio ports.
import { Processor, register, midiOut } from "../../dsp-asm";

const RATE = 0;
const PATTERN = 1;
const OCTAVES = 2;
const GATE = 3;
const BPM = 4;
// Beats per step for "rate": 1/8, 1/16, 1/8 triplet, 1/32.
const STEP_BEATS: StaticArray<f64> = [0.5, 0.25, 1.0 / 3.0, 0.125];
const MAX_HELD = 16;

class Arp extends Processor {
  held: StaticArray<i32> = new StaticArray<i32>(MAX_HELD); // sorted, low to high
  velocity: StaticArray<i32> = new StaticArray<i32>(MAX_HELD);
  heldCount: i32 = 0;
  step: i32 = 0; // steps played since the pattern started
  playing: i32 = -1; // the note sounding now (-1: none)
  sinceStep: f64 = 0; // samples since the current step began (free-running without a rolling transport)
  startAt: i32 = -1; // frame offset in the next block of the first note of a new chord

  constructor() {
    super("arp", 0, 0);
    this.midiInputs = 1;
    this.midiOutputs = 1;
    this.addParam("rate", "Rate", 0, 3, 1); // 0 1/8, 1 1/16, 2 1/8 triplet, 3 1/32
    this.addParam("pattern", "Pattern", 0, 2, 0); // 0 up, 1 down, 2 up-down
    this.addParam("octaves", "Octaves", 1, 3, 1);
    this.addParam("gate", "Gate", 0.05, 1, 0.5);
    this.addParam("bpm", "Tempo without a timebase master", 20, 300, 120, "bpm");
    this.useTransport();
  }

  init(sampleRate: f32, maxFrames: i32): void {
    this.keepArray("held", this.held);
    this.keepArray("velocity", this.velocity);
  }

  noteOn(note: i32, velocity: i32): void {
    const n = this.heldCount;
    if (n >= MAX_HELD) return;
    let i = 0;
    while (i < n && unchecked(this.held[i]) < note) i++;
    if (i < n && unchecked(this.held[i]) == note) return;
    for (let k = n; k > i; k--) {
      unchecked((this.held[k] = this.held[k - 1]));
      unchecked((this.velocity[k] = this.velocity[k - 1]));
    }
    unchecked((this.held[i] = note));
    unchecked((this.velocity[i] = velocity));
    this.heldCount = n + 1;
    if (n == 0) {
      this.step = 0; // a new chord starts the pattern from its first note
      this.startAt = this.midiFrame; // on the note's own frame (free-running)
    }
  }

  noteOff(note: i32): void {
    const n = this.heldCount;
    for (let i = 0; i < n; i++) {
      if (unchecked(this.held[i]) != note) continue;
      for (let k = i; k < n - 1; k++) {
        unchecked((this.held[k] = this.held[k + 1]));
        unchecked((this.velocity[k] = this.velocity[k + 1]));
      }
      this.heldCount = n - 1;
      return;
    }
  }

  /** The note of step `s` (pattern over the held notes and octaves). */
  noteAt(s: i32): i32 {
    const n = this.heldCount;
    const span = n * <i32>this.param(OCTAVES);
    const pattern = <i32>this.param(PATTERN);
    let k = s % span;
    if (pattern == 1) k = span - 1 - k;
    else if (pattern == 2 && span > 1) {
      const cycle = 2 * span - 2;
      k = s % cycle;
      if (k >= span) k = cycle - k;
    }
    return unchecked(this.held[k % n]) + 12 * (k / n);
  }

  process(frames: i32): void {
    const t = this.transport!;
    const bpm: f64 = t.hasTempo && t.bpm > 0 ? t.bpm : <f64>this.param(BPM);
    const stepSamples = ((60.0 * <f64>this.sampleRate) / bpm) * unchecked(STEP_BEATS[<i32>Mathf.round(this.param(RATE))]);
    const gateSamples = stepSamples * <f64>this.param(GATE);
    // With a rolling transport and a tempo, steps follow the beat grid: the
    // position in the current step comes from the song position.
    if (t.rolling && t.hasTempo) {
      const beats = <f64>(t.bar - 1) * <f64>t.beatsPerBar + t.beatInBar;
      const steps = beats / unchecked(STEP_BEATS[<i32>Mathf.round(this.param(RATE))]);
      this.sinceStep = (steps - Math.floor(steps)) * stepSamples;
      if (this.sinceStep < 0.5) this.sinceStep = stepSamples; // on a step boundary: play it now
    } else if (this.startAt >= 0) {
      this.sinceStep = stepSamples - <f64>this.startAt;
    }
    this.startAt = -1;
    for (let i = 0; i < frames; i++) {
      if (this.playing >= 0 && this.sinceStep >= gateSamples) {
        midiOut(i, 0x80, this.playing, 0);
        this.playing = -1;
      }
      // (Half a sample early counts: a step position from the song lands between samples.)
      if (this.sinceStep >= stepSamples - 0.5) {
        this.sinceStep = 0;
        if (this.playing >= 0) {
          midiOut(i, 0x80, this.playing, 0);
          this.playing = -1;
        }
        if (this.heldCount > 0) {
          const note = this.noteAt(this.step);
          if (note < 128) {
            midiOut(i, 0x90, note, unchecked(this.velocity[this.step % this.heldCount]));
            this.playing = note;
          }
          this.step++;
        }
      }
      this.sinceStep += 1;
    }
  }
}

register(new Arp());
export * from "../../dsp-asm/abi-midi";
