// Test module: the SDK's EventQueue.
import { EventQueue } from "../../dsp-asm";

const q = new EventQueue(4);

export function push(frame: i32, a: i32): bool {
  return q.push(frame, a, a + 1, a + 2);
}
/** A fingerprint of the events due at `frame` (in order from the first): sum of a*1000 + (b-a) + (c-a) + frame. */
export function drain(frame: i32): i32 {
  let e = 0, sum = 0;
  while (q.due(e, frame)) {
    sum += q.a[e] * 1000 + q.b[e] - q.a[e] + q.c[e] - q.a[e] + q.frame[e];
    e++;
  }
  return sum;
}
export function count(): i32 { return q.count; }
export function dropped(): u32 { return q.dropped; }
export function clear(): void { q.clear(); }
