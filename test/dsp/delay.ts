// Test module: the delay line.
import { DelayLine } from "../../dsp-asm";

let input = new Float32Array(0);
let delays = new Float32Array(0);

/** Fresh input and per-sample delay buffers of n samples; returns the input's address (delays follow via delayBuffer()). */
export function inputBuffer(n: i32): usize {
  input = new Float32Array(n);
  delays = new Float32Array(n);
  return input.dataStart;
}

export function delayBuffer(): usize {
  return delays.dataStart;
}

/** y[i] = tick(input[i], delays[i]) on a line of maxDelay samples. */
export function run(maxDelay: i32): usize {
  const n = input.length;
  const out = new Float32Array(n);
  const line = new DelayLine(maxDelay);
  for (let i = 0; i < n; i++) out[i] = line.tick(input[i], delays[i]);
  return out.dataStart;
}

/** The same with readInt(<i32>delays[i]) before write(). */
export function runInt(maxDelay: i32): usize {
  const n = input.length;
  const out = new Float32Array(n);
  const line = new DelayLine(maxDelay);
  for (let i = 0; i < n; i++) {
    out[i] = line.readInt(<i32>delays[i]);
    line.write(input[i]);
  }
  return out.dataStart;
}

/** Feedback loop: y = read(d); write(x + fb·y). */
export function runFeedback(maxDelay: i32, d: f32, fb: f32): usize {
  const n = input.length;
  const out = new Float32Array(n);
  const line = new DelayLine(maxDelay);
  for (let i = 0; i < n; i++) {
    const y = line.read(d);
    line.write(input[i] + fb * y);
    out[i] = y;
  }
  return out.dataStart;
}
