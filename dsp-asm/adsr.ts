// ADSR envelope with LINEAR segments of fixed duration (f32).
//
// Each segment runs from the level where it starts to its target in
// n = max(1, round(time·sampleRate)) samples: level_k = start + (target −
// start)·(k/n) for k = 1..n, with the n-th sample exactly the target.
//   attack:  current level -> 1        (gateOn(); retrigger starts from the current level, no click)
//   decay:   1 -> sustain
//   sustain: holds `sustain` (setSustain() jumps there; during the decay it
//            retargets the rest of the decay)
//   release: current level -> 0        (gateOff() from any stage)
// next() advances one sample and returns the new level, so after gateOn()
// with attack a samples and decay d samples, sample a−1 (0-based) is 1.0 and
// sample a+d−1 is exactly the sustain level.
import { keepField } from "./state";

export const ADSR_IDLE: i32 = 0;
export const ADSR_ATTACK: i32 = 1;
export const ADSR_DECAY: i32 = 2;
export const ADSR_SUSTAIN: i32 = 3;
export const ADSR_RELEASE: i32 = 4;

export class Adsr {
  attackSamples: i32 = 1;
  decaySamples: i32 = 1;
  releaseSamples: i32 = 1;
  sustain: f32 = 1;

  stage: i32 = ADSR_IDLE;
  level: f32 = 0;
  // Current segment.
  private start: f32 = 0;
  private target: f32 = 0;
  private count: i32 = 0;
  private length: i32 = 1;

  /** Declared state (Processor.keep): the stage, level and position in it; not the times or sustain. */
  keepState(key: string): void {
    const from = offsetof<Adsr>("stage");
    keepField(key + ".segment", this, from, offsetof<Adsr>() - from);
  }

  @inline static samples(seconds: f32, sampleRate: f32): i32 {
    const n = Mathf.round(seconds * sampleRate);
    return n >= 1 ? (n < 2147483520 ? <i32>n : 2147483520) : 1;
  }

  /** Times in seconds, sustain level 0..1. Takes effect at the next segment. */
  set(attack: f32, decay: f32, sustain: f32, release: f32, sampleRate: f32): void {
    this.attackSamples = Adsr.samples(attack, sampleRate);
    this.decaySamples = Adsr.samples(decay, sampleRate);
    this.releaseSamples = Adsr.samples(release, sampleRate);
    this.setSustain(sustain);
  }

  setSustain(level: f32): void {
    this.sustain = level < 0 ? 0 : level > 1 ? 1 : level;
    if (this.stage == ADSR_SUSTAIN) this.level = this.sustain;
    else if (this.stage == ADSR_DECAY) this.target = this.sustain;
  }

  private begin(stage: i32, target: f32, length: i32): void {
    this.stage = stage;
    this.start = this.level;
    this.target = target;
    this.count = 0;
    this.length = length;
  }

  /** Starts (or restarts) the attack from the current level. */
  gateOn(): void {
    this.begin(ADSR_ATTACK, 1, this.attackSamples);
  }

  /** Starts the release from the current level (no-op when idle). */
  gateOff(): void {
    if (this.stage != ADSR_IDLE) this.begin(ADSR_RELEASE, 0, this.releaseSamples);
  }

  /** Back to idle at level 0. */
  reset(): void {
    this.stage = ADSR_IDLE;
    this.level = 0;
  }

  /** True unless idle. */
  @inline get active(): bool {
    return this.stage != ADSR_IDLE;
  }

  /**
   * Adds `src` times the envelope times `gain` into `dst` for frames `from`
   * to `to` (exclusive): dst[k] += src[srcOffset + k] * next() * gain, the
   * same values in the same order as next() per sample. Rationale: the
   * segment's position stays in locals, and a held level (sustain, idle)
   * takes no per-sample steps.
   */
  mixInto(dst: Float32Array, src: Float32Array, srcOffset: i32, from: i32, to: i32, gain: f32): void {
    // Never past either array: from >= 0, from + srcOffset >= 0, to within both.
    from = max(from, max(0, -srcOffset));
    to = min(to, min(dst.length, src.length - srcOffset));
    const d = dst.dataStart;
    const s = src.dataStart + (<usize>srcOffset << 2);
    let k = from;
    while (k < to) {
      const stage = this.stage;
      if (stage == ADSR_IDLE || stage == ADSR_SUSTAIN) {
        const level = this.level;
        for (; k < to; k++) {
          const o = <usize>k << 2;
          store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o) * level * gain);
        }
        return;
      }
      // Inside the segment: up to the sample before its last, or the end.
      const start = this.start, target = this.target, length = this.length;
      let count = this.count;
      let level = this.level;
      const left = length - 1 - count;
      const stop = left < to - k ? k + left : to;
      for (; k < stop; k++) {
        count++;
        level = start + (target - start) * (<f32>count / <f32>length);
        const o = <usize>k << 2;
        store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o) * level * gain);
      }
      this.count = count;
      this.level = level;
      if (k < to) {
        // The segment's last sample: next() moves on to the next stage.
        const o = <usize>k << 2;
        store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o) * this.next() * gain);
        k++;
      }
    }
  }

  /** Advances one sample and returns the level. */
  @inline next(): f32 {
    const stage = this.stage;
    if (stage == ADSR_IDLE || stage == ADSR_SUSTAIN) return this.level;
    const k = this.count + 1;
    this.count = k;
    if (k >= this.length) {
      this.level = this.target;
      if (stage == ADSR_ATTACK) this.begin(ADSR_DECAY, this.sustain, this.decaySamples);
      else if (stage == ADSR_DECAY) this.stage = ADSR_SUSTAIN;
      else this.stage = ADSR_IDLE;
    } else {
      this.level = this.start + (this.target - this.start) * (<f32>k / <f32>this.length);
    }
    return this.level;
  }
}
