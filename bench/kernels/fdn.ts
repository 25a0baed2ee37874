// fdn: an 8-line feedback delay network reverb: read, damp (one-pole
// low-pass), mix through an 8x8 Hadamard butterfly, feed back with the
// input (see README.md).
import { IN, OUT, STATE, reserve } from './common';

// Line lengths, and where each line starts in the buffer area.
const LEN: StaticArray<i32> = [1031, 1327, 1523, 1801, 2053, 2311, 2579, 2851];
const START: StaticArray<i32> = [0, 1031, 2358, 3881, 5682, 7735, 10046, 12625];
const TOTAL: i32 = 15476;
const IDX: usize = STATE;          // 8 i32 read/write positions
const LP: usize = STATE + 32;      // 8 f32 damping states
const V: usize = STATE + 64;       // 8 f32 scratch
const BUF: usize = STATE + 96;

export function jw_abi(): i32 { return 1; }
export function jw_init(sampleRate: f32, maxFrames: i32): i32 {
  if (reserve(BUF + (<usize>TOTAL << 2))) return 1;
  memory.fill(STATE, 0, 96 + (<usize>TOTAL << 2));
  return 0;
}
export function jw_inputs(): i32 { return 1; }
export function jw_outputs(): i32 { return 1; }
export function jw_input(ch: i32): i32 { return <i32>IN; }
export function jw_output(ch: i32): i32 { return <i32>OUT; }
export function jw_process(frames: i32): void {
  for (let i = 0; i < frames; i++) {
    const x = load<f32>(IN + (<usize>i << 2));
    let sum: f32 = 0;
    for (let k = 0; k < 8; k++) {
      const o = <usize>k << 2;
      const idx = load<i32>(IDX + o);
      const y = load<f32>(BUF + ((<usize>(unchecked(START[k]) + idx)) << 2));
      sum = sum + y;
      let lp = load<f32>(LP + o);
      lp = lp + <f32>0.3125 * (y - lp);
      store<f32>(LP + o, lp);
      store<f32>(V + o, lp);
    }
    for (let h = 1; h < 8; h <<= 1) {
      for (let j = 0; j < 8; j += h << 1) {
        for (let m = j; m < j + h; m++) {
          const a = load<f32>(V + (<usize>m << 2));
          const b = load<f32>(V + (<usize>(m + h) << 2));
          store<f32>(V + (<usize>m << 2), a + b);
          store<f32>(V + (<usize>(m + h) << 2), a - b);
        }
      }
    }
    for (let k = 0; k < 8; k++) {
      const o = <usize>k << 2;
      let idx = load<i32>(IDX + o);
      store<f32>(BUF + ((<usize>(unchecked(START[k]) + idx)) << 2), x + load<f32>(V + o) * <f32>0.25);
      idx++;
      if (idx == unchecked(LEN[k])) idx = 0;
      store<i32>(IDX + o, idx);
    }
    store<f32>(OUT + (<usize>i << 2), sum * <f32>0.125);
  }
}
