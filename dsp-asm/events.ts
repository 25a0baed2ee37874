// EventQueue: events of the next block with their frame offsets, so that
// process() can apply each at its frame (sample-accurate) instead of at the
// block start. jw_midi (and so Processor.midi/noteOn/noteOff) runs before
// the block its events belong to, with this.midiFrame set: push there, then
// in process() apply the events whose frame is due before each sample.
// Each event carries three ints (e.g. status, data1, data2, or note and
// velocity). Storage is allocated once; events past the capacity in one
// block are dropped and counted.

export class EventQueue {
  readonly capacity: i32;
  readonly frame: StaticArray<i32>;
  readonly a: StaticArray<i32>;
  readonly b: StaticArray<i32>;
  readonly c: StaticArray<i32>;
  count: i32 = 0;
  /** Events dropped because the queue was full. */
  dropped: u32 = 0;

  constructor(capacity: i32 = 256) {
    const n = capacity < 1 ? 1 : capacity;
    this.frame = new StaticArray<i32>(n);
    this.a = new StaticArray<i32>(n);
    this.b = new StaticArray<i32>(n);
    this.c = new StaticArray<i32>(n);
    this.capacity = n;
  }

  /** Adds an event at `frame`; false (and counted) when full. */
  push(frame: i32, a: i32, b: i32, c: i32): bool {
    const n = this.count;
    if (n >= this.capacity) {
      this.dropped++;
      return false;
    }
    unchecked((this.frame[n] = frame));
    unchecked((this.a[n] = a));
    unchecked((this.b[n] = b));
    unchecked((this.c[n] = c));
    this.count = n + 1;
    return true;
  }

  /** Whether event `e` exists and is due at or before `frame`. */
  @inline due(e: i32, frame: i32): bool {
    return e < this.count && unchecked(this.frame[e]) <= frame;
  }

  clear(): void {
    this.count = 0;
  }
}
