// Voices: turns MIDI notes into voices for polyphonic and monophonic synths.
// Per-voice state is a structure of arrays (one array per field, indexed by
// voice), so a synth's loop over its voices reads contiguous memory.
//
// Modes:
//   VOICES_POLY    each note gets its own voice; when every voice is busy,
//                  one is stolen (the steal policy), released voices first.
//   VOICES_MONO    one voice (index 0), last-note priority: a new note, or
//                  going back to a still-held note on release, retriggers.
//   VOICES_LEGATO  like mono, but changing notes while one is held only
//                  changes the pitch (no retrigger).
// Steal policies (poly): STEAL_OLDEST (the voice started longest ago),
// STEAL_QUIETEST (the lowest `level`, which the synth writes), STEAL_NONE
// (a note with no free voice is dropped).
//
// The allocator sets flags; the synth acts on them in its next block:
//   started[v]  a note-on (re)started the voice: start its envelope, clear the flag
//   stopped[v]  its note ended (key up, pedal up, all notes off): release it, clear the flag
//   note[v]     the MIDI note, -1 for a free voice (a free voice makes no sound)
// and calls free(v) when a released voice has gone silent.
//
// Controllers: sustain pedal (CC 64 >= 64 holds released notes until the
// pedal goes up), mod wheel (CC 1 -> modWheel 0..1), all notes off (CC 123,
// releases every voice), all sound off (CC 120, frees every voice at once),
// pitch bend (bend in semitones = bendRange * (value - 8192) / 8192).
// MIDI channels are ignored (omni).
import { keepArrayBytes, keepField } from "./state";

export const VOICES_POLY: i32 = 0;
export const VOICES_MONO: i32 = 1;
export const VOICES_LEGATO: i32 = 2;

export const STEAL_OLDEST: i32 = 0;
export const STEAL_QUIETEST: i32 = 1;
export const STEAL_NONE: i32 = 2;

export class Voices {
  readonly count: i32;
  mode: i32;
  steal: i32;

  // Per voice (structure of arrays).
  readonly note: StaticArray<i32>;
  readonly velocity: StaticArray<f32>;
  readonly gate: StaticArray<u8>;
  readonly sustained: StaticArray<u8>;
  readonly started: StaticArray<u8>;
  readonly stopped: StaticArray<u8>;
  readonly age: StaticArray<u32>;
  readonly level: StaticArray<f32>;

  // Controllers.
  bendRange: f32 = 2;
  bend: f32 = 0; // semitones
  modWheel: f32 = 0;
  pedal: bool = false;

  // Mono/legato: keys held, in the order they were pressed.
  private held: StaticArray<i32> = new StaticArray<i32>(128);
  private heldCount: i32 = 0;
  private clock: u32 = 0;

  /** Declared state (Processor.keep): every voice, the keys held and the controllers; not the mode or bend range. */
  keepState(key: string): void {
    keepArrayBytes(key + ".note", this.note);
    keepArrayBytes(key + ".velocity", this.velocity);
    keepArrayBytes(key + ".gate", this.gate);
    keepArrayBytes(key + ".sustained", this.sustained);
    keepArrayBytes(key + ".started", this.started);
    keepArrayBytes(key + ".stopped", this.stopped);
    keepArrayBytes(key + ".age", this.age);
    keepArrayBytes(key + ".level", this.level);
    keepArrayBytes(key + ".held", this.held);
    keepField(key + ".bend", this, offsetof<Voices>("bend"), 4);
    keepField(key + ".modWheel", this, offsetof<Voices>("modWheel"), 4);
    keepField(key + ".pedal", this, offsetof<Voices>("pedal"), 1);
    keepField(key + ".heldCount", this, offsetof<Voices>("heldCount"), 4);
    keepField(key + ".clock", this, offsetof<Voices>("clock"), 4);
  }

  /** `count` voices (mono and legato use voice 0 only). */
  constructor(count: i32, mode: i32 = VOICES_POLY, steal: i32 = STEAL_OLDEST) {
    const n = count < 1 ? 1 : count;
    this.note = new StaticArray<i32>(n);
    this.velocity = new StaticArray<f32>(n);
    this.gate = new StaticArray<u8>(n);
    this.sustained = new StaticArray<u8>(n);
    this.started = new StaticArray<u8>(n);
    this.stopped = new StaticArray<u8>(n);
    this.age = new StaticArray<u32>(n);
    this.level = new StaticArray<f32>(n);
    this.count = n;
    this.mode = mode;
    this.steal = steal;
    for (let v = 0; v < n; v++) this.note[v] = -1;
  }

  /** Handles a short MIDI message; returns true if it was one Voices uses. */
  midi(status: i32, data1: i32, data2: i32): bool {
    const kind = status & 0xf0;
    if (kind == 0x90 && data2 > 0) {
      this.noteOn(data1 & 0x7f, <f32>(data2 & 0x7f) / 127);
      return true;
    }
    if (kind == 0x80 || kind == 0x90) {
      this.noteOff(data1 & 0x7f);
      return true;
    }
    if (kind == 0xe0) {
      const value = ((data2 & 0x7f) << 7) | (data1 & 0x7f);
      this.bend = (this.bendRange * <f32>(value - 8192)) / 8192;
      return true;
    }
    if (kind == 0xb0) {
      if (data1 == 64) this.setPedal(data2 >= 64);
      else if (data1 == 1) this.modWheel = <f32>(data2 & 0x7f) / 127;
      else if (data1 == 123) this.allNotesOff();
      else if (data1 == 120) this.allSoundOff();
      else return false;
      return true;
    }
    return false;
  }

