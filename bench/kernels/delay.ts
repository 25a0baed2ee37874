// delay: a 2-second feedback delay line read 0.5 s behind, with a dry/wet
// mix (see README.md).
import { IN, OUT, STATE, reserve } from './common';

const SIZE: i32 = 96000;
const D: i32 = 24000;
let w: i32 = 0;

export function jw_abi(): i32 { return 1; }
export function jw_init(sampleRate: f32, maxFrames: i32): i32 {
  if (reserve(STATE + (<usize>SIZE << 2))) return 1;
  memory.fill(STATE, 0, <usize>SIZE << 2);
  return 0;
}
export function jw_inputs(): i32 { return 1; }
export function jw_outputs(): i32 { return 1; }
export function jw_input(ch: i32): i32 { return <i32>IN; }
export function jw_output(ch: i32): i32 { return <i32>OUT; }
export function jw_process(frames: i32): void {
  for (let i = 0; i < frames; i++) {
    const x = load<f32>(IN + (<usize>i << 2));
    let r = w - D;
    if (r < 0) r += SIZE;
    const d = load<f32>(STATE + (<usize>r << 2));
    store<f32>(STATE + (<usize>w << 2), x + d * <f32>0.5);
    store<f32>(OUT + (<usize>i << 2), x + d * <f32>0.5);
    w++;
    if (w == SIZE) w = 0;
  }
}
