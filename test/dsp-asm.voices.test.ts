/**
 * The SDK's voice allocator (dsp-asm/voices.ts): poly with stealing, mono,
 * legato, sustain pedal, all notes/sound off, pitch bend and mod wheel.
 * Scenarios with the outcome spelt out, then random MIDI streams against a
 * TypeScript reference of the same rules, comparing the whole per-voice state
 * after every event.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { f32, loadTestModule, type AsmModule } from './helpers/asm.js';

interface VoicesModule {
  init(count: number, mode: number, steal: number): void;
  midi(status: number, d1: number, d2: number): number;
  setLevel(v: number, level: number): void;
  ack(v: number): void;
  free(v: number): void;
  frequency(v: number): number;
  state(): number;
}

const POLY = 0, MONO = 1, LEGATO = 2;
const OLDEST = 0, QUIETEST = 1, NONE = 2;

interface Voice { note: number; gate: number; sustained: number; started: number; stopped: number; age: number; velocity: number; level: number }
interface State { voices: Voice[]; bend: number; modWheel: number; pedal: number }

let m: AsmModule<VoicesModule>;
let count = 0;
beforeAll(() => {
  m = loadTestModule<VoicesModule>('voices');
});

function init(n: number, mode: number, steal = OLDEST): void {
  m.exports.init(n, mode, steal);
  count = Math.max(1, n);
}

function state(): State {
  const ptr = m.exports.state();
  const i = new Int32Array(m.memory.buffer, ptr, count * 8 + 4).slice();
  const f = new Float32Array(i.buffer);
  const voices: Voice[] = [];
  for (let v = 0; v < count; v++) {
    const o = v * 8;
    voices.push({ note: i[o]!, gate: i[o + 1]!, sustained: i[o + 2]!, started: i[o + 3]!, stopped: i[o + 4]!, age: i[o + 5]!, velocity: f[o + 6]!, level: f[o + 7]! });
  }
  return { voices, bend: f[count * 8]!, modWheel: f[count * 8 + 1]!, pedal: i[count * 8 + 2]! };
}

const notes = () => state().voices.map((v) => v.note);
const on = (n: number, vel = 100) => m.exports.midi(0x90, n, vel);
const off = (n: number) => m.exports.midi(0x80, n, 0);
const cc = (c: number, v: number) => m.exports.midi(0xb0, c, v);
const ackAll = () => {
  for (let v = 0; v < count; v++) m.exports.ack(v);
};

describe('poly', () => {
  it('gives each note a free voice, then steals the oldest, released voices first', () => {
    init(4, POLY, OLDEST);
    for (const n of [60, 62, 64, 65]) on(n);
    expect(notes()).toEqual([60, 62, 64, 65]);
    expect(state().voices.map((v) => [v.gate, v.started])).toEqual([[1, 1], [1, 1], [1, 1], [1, 1]]);
    on(67); // all held: the oldest (60) goes
    expect(notes()).toEqual([67, 62, 64, 65]);
    off(64); // released but still sounding: stolen before any held voice
    expect(state().voices[2]).toMatchObject({ note: 64, gate: 0, stopped: 1 });
    on(69);
    expect(notes()).toEqual([67, 62, 69, 65]);
    expect(state().voices[2]).toMatchObject({ gate: 1, started: 1, stopped: 0 });
  });

  it('retriggers a key pressed again on its own voice, and frees voices the synth reports silent', () => {
    init(3, POLY);
    on(60, 64);
    on(64);
    ackAll();
    on(60, 127);
    expect(notes()).toEqual([60, 64, -1]);
    expect(state().voices[0]).toMatchObject({ started: 1, velocity: 1 });
    off(64);
    m.exports.free(1);
    expect(notes()).toEqual([60, -1, -1]);
    on(67);
    expect(notes()).toEqual([60, 67, -1]);
  });

  it('steals the quietest voice by the levels the synth writes, and drops notes with STEAL_NONE', () => {
    init(3, POLY, QUIETEST);
    for (const n of [60, 62, 64]) on(n);
    [0.5, 0.1, 0.9].forEach((l, v) => m.exports.setLevel(v, l));
    on(65);
    expect(notes()).toEqual([60, 65, 64]);
    init(2, POLY, NONE);
    on(60);
    on(62);
    expect(on(64)).toBe(1); // handled, but no voice: dropped
    expect(notes()).toEqual([60, 62]);
    off(62);
    m.exports.free(1);
    on(64);
    expect(notes()).toEqual([60, 64]);
  });

  it('holds released notes while the sustain pedal is down and releases them when it goes up', () => {
    init(2, POLY);
    cc(64, 127);
    on(60);
    off(60);
    expect(state().voices[0]).toMatchObject({ note: 60, gate: 1, sustained: 1, stopped: 0 });
    expect(state().pedal).toBe(1);
    cc(64, 0);
    expect(state().voices[0]).toMatchObject({ note: 60, gate: 0, sustained: 0, stopped: 1 });
  });

  it('releases everything on all notes off (CC 123) and frees everything on all sound off (CC 120)', () => {
    init(3, POLY);
    for (const n of [60, 62]) on(n);
    cc(123, 0);
    expect(state().voices.map((v) => [v.note, v.gate, v.stopped])).toEqual([[60, 0, 1], [62, 0, 1], [-1, 0, 0]]);
    on(64);
    cc(120, 0);
    expect(notes()).toEqual([-1, -1, -1]);
  });
});

describe('mono and legato', () => {
  it('mono: last-note priority, retriggering on each change', () => {
    init(4, MONO);
    on(60);
    ackAll();
    on(64);
    expect(state().voices[0]).toMatchObject({ note: 64, started: 1 });
    ackAll();
    off(64); // back to the key still held
    expect(state().voices[0]).toMatchObject({ note: 60, gate: 1, started: 1 });
    ackAll();
    off(60);
    expect(state().voices[0]).toMatchObject({ note: 60, gate: 0, stopped: 1, started: 0 });
    expect(notes().slice(1)).toEqual([-1, -1, -1]);
  });

  it('legato: changes pitch without retriggering while a key is held', () => {
    init(1, LEGATO);
    on(60);
    expect(state().voices[0]).toMatchObject({ note: 60, started: 1 });
    ackAll();
    on(64);
    expect(state().voices[0]).toMatchObject({ note: 64, started: 0, gate: 1 });
    off(64);
    expect(state().voices[0]).toMatchObject({ note: 60, started: 0, gate: 1 });
    off(60);
    expect(state().voices[0]).toMatchObject({ gate: 0, stopped: 1 });
    on(67); // nothing held: a new phrase retriggers
    expect(state().voices[0]).toMatchObject({ note: 67, started: 1 });
  });
});

describe('controllers', () => {
  it('bends pitch by bendRange semitones at the extremes and reads the mod wheel', () => {
    init(1, POLY);
    on(69);
    expect(m.exports.frequency(0)).toBe(440);
    m.exports.midi(0xe0, 0x7f, 0x7f); // 16383
    expect(state().bend).toBe(f32(f32(2 * 8191) / 8192));
    expect(m.exports.frequency(0)).toBeCloseTo(440 * 2 ** (f32(f32(2 * 8191) / 8192) / 12), 2);
    m.exports.midi(0xe0, 0, 0);
    expect(state().bend).toBe(-2);
    m.exports.midi(0xe0, 0, 0x40);
    expect(state().bend).toBe(0);
    cc(1, 127);
    expect(state().modWheel).toBe(1);
    expect(cc(7, 100)).toBe(0); // not one Voices uses
  });
});

// --- the reference ---------------------------------------------------------------

class Ref {
  v: Voice[];
  held: number[] = [];
  clock = 0;
  bend = 0;
  modWheel = 0;
  pedal = false;
  constructor(readonly n: number, readonly mode: number, readonly steal: number) {
    this.v = Array.from({ length: n }, () => ({ note: -1, gate: 0, sustained: 0, started: 0, stopped: 0, age: 0, velocity: 0, level: 0 }));
  }
  start(i: number, note: number, vel: number, retrigger: boolean) {
    Object.assign(this.v[i]!, { note, velocity: vel, gate: 1, sustained: 0, stopped: 0, age: ++this.clock });
    if (retrigger) this.v[i]!.started = 1;
  }
  release(i: number) {
    if (this.pedal) this.v[i]!.sustained = 1;
    else Object.assign(this.v[i]!, { gate: 0, stopped: 1 });
  }
  free(i: number) {
    Object.assign(this.v[i]!, { note: -1, gate: 0, sustained: 0, started: 0, stopped: 0, level: 0 });
  }
  noteOn(note: number, vel: number) {
    if (this.mode !== POLY) {
      this.held = this.held.filter((n) => n !== note);
      const others = this.held.length > 0;
      this.held.push(note);
      this.start(0, note, vel, this.mode === MONO || !others || !this.v[0]!.gate);
      return;
    }
    let i = this.v.findIndex((x) => x.note === note && x.gate);
    if (i < 0) i = this.v.findIndex((x) => x.note < 0);
    if (i < 0 && this.steal !== NONE) {
      i = 0;
      for (let k = 1; k < this.n; k++) {
        const a = this.v[k]!, b = this.v[i]!;
        const better = a.gate !== b.gate ? a.gate < b.gate : this.steal === QUIETEST && a.level !== b.level ? a.level < b.level : a.age < b.age;
        if (better) i = k;
      }
    }
    if (i >= 0) this.start(i, note, vel, true);
  }
  noteOff(note: number) {
    if (this.mode !== POLY) {
      this.held = this.held.filter((n) => n !== note);
      if (this.v[0]!.note !== note || !this.v[0]!.gate) return;
      if (this.held.length) this.start(0, this.held[this.held.length - 1]!, this.v[0]!.velocity, this.mode === MONO);
      else this.release(0);
      return;
    }
    const i = this.v.findIndex((x) => x.note === note && x.gate);
    if (i >= 0) this.release(i);
  }
  midi(s: number, d1: number, d2: number) {
    const kind = s & 0xf0;
    if (kind === 0x90 && d2 > 0) this.noteOn(d1, f32(d2 / 127));
    else if (kind === 0x80 || kind === 0x90) this.noteOff(d1);
    else if (kind === 0xe0) this.bend = f32(f32(2 * (((d2 << 7) | d1) - 8192)) / 8192);
    else if (kind === 0xb0 && d1 === 64) {
      this.pedal = d2 >= 64;
      if (!this.pedal) for (const x of this.v) if (x.sustained) Object.assign(x, { sustained: 0, gate: 0, stopped: 1 });
    } else if (kind === 0xb0 && d1 === 1) this.modWheel = f32(d2 / 127);
    else if (kind === 0xb0 && d1 === 123) {
      this.held = [];
      for (const x of this.v) {
        x.sustained = 0;
        if (x.gate) Object.assign(x, { gate: 0, stopped: 1 });
      }
    } else if (kind === 0xb0 && d1 === 120) {
      this.held = [];
      for (let i = 0; i < this.n; i++) this.free(i);
    }
  }
  state(): State {
    return { voices: this.v.map((x) => ({ ...x })), bend: this.bend, modWheel: this.modWheel, pedal: this.pedal ? 1 : 0 };
  }
}

describe('random MIDI against the reference', () => {
  it.each([
    ['poly, oldest', 4, POLY, OLDEST],
    ['poly, quietest', 3, POLY, QUIETEST],
    ['poly, none', 3, POLY, NONE],
    ['mono', 2, MONO, OLDEST],
    ['legato', 1, LEGATO, OLDEST],
  ])('%s: the same state after each of 3000 events', (_name, n, mode, steal) => {
    let seed = 12345 + n * 7 + mode * 131 + steal;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    init(n, mode, steal);
    const ref = new Ref(n, mode, steal);
    for (let e = 0; e < 3000; e++) {
      const r = rnd(100);
      const note = 58 + rnd(8);
      if (r < 35) {
        const vel = rnd(128);
        m.exports.midi(0x90 | rnd(16), note, vel);
        ref.midi(0x90, note, vel);
      } else if (r < 65) {
        m.exports.midi(0x80, note, 0);
        ref.midi(0x80, note, 0);
      } else if (r < 72) {
        const down = rnd(2) ? 127 : 0;
        cc(64, down);
        ref.midi(0xb0, 64, down);
      } else if (r < 74) {
        const c = rnd(2) ? 120 : 123;
        cc(c, 0);
        ref.midi(0xb0, c, 0);
      } else if (r < 78) {
        const [lo, hi] = [rnd(128), rnd(128)];
        m.exports.midi(0xe0, lo, hi);
        ref.midi(0xe0, lo, hi);
      } else if (r < 88) {
        const v = rnd(n);
        const level = f32(rnd(1000) / 1000);
        m.exports.setLevel(v, level);
        ref.v[v]!.level = level;
      } else if (r < 94) {
        const v = rnd(n);
        m.exports.ack(v);
        Object.assign(ref.v[v]!, { started: 0, stopped: 0 });
      } else {
        // The synth frees a released voice whose envelope ended.
        const v = rnd(n);
        if (!ref.v[v]!.gate) {
          m.exports.free(v);
          ref.free(v);
        }
      }
      const got = state();
      const want = ref.state();
      if (JSON.stringify(got) !== JSON.stringify(want)) expect({ event: e, ...got }).toEqual({ event: e, ...want });
    }
  });
});
