// Test module: the one-pole smoother.
import { Smoother } from "../../dsp-asm";

/** Starts at `from`, targets `to` with time constant `seconds`; n samples of next(). */
export function run(from: f32, to: f32, seconds: f32, sampleRate: f32, n: i32): usize {
  const out = new Float32Array(n);
  const s = new Smoother(from);
  s.setTime(seconds, sampleRate);
  s.setTarget(to);
  for (let i = 0; i < n; i++) out[i] = s.next();
  return out.dataStart;
}

/** The coefficient setTime() computes. */
export function coef(seconds: f32, sampleRate: f32): f32 {
  const s = new Smoother(0);
  s.setTime(seconds, sampleRate);
  return s.coef;
}

/** skip(n) from `from` to `to`: the value after n samples. */
export function skip(from: f32, to: f32, seconds: f32, sampleRate: f32, n: i32): f32 {
  const s = new Smoother(from);
  s.setTime(seconds, sampleRate);
  s.setTarget(to);
  return s.skip(n);
}
