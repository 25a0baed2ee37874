// Test module: gain and pan.
import { Gain, Pan, applyGain, mixInto, dbToGain } from "../../dsp-asm";

let input = new Float32Array(0);
let other = new Float32Array(0);
const pair = new Float32Array(2);

export function inputBuffer(n: i32): usize {
  input = new Float32Array(n);
  other = new Float32Array(n);
  return input.dataStart;
}

export function otherBuffer(): usize {
  return other.dataStart;
}

/** Pan gains [left, right] for `pan`. */
export function pan(p: f32): usize {
  const pn = new Pan();
  pn.set(p);
  pair[0] = pn.left;
  pair[1] = pn.right;
  return pair.dataStart;
}

/** Pans the input into two new buffers (left, then right, contiguous: 2n samples). */
export function panBlock(p: f32): usize {
  const n = input.length;
  const out = new Float32Array(2 * n);
  const pn = new Pan();
  pn.set(p);
  pn.processBlock(input, out.subarray(0, n), out.subarray(n), n);
  return out.dataStart;
}

/** Gain: starts at `fromDb` (immediate), then glides to `toDb` with time constant `seconds`, in blocks of `block`. */
export function gainRun(fromDb: f32, toDb: f32, seconds: f32, sampleRate: f32, block: i32): usize {
  const n = input.length;
  const out = new Float32Array(n);
  const g = new Gain();
  g.setTime(seconds, sampleRate);
  g.setDb(fromDb, true);
  g.setDb(toDb);
  for (let start = 0; start < n; start += block) {
    const m = min(block, n - start);
    g.processBlock(input.subarray(start, start + m), out.subarray(start, start + m), m);
  }
  return out.dataStart;
}

/** dbToGain, for the reference. */
export function gainOf(db: f32): f32 {
  return dbToGain(db);
}

/** applyGain on a copy of the input. */
export function applyGainRun(gain: f32): usize {
  const n = input.length;
  const out = new Float32Array(n);
  out.set(input);
  applyGain(out, n, gain);
  return out.dataStart;
}

/** mixInto: copy of other += input·gain. */
export function mixIntoRun(gain: f32): usize {
  const n = input.length;
  const out = new Float32Array(n);
  out.set(other);
  mixInto(out, input, n, gain);
  return out.dataStart;
}
