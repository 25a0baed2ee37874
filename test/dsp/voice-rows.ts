// Test module: VoiceRows (dsp-asm/voice-rows.ts) against stepping every
// voice per sample with next()/process(), on the same scenario: voices with
// every waveform and filter type, short envelope segments, and note events
// (start, release, retrigger, free) at pseudo-random frames inside blocks.
import { Adsr, ADSR_IDLE, Biquad, Oscillator, Voices, VoiceRows } from "../../dsp-asm";

const SR: f32 = 48000;

let seed: u32 = 1;
function rnd(): f32 {
  seed = seed * 1664525 + 1013904223;
  return <f32>(seed >>> 8) / <f32>16777216;
}

let voices = new Voices(1);
let osc = new StaticArray<Oscillator>(0);
let filter = new StaticArray<Biquad>(0);
let env = new StaticArray<Adsr>(0);
let gain = new StaticArray<f32>(0);
// Events: frame, voice, kind (0 start or retrigger, 1 release, 2 free when silent).
let evFrame = new Int32Array(0);
let evVoice = new Int32Array(0);
let evKind = new Int32Array(0);

function setup(n: i32, s: u32): void {
  seed = s;
  voices = new Voices(n);
  osc = new StaticArray<Oscillator>(n);
  filter = new StaticArray<Biquad>(n);
  env = new StaticArray<Adsr>(n);
  gain = new StaticArray<f32>(n);
  for (let v = 0; v < n; v++) {
    const o = new Oscillator();
    o.shape = v % 4;
    o.pulseWidth = 0.2 + 0.15 * <f32>(v % 4);
    o.setFrequency(50 + rnd() * 6000, SR);
    o.reset(rnd());
    osc[v] = o;
    const f = new Biquad();
    f.set(v % 7, 100 + rnd() * 9000, 0.5 + rnd() * 5, rnd() * 12 - 6, SR);
    filter[v] = f;
    const e = new Adsr();
    e.set(rnd() * 0.002, rnd() * 0.002, rnd(), rnd() * 0.003, SR);
    env[v] = e;
    gain[v] = 0.1 + rnd();
    voices.note[v] = -1;
  }
}

function makeEvents(n: i32, frames: i32, s: u32): void {
  seed = s;
  const count = frames / 40;
  evFrame = new Int32Array(count);
  evVoice = new Int32Array(count);
  evKind = new Int32Array(count);
  let f = 0;
  for (let i = 0; i < count; i++) {
    f += <i32>(rnd() * 70);
    evFrame[i] = f < frames ? f : frames - 1;
    evVoice[i] = <i32>(rnd() * <f32>n) % n;
    evKind[i] = <i32>(rnd() * 3) % 3;
  }
}

function apply(i: i32): void {
  const v = evVoice[i];
  const kind = evKind[i];
  if (kind == 0) {
    voices.note[v] = 60;
    env[v].gateOn();
  } else if (kind == 1) {
    env[v].gateOff();
  } else if (env[v].stage == ADSR_IDLE && voices.note[v] >= 0) {
    voices.note[v] = -1;
    filter[v].reset();
  }
}

/**
 * Renders `frames` frames of `n` voices in blocks of `block`, per sample
 * (rows = false) or with VoiceRows (rows = true); returns the address of
 * the output.
 */
export function run(n: i32, frames: i32, block: i32, rows: bool, s: u32): usize {
  setup(n, s);
  makeEvents(n, frames, s + 1);
  const out = new Float32Array(frames);
  const r = new VoiceRows(n, block);
  const tmp = new Float32Array(block);
  let e = 0;
  for (let b = 0; b < frames; b += block) {
    const len = min(block, frames - b);
    let i = 0;
    while (i < len) {
      while (e < evFrame.length && evFrame[e] == b + i) apply(e++);
      const end = e < evFrame.length && evFrame[e] < b + len ? evFrame[e] - b : len;
      if (rows) {
        for (let k = i; k < end; k++) tmp[k] = 0;
        r.collect(voices);
        r.oscillators(osc, i, end);
        r.filters(filter, i, end);
        r.mixEnvelopes(env, gain, tmp, i, end);
      } else {
        for (let k = i; k < end; k++) {
          let sum: f32 = 0;
          for (let v = 0; v < n; v++) {
            if (voices.note[v] < 0) continue;
            sum += filter[v].process(osc[v].next()) * env[v].next() * gain[v];
          }
          tmp[k] = sum;
        }
      }
      i = end;
    }
    for (let k = 0; k < len; k++) out[b + k] = tmp[k];
    for (let v = 0; v < n; v++) filter[v].flush();
  }
  return out.dataStart;
}

/** Oscillator.render over ranges cut at `cut` against next() per sample: the first differing index, or -1. */
export function renderVsNext(shape: i32, freq: f32, pulseWidth: f32, frames: i32, cut: i32): i32 {
  const a = new Oscillator();
  const b = new Oscillator();
  a.shape = b.shape = shape;
  a.pulseWidth = b.pulseWidth = pulseWidth;
  a.setFrequency(freq, SR);
  b.setFrequency(freq, SR);
  const x = new Float32Array(frames);
  const y = new Float32Array(frames);
  for (let k = 0; k < frames; k++) x[k] = a.next();
  for (let k = 0; k < frames; k += cut) b.render(y, k, min(frames, k + cut));
  for (let k = 0; k < frames; k++) if (reinterpret<u32>(x[k]) != reinterpret<u32>(y[k])) return k;
  return -1;
}

/**
 * Calls every range method with ranges that reach past its arrays (from < 0,
 * to > length): returns how many guard samples around the arrays changed
 * (0: nothing was written outside).
 */
export function outside(): i32 {
  const big = new Float32Array(64);
  big.fill(7);
  const view = big.subarray(24, 32); // 8 samples with 24 guard samples on either side
  const o = new Oscillator();
  o.setFrequency(1000, SR);
  o.render(view, -8, 16);
  o.writePhases(view, -8, 16);
  o.shapePhases(view, -8, 16);
  const f = new Biquad();
  f.set(0, 1000, 1, 0, SR);
  f.processRange(view, -8, 16);
  const e = new Adsr();
  e.gateOn();
  const src = new Float32Array(4);
  e.mixInto(view, src, 0, -8, 16, 1);
  e.mixInto(view, src, -6, 0, 8, 1);
  e.mixInto(view, src, 3, 0, 8, 1);
  // VoiceRows: a voice index past the per-voice arrays, and ranges past the rows.
  const v = new Voices(4);
  for (let i = 0; i < 4; i++) v.note[i] = 60;
  const rows = new VoiceRows(4, 8);
  rows.collect(v);
  const oscs = new StaticArray<Oscillator>(2);
  oscs[0] = new Oscillator();
  oscs[1] = new Oscillator();
  rows.oscillators(oscs, -8, 16);
  const envs = new StaticArray<Adsr>(1);
  envs[0] = new Adsr();
  const gains = new StaticArray<f32>(1);
  rows.mixEnvelopes(envs, gains, view, -8, 16);
  let changed = 0;
  for (let i = 0; i < 64; i++) if ((i < 24 || i >= 32) && big[i] != 7) changed++;
  return changed + (rows.count == 1 ? 0 : 1000);
}
