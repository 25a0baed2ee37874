// Test module: the voice allocator (dsp-asm/voices.ts) driven by MIDI, with
// its whole state dumped for comparison with a TypeScript reference.
import { Voices } from "../../dsp-asm";

let voices = new Voices(1);
let dump = new Int32Array(0);

export function init(count: i32, mode: i32, steal: i32): void {
  voices = new Voices(count, mode, steal);
  dump = new Int32Array(voices.count * 8 + 4);
}

export function midi(status: i32, data1: i32, data2: i32): bool {
  return voices.midi(status, data1, data2);
}

/** What the synth does: levels for STEAL_QUIETEST, acknowledging flags, freeing silent voices. */
export function setLevel(v: i32, level: f32): void {
  voices.level[v] = level;
}
export function ack(v: i32): void {
  voices.started[v] = 0;
  voices.stopped[v] = 0;
}
export function free(v: i32): void {
  voices.free(v);
}
export function frequency(v: i32): f32 {
  return voices.frequency(v);
}

/** Per voice: note, gate, sustained, started, stopped, age, velocity bits, level bits; then bend and mod wheel bits, pedal, count. */
export function state(): usize {
  const n = voices.count;
  for (let v = 0; v < n; v++) {
    const o = v * 8;
    dump[o] = voices.note[v];
    dump[o + 1] = voices.gate[v];
    dump[o + 2] = voices.sustained[v];
    dump[o + 3] = voices.started[v];
    dump[o + 4] = voices.stopped[v];
    dump[o + 5] = <i32>voices.age[v];
    dump[o + 6] = reinterpret<i32>(voices.velocity[v]);
    dump[o + 7] = reinterpret<i32>(voices.level[v]);
  }
  dump[n * 8] = reinterpret<i32>(voices.bend);
  dump[n * 8 + 1] = reinterpret<i32>(voices.modWheel);
  dump[n * 8 + 2] = voices.pedal ? 1 : 0;
  dump[n * 8 + 3] = n;
  return dump.dataStart;
}
