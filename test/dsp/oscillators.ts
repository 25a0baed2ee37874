// Test module: renders the SDK oscillators into memory.
import { SineOsc, SawOsc, SquareOsc, TriangleOsc, Oscillator } from "../../dsp-asm";

/** Renders `n` samples of shape 0 saw, 1 square, 2 triangle, 3 sine (the dedicated classes); returns the address. */
export function render(shape: i32, freq: f32, sampleRate: f32, n: i32, phase: f32, pulseWidth: f32): usize {
  const out = new Float32Array(n);
  if (shape == 0) {
    const o = new SawOsc();
    o.setFrequency(freq, sampleRate);
    o.reset(phase);
    for (let i = 0; i < n; i++) out[i] = o.next();
  } else if (shape == 1) {
    const o = new SquareOsc();
    o.setFrequency(freq, sampleRate);
    o.reset(phase);
    o.pulseWidth = pulseWidth;
    for (let i = 0; i < n; i++) out[i] = o.next();
  } else if (shape == 2) {
    const o = new TriangleOsc();
    o.setFrequency(freq, sampleRate);
    o.reset(phase);
    for (let i = 0; i < n; i++) out[i] = o.next();
  } else {
    const o = new SineOsc();
    o.setFrequency(freq, sampleRate);
    o.reset(phase);
    for (let i = 0; i < n; i++) out[i] = o.next();
  }
  return out.dataStart;
}

/** The same through the run-time-switchable Oscillator (SHAPE_* numbers match render's). */
export function renderSwitchable(shape: i32, freq: f32, sampleRate: f32, n: i32, phase: f32, pulseWidth: f32): usize {
  const out = new Float32Array(n);
  const o = new Oscillator();
  o.shape = shape;
  o.pulseWidth = pulseWidth;
  o.setFrequency(freq, sampleRate);
  o.reset(phase);
  for (let i = 0; i < n; i++) out[i] = o.next();
  return out.dataStart;
}
