// Test module: the ADSR envelope driven by a gate schedule.
import { Adsr } from "../../dsp-asm";

let gates = new Int32Array(0);

/** A fresh gate schedule of n samples for run(): 1 = gateOn(), -1 = gateOff() before that sample's next(). */
export function gateBuffer(n: i32): usize {
  gates = new Int32Array(n);
  return gates.dataStart;
}

/** Levels for the gate schedule; times in seconds. */
export function run(attack: f32, decay: f32, sustain: f32, release: f32, sampleRate: f32): usize {
  const n = gates.length;
  const out = new Float32Array(n);
  const env = new Adsr();
  env.set(attack, decay, sustain, release, sampleRate);
  for (let i = 0; i < n; i++) {
    const g = gates[i];
    if (g > 0) env.gateOn();
    else if (g < 0) env.gateOff();
    out[i] = env.next();
  }
  return out.dataStart;
}

export function samples(seconds: f32, sampleRate: f32): i32 {
  return Adsr.samples(seconds, sampleRate);
}
