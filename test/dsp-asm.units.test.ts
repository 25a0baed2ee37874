/**
 * The AssemblyScript SDK's unit conversions, compiled by asc and run in V8,
 * against references computed independently in double precision.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

interface Units {
  dbToGain(db: number): number;
  gainToDb(gain: number): number;
  midiToHz(note: number): number;
  hzToMidi(hz: number): number;
  velocityToGain(v: number): number;
}

let u: Units;
beforeAll(async () => {
  const bytes = readFileSync(new URL('../build/dsp/units.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: { abort: () => { throw new Error('abort'); } },
  });
  u = instance.exports as unknown as Units;
});

// f32 results must be within a few float ulps of the double-precision value.
const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * 4e-7 + 1e-30);

describe('dsp-asm units', () => {
  it('converts decibels to gain', () => {
    expect(u.dbToGain(0)).toBe(1);
    for (const db of [-96, -60, -20, -6.0206, -1, 3, 12]) close(u.dbToGain(db), 10 ** (Math.fround(db) / 20));
  });
  it('converts gain to decibels, with -Infinity for silence', () => {
    expect(u.gainToDb(1)).toBe(0);
    expect(u.gainToDb(0)).toBe(-Infinity);
    expect(u.gainToDb(-0.5)).toBe(-Infinity);
    for (const g of [0.001, 0.1, 0.5, 2, 10]) close(u.gainToDb(g), 20 * Math.log10(Math.fround(g)));
  });
  it('converts MIDI notes to Hz at A4 = 440', () => {
    expect(u.midiToHz(69)).toBe(440);
    expect(u.midiToHz(81)).toBe(880);
    for (const n of [0, 21, 60, 60.5, 127]) close(u.midiToHz(n), 440 * 2 ** ((n - 69) / 12));
  });
  it('converts Hz back to MIDI notes', () => {
    expect(u.hzToMidi(440)).toBe(69);
    for (const hz of [27.5, 261.6256, 1000, 12543.85]) close(u.hzToMidi(hz), 69 + 12 * Math.log2(Math.fround(hz) / 440));
  });
  it('maps velocity to a squared gain curve, clamped to 0..127', () => {
    expect(u.velocityToGain(127)).toBe(1);
    expect(u.velocityToGain(0)).toBe(0);
    expect(u.velocityToGain(200)).toBe(1);
    expect(u.velocityToGain(-5)).toBe(0);
    close(u.velocityToGain(64), (64 / 127) ** 2);
  });
});
