// Test module: biquad design and processing.
import { Biquad } from "../../dsp-asm";

let input = new Float32Array(0);
const coeffs = new Float32Array(5);

/** A fresh input buffer of n samples for run(); returns its address. */
export function inputBuffer(n: i32): usize {
  input = new Float32Array(n);
  return input.dataStart;
}

/** Designs a filter; returns the address of [b0, b1, b2, a1, a2]. */
export function design(type: i32, freq: f32, q: f32, gainDb: f32, sampleRate: f32): usize {
  const b = new Biquad();
  b.set(type, freq, q, gainDb, sampleRate);
  coeffs[0] = b.b0;
  coeffs[1] = b.b1;
  coeffs[2] = b.b2;
  coeffs[3] = b.a1;
  coeffs[4] = b.a2;
  return coeffs.dataStart;
}

/**
 * Filters the input buffer with processBlock() in blocks of `block` samples
 * (perSample = 0) or with process() per sample and no flush (perSample = 1).
 */
export function run(type: i32, freq: f32, q: f32, gainDb: f32, sampleRate: f32, block: i32, perSample: i32): usize {
  const n = input.length;
  const out = new Float32Array(n);
  const b = new Biquad();
  b.set(type, freq, q, gainDb, sampleRate);
  if (perSample) {
    for (let i = 0; i < n; i++) out[i] = b.process(input[i]);
  } else {
    for (let start = 0; start < n; start += block) {
      const m = min(block, n - start);
      b.processBlock(input.subarray(start, start + m), out.subarray(start, start + m), m);
    }
  }
  return out.dataStart;
}
