/**
 * The SDK's EventQueue (dsp-asm/events.ts): events kept with their frames in
 * order, due by frame, a fixed capacity with overflow counted.
 */
import { describe, expect, it } from 'vitest';
import { loadTestModule } from './helpers/asm.js';

interface EventsModule {
  push(frame: number, a: number): number;
  drain(frame: number): number;
  count(): number;
  dropped(): number;
  clear(): void;
}

describe('EventQueue', () => {
  it('keeps events in order with their data, due by frame, drops and counts what does not fit, and clears', () => {
    const m = loadTestModule<EventsModule>('events').exports;
    expect([m.push(0, 7), m.push(10, 8), m.push(10, 9), m.push(63, 1)]).toEqual([1, 1, 1, 1]);
    expect(m.push(64, 2)).toBe(0); // capacity 4
    expect([m.count(), m.dropped()]).toEqual([4, 1]);
    // Due at frame 9: only the first (7*1000 + 1 + 2 + frame 0).
    expect(m.drain(9)).toBe(7003);
    // Due at frame 10: the first three, in the order pushed.
    expect(m.drain(10)).toBe(7003 + 8013 + 9013);
    m.clear();
    expect([m.count(), m.drain(1000)]).toEqual([0, 0]);
    expect(m.push(5, 3)).toBe(1);
    expect(m.dropped()).toBe(1); // a count, not reset by clear()
  });
});
