// VoiceRows: runs a synth's per-voice chain for all sounding voices a stage
// at a time, each voice in its own row of a scratch buffer, and sums the
// rows into the output in voice order, so the output is sample for sample
// what stepping every voice through next()/process() per sample gives.
//
//   rows.collect(voices)                         the sounding voices (note >= 0), in index order
//   rows.oscillators(osc, from, to)              each row := its voice's oscillator
//   rows.filters(filter, from, to)               each row through its voice's biquad
//   rows.mixEnvelopes(env, gain, out, from, to)  out[k] += row[k] * envelope * gain, voice by voice
//
// Rationale: a voice's oscillator phase and filter state are recursions
// from sample to sample, so one voice at a time is bound by their latency
// (a biquad's chain is four dependent operations per sample). Here each
// stage keeps its state in locals over the range and runs four voices'
// recursions side by side (measured: the poly example went from 67-70% of
// the same synth in C, bench/polyphony.mjs, to 90-100%).
import { Adsr, ADSR_IDLE, ADSR_SUSTAIN } from "./adsr";
import { Biquad } from "./biquad";
import { Oscillator } from "./osc";
import { Voices } from "./voices";

export class VoiceRows {
  /** Row r holds samples 0..stride-1 of the r-th sounding voice. */
  readonly rows: Float32Array;
  readonly stride: i32;
  /** The sounding voices (indices into the synth's per-voice arrays), `count` of them. */
  readonly voice: StaticArray<i32>;
  count: i32 = 0;

  /** Allocates the rows (call from init(), where maxFrames is known). */
  constructor(maxVoices: i32, maxFrames: i32) {
    this.rows = new Float32Array(maxVoices * maxFrames);
    this.stride = maxFrames;
    this.voice = new StaticArray<i32>(maxVoices);
  }

  /** Keeps only the sounding voices an array of `length` holds (a shorter array than the voices: the rest are left out). */
  private check(length: i32): void {
    let n = 0;
    for (let r = 0; r < this.count; r++) {
      const v = unchecked(this.voice[r]);
      if (v < length) unchecked((this.voice[n++] = v));
    }
    this.count = n;
  }

  /** Takes the voices that have a note (note[v] >= 0), in index order. */
  collect(voices: Voices): void {
    let n = 0;
    const max = min(voices.count, this.voice.length);
    for (let v = 0; v < max; v++) if (unchecked(voices.note[v]) >= 0) unchecked((this.voice[n++] = v));
    this.count = n;
  }

  /** Fills frames `from` to `to` (exclusive) of each row with its voice's oscillator (as next() would). */
  oscillators(osc: StaticArray<Oscillator>, from: i32, to: i32): void {
    this.check(osc.length);
    from = max(from, 0);
    to = min(to, this.stride); // a row holds stride frames
    const n = this.count, stride = this.stride, rows = this.rows;
    let r = 0;
    for (; r + 3 < n; r += 4) phases4(osc, this.voice, r, rows.dataStart, stride, from, to);
    for (; r < n; r++) unchecked(osc[unchecked(this.voice[r])]).writePhases(rows, r * stride + from, r * stride + to);
    for (r = 0; r < n; r++) unchecked(osc[unchecked(this.voice[r])]).shapePhases(rows, r * stride + from, r * stride + to);
  }

  /** Filters frames `from` to `to` (exclusive) of each row in place through its voice's biquad (as process() would; no flush()). */
  filters(filter: StaticArray<Biquad>, from: i32, to: i32): void {
    this.check(filter.length);
    from = max(from, 0);
    to = min(to, this.stride); // a row holds stride frames
    const n = this.count, stride = this.stride, rows = this.rows;
    let r = 0;
    for (; r + 3 < n; r += 4) biquads4(filter, this.voice, r, rows.dataStart, stride, from, to);
    for (; r < n; r++) unchecked(filter[unchecked(this.voice[r])]).processRange(rows, r * stride + from, r * stride + to);
  }

  /** out[k] += row[k] * env.next() * gain[v] for frames `from` to `to` (exclusive), voice after voice. */
  mixEnvelopes(env: StaticArray<Adsr>, gain: StaticArray<f32>, out: Float32Array, from: i32, to: i32): void {
    this.check(min(env.length, gain.length));
    from = max(from, 0);
    to = min(to, min(this.stride, out.length)); // a row holds stride frames
    const n = this.count, stride = this.stride, rows = this.rows;
    let r = 0;
    while (r < n) {
      // Four voices at a held level (sustain, idle) in one pass over out.
      if (r + 3 < n && heldAt(env, this.voice, r) && heldAt(env, this.voice, r + 1) && heldAt(env, this.voice, r + 2) && heldAt(env, this.voice, r + 3)) {
        mixHeld4(env, gain, this.voice, r, rows.dataStart, stride, out.dataStart, from, to);
        r += 4;
      } else {
        const v = unchecked(this.voice[r]);
        unchecked(env[v]).mixInto(out, rows, r * stride, from, to, unchecked(gain[v]));
        r++;
      }
    }
  }
}

@inline function heldAt(env: StaticArray<Adsr>, voice: StaticArray<i32>, r: i32): bool {
  const stage = unchecked(env[unchecked(voice[r])]).stage;
  return stage == ADSR_SUSTAIN || stage == ADSR_IDLE;
}