  /** Starts `note` (0..127) at `velocity` (0..1); returns its voice, or -1 if dropped. */
  noteOn(note: i32, velocity: f32): i32 {
    if (this.mode != VOICES_POLY) return this.monoOn(note, velocity);
    let v = this.find(note);
    if (v < 0) v = this.freeVoice();
    if (v < 0) v = this.victim();
    if (v < 0) return -1;
    this.start(v, note, velocity, true);
    return v;
  }

  /** Ends `note` (or holds it while the pedal is down). */
  noteOff(note: i32): void {
    if (this.mode != VOICES_POLY) {
      this.monoOff(note);
      return;
    }
    const v = this.find(note);
    if (v >= 0) this.release(v);
  }

  /** Sustain pedal down/up; up releases every note it held. */
  setPedal(down: bool): void {
    this.pedal = down;
    if (down) return;
    for (let v = 0; v < this.count; v++) {
      if (unchecked(this.sustained[v])) {
        unchecked((this.sustained[v] = 0));
        this.stopGate(v);
      }
    }
  }

  /** Releases every voice (and forgets held keys and the pedal's hold). */
  allNotesOff(): void {
    this.heldCount = 0;
    for (let v = 0; v < this.count; v++) {
      unchecked((this.sustained[v] = 0));
      if (unchecked(this.gate[v])) this.stopGate(v);
    }
  }

  /** Frees every voice at once: the synth must go silent (note -1). */
  allSoundOff(): void {
    this.heldCount = 0;
    for (let v = 0; v < this.count; v++) this.free(v);
  }

  /** The synth's voice `v` has gone silent after its release: it is free again. */
  free(v: i32): void {
    if (v < 0 || v >= this.count) return;
    unchecked((this.note[v] = -1));
    unchecked((this.gate[v] = 0));
    unchecked((this.sustained[v] = 0));
    unchecked((this.started[v] = 0));
    unchecked((this.stopped[v] = 0));
    unchecked((this.level[v] = 0));
  }

  /** Frequency of voice `v` in Hz (equal temperament, A4 = 440 Hz), with the pitch bend. */
  frequency(v: i32): f32 {
    return 440 * Mathf.pow(2, (<f32>(unchecked(this.note[v]) - 69) + this.bend) / 12);
  }

  // --- poly -------------------------------------------------------------------

  /** The voice already playing `note` with its gate open, else -1. */
  private find(note: i32): i32 {
    for (let v = 0; v < this.count; v++) if (unchecked(this.note[v]) == note && unchecked(this.gate[v])) return v;
    return -1;
  }

  private freeVoice(): i32 {
    for (let v = 0; v < this.count; v++) if (unchecked(this.note[v]) < 0) return v;
    return -1;
  }

  /** The voice to steal: released voices before held ones, then by policy (lowest index on ties). */
  private victim(): i32 {
    if (this.steal == STEAL_NONE) return -1;
    let best = -1;
    for (let v = 0; v < this.count; v++) {
      if (best < 0 || this.better(v, best)) best = v;
    }
    return best;
  }

  private better(a: i32, b: i32): bool {
    const ga = unchecked(this.gate[a]), gb = unchecked(this.gate[b]);
    if (ga != gb) return ga < gb; // a released voice goes first
    if (this.steal == STEAL_QUIETEST && unchecked(this.level[a]) != unchecked(this.level[b])) {
      return unchecked(this.level[a]) < unchecked(this.level[b]);
    }
    return unchecked(this.age[a]) < unchecked(this.age[b]);
  }

  private start(v: i32, note: i32, velocity: f32, retrigger: bool): void {
    unchecked((this.note[v] = note));
    unchecked((this.velocity[v] = velocity < 0 ? 0 : velocity > 1 ? 1 : velocity));
    unchecked((this.gate[v] = 1));
    unchecked((this.sustained[v] = 0));
    unchecked((this.stopped[v] = 0));
    if (retrigger) unchecked((this.started[v] = 1));
    unchecked((this.age[v] = ++this.clock));
  }

  private release(v: i32): void {
    if (this.pedal) unchecked((this.sustained[v] = 1));
    else this.stopGate(v);
  }

  private stopGate(v: i32): void {
    unchecked((this.gate[v] = 0));
    unchecked((this.stopped[v] = 1));
  }

  // --- mono and legato -----------------------------------------------------------

  private monoOn(note: i32, velocity: f32): i32 {
    this.unhold(note);
    const others = this.heldCount > 0; // other keys still held
    if (this.heldCount < 128) unchecked((this.held[this.heldCount++] = note));
    // Legato: no retrigger while another key is held (or the same key again).
    const retrigger = this.mode == VOICES_MONO || !others || !unchecked(this.gate[0]);
    this.start(0, note, velocity, retrigger);
    return 0;
  }

  private monoOff(note: i32): void {
    this.unhold(note);
    if (unchecked(this.note[0]) != note || !unchecked(this.gate[0])) return;
    if (this.heldCount > 0) {
      // Back to the last key still held: mono retriggers, legato glides.
      const back = unchecked(this.held[this.heldCount - 1]);
      this.start(0, back, unchecked(this.velocity[0]), this.mode == VOICES_MONO);
      return;
    }
    this.release(0);
  }

  private unhold(note: i32): void {
    let k = 0;
    for (let i = 0; i < this.heldCount; i++) {
      const n = unchecked(this.held[i]);
      if (n != note) unchecked((this.held[k++] = n));
    }
    this.heldCount = k;
  }
}
