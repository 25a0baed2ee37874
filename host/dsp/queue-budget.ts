/**
 * The host side of a module's queues to the audio thread. Messages wait in
 * preallocated lists there until their frame; the host keeps count of what
 * it sent that cannot have been delivered yet, so a call that would overflow
 * them fails (QUEUE_FULL) instead of an event being lost on the audio
 * thread.
 */

/** Outstanding timed messages, by the JACK frame time they are due at. */
export class QueueBudget {
  readonly capacity: number;
  /** Min-heap of unwrapped frame times. */
  #heap: number[] = [];
  /** The last frame time seen, unwrapped (JACK's wraps at 2^32). */
  #now = 0;
  #lastRaw: number | undefined;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Forgets what was due before `frameTime` (the current cycle's start: delivered). */
  advance(frameTime: number): void {
    if (this.#lastRaw === undefined) this.#now = frameTime;
    else this.#now += (frameTime - this.#lastRaw) | 0;
    this.#lastRaw = frameTime;
    const h = this.#heap;
    while (h.length && (h[0] as number) < this.#now) this.#pop();
  }

  /**
   * Counts a message due at `frame` (a JACK frame time), or at the next
   * cycle (`nextCycle`, the frame it starts at at the latest) for one sent
   * without a frame or with one already past. False when full.
   */
  add(frame: number | undefined, nextCycle: number): boolean {
    if (this.#heap.length >= this.capacity) return false;
    const next = this.#now + ((nextCycle - (this.#lastRaw ?? nextCycle)) | 0);
    const at = frame === undefined ? next : Math.max(next, this.#now + ((frame - (this.#lastRaw ?? frame)) | 0));
    this.#push(at);
    return true;
  }

  #push(v: number): void {
    const h = this.#heap;
    h.push(v);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if ((h[p] as number) <= v) break;
      h[i] = h[p] as number;
      h[p] = v;
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop() as number;
    if (!h.length) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && (h[l] as number) < (h[m] as number)) m = l;
      if (r < h.length && (h[r] as number) < (h[m] as number)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as number, h[i] as number];
      i = m;
    }
  }
}
