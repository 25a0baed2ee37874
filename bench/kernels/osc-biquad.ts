// osc-biquad: a sawtooth through an RBJ low-pass biquad (see README.md).
import { IN, OUT, STATE, reserve } from './common';

let phase: f32 = 0;
let x1: f32 = 0, x2: f32 = 0, y1: f32 = 0, y2: f32 = 0;
const inc: f32 = 0.0023193359375;
const b0: f32 = 0.00390625, b1: f32 = 0.0078125, b2: f32 = 0.00390625, a1: f32 = -1.8125, a2: f32 = 0.828125;

export function jw_abi(): i32 { return 1; }
export function jw_init(sampleRate: f32, maxFrames: i32): i32 { return reserve(STATE); }
export function jw_inputs(): i32 { return 0; }
export function jw_outputs(): i32 { return 1; }
export function jw_input(ch: i32): i32 { return <i32>IN; }
export function jw_output(ch: i32): i32 { return <i32>OUT; }
export function jw_process(frames: i32): void {
  for (let i = 0; i < frames; i++) {
    phase += inc;
    if (phase >= 1) phase -= 1;
    const x: f32 = phase * 2 - 1;
    const y: f32 = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1; x1 = x; y2 = y1; y1 = y;
    store<f32>(OUT + (<usize>i << 2), y);
  }
}
