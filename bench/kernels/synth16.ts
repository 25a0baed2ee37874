// synth16: 16 sawtooth voices, each through a one-pole low-pass with a
// decaying envelope, summed (see README.md).
import { IN, OUT, STATE, reserve } from './common';

const VOICES = 16;
const PHASE: usize = STATE, INC: usize = STATE + 64, LP: usize = STATE + 128, ENV: usize = STATE + 192;

export function jw_abi(): i32 { return 1; }
export function jw_init(sampleRate: f32, maxFrames: i32): i32 {
  if (reserve(STATE + 256)) return 1;
  for (let v = 0; v < VOICES; v++) {
    store<f32>(PHASE + (<usize>v << 2), 0);
    const n: i32 = 17 + 7 * v;
    store<f32>(INC + (<usize>v << 2), <f32>n / <f32>8192);
    store<f32>(LP + (<usize>v << 2), 0);
    store<f32>(ENV + (<usize>v << 2), 1);
  }
  return 0;
}
export function jw_inputs(): i32 { return 0; }
export function jw_outputs(): i32 { return 1; }
export function jw_input(ch: i32): i32 { return <i32>IN; }
export function jw_output(ch: i32): i32 { return <i32>OUT; }
export function jw_process(frames: i32): void {
  for (let i = 0; i < frames; i++) {
    let s: f32 = 0;
    for (let v = 0; v < VOICES; v++) {
      const o = <usize>v << 2;
      let phase = load<f32>(PHASE + o) + load<f32>(INC + o);
      if (phase >= 1) phase -= 1;
      store<f32>(PHASE + o, phase);
      const x: f32 = phase * 2 - 1;
      let lp = load<f32>(LP + o);
      lp = lp + <f32>0.046875 * (x - lp);
      store<f32>(LP + o, lp);
      let env = load<f32>(ENV + o) * <f32>0.999969482421875;
      if (env < <f32>0.0009765625) env = 1;
      store<f32>(ENV + o, env);
      s = s + lp * env;
    }
    store<f32>(OUT + (<usize>i << 2), s * <f32>0.0625);
  }
}