// out[k] += row * level * gain for four voices at held levels, in voice order.
function mixHeld4(env: StaticArray<Adsr>, gain: StaticArray<f32>, voice: StaticArray<i32>, r: i32, base: usize, stride: i32, out: usize, from: i32, to: i32): void {
  const v0 = unchecked(voice[r]), v1 = unchecked(voice[r + 1]), v2 = unchecked(voice[r + 2]), v3 = unchecked(voice[r + 3]);
  const l0 = unchecked(env[v0]).level, l1 = unchecked(env[v1]).level, l2 = unchecked(env[v2]).level, l3 = unchecked(env[v3]).level;
  const g0 = unchecked(gain[v0]), g1 = unchecked(gain[v1]), g2 = unchecked(gain[v2]), g3 = unchecked(gain[v3]);
  const row = <usize>stride << 2;
  const p0 = base + <usize>r * row, p1 = p0 + row, p2 = p1 + row, p3 = p2 + row;
  for (let k = from; k < to; k++) {
    const o = <usize>k << 2;
    let y = load<f32>(out + o);
    y = y + load<f32>(p0 + o) * l0 * g0;
    y = y + load<f32>(p1 + o) * l1 * g1;
    y = y + load<f32>(p2 + o) * l2 * g2;
    y = y + load<f32>(p3 + o) * l3 * g3;
    store<f32>(out + o, y);
  }
}

// Four phase recursions side by side: rows r..r+3 get their voices' phases.
function phases4(osc: StaticArray<Oscillator>, voice: StaticArray<i32>, r: i32, base: usize, stride: i32, from: i32, to: i32): void {
  const o0 = unchecked(osc[unchecked(voice[r])]);
  const o1 = unchecked(osc[unchecked(voice[r + 1])]);
  const o2 = unchecked(osc[unchecked(voice[r + 2])]);
  const o3 = unchecked(osc[unchecked(voice[r + 3])]);
  const row = <usize>stride << 2;
  const p0 = base + <usize>r * row, p1 = p0 + row, p2 = p1 + row, p3 = p2 + row;
  let t0 = o0.phase, t1 = o1.phase, t2 = o2.phase, t3 = o3.phase;
  const d0 = o0.inc, d1 = o1.inc, d2 = o2.inc, d3 = o3.inc;
  for (let k = from; k < to; k++) {
    const o = <usize>k << 2;
    store<f32>(p0 + o, t0);
    store<f32>(p1 + o, t1);
    store<f32>(p2 + o, t2);
    store<f32>(p3 + o, t3);
    t0 += d0;
    t1 += d1;
    t2 += d2;
    t3 += d3;
    if (t0 >= 1.0) t0 -= 1.0;
    if (t1 >= 1.0) t1 -= 1.0;
    if (t2 >= 1.0) t2 -= 1.0;
    if (t3 >= 1.0) t3 -= 1.0;
  }
  o0.phase = t0;
  o1.phase = t1;
  o2.phase = t2;
  o3.phase = t3;
}

// Four TDF-II biquads side by side, in place on rows r..r+3.
function biquads4(filter: StaticArray<Biquad>, voice: StaticArray<i32>, r: i32, base: usize, stride: i32, from: i32, to: i32): void {
  const f0 = unchecked(filter[unchecked(voice[r])]);
  const f1 = unchecked(filter[unchecked(voice[r + 1])]);
  const f2 = unchecked(filter[unchecked(voice[r + 2])]);
  const f3 = unchecked(filter[unchecked(voice[r + 3])]);
  const row = <usize>stride << 2;
  const p0 = base + <usize>r * row, p1 = p0 + row, p2 = p1 + row, p3 = p2 + row;
  const b00 = f0.b0, b10 = f0.b1, b20 = f0.b2, a10 = f0.a1, a20 = f0.a2;
  const b01 = f1.b0, b11 = f1.b1, b21 = f1.b2, a11 = f1.a1, a21 = f1.a2;
  const b02 = f2.b0, b12 = f2.b1, b22 = f2.b2, a12 = f2.a1, a22 = f2.a2;
  const b03 = f3.b0, b13 = f3.b1, b23 = f3.b2, a13 = f3.a1, a23 = f3.a2;
  let z10 = f0.z1, z20 = f0.z2, z11 = f1.z1, z21 = f1.z2, z12 = f2.z1, z22 = f2.z2, z13 = f3.z1, z23 = f3.z2;
  for (let k = from; k < to; k++) {
    const o = <usize>k << 2;
    const x0 = load<f32>(p0 + o);
    const x1 = load<f32>(p1 + o);
    const x2 = load<f32>(p2 + o);
    const x3 = load<f32>(p3 + o);
    const y0 = b00 * x0 + z10;
    const y1 = b01 * x1 + z11;
    const y2 = b02 * x2 + z12;
    const y3 = b03 * x3 + z13;
    z10 = b10 * x0 - a10 * y0 + z20;
    z11 = b11 * x1 - a11 * y1 + z21;
    z12 = b12 * x2 - a12 * y2 + z22;
    z13 = b13 * x3 - a13 * y3 + z23;
    z20 = b20 * x0 - a20 * y0;
    z21 = b21 * x1 - a21 * y1;
    z22 = b22 * x2 - a22 * y2;
    z23 = b23 * x3 - a23 * y3;
    store<f32>(p0 + o, y0);
    store<f32>(p1 + o, y1);
    store<f32>(p2 + o, y2);
    store<f32>(p3 + o, y3);
  }
  f0.z1 = z10;
  f0.z2 = z20;
  f1.z1 = z11;
  f1.z2 = z21;
  f2.z1 = z12;
  f2.z2 = z22;
  f3.z1 = z13;
  f3.z2 = z23;
}
