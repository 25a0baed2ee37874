/**
 * The SDK's VoiceRows (dsp-asm/voice-rows.ts) and the range methods under
 * it (Oscillator.render/writePhases/shapePhases, Biquad.processRange,
 * Adsr.mixInto): the same samples, bit for bit, as stepping every voice per
 * sample with next() and process(), summed in voice order. Run in V8 from
 * build/dsp/voice-rows.wasm; the engine's equality with V8 is
 * dsp.bitexact.test.ts's job.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestModule, type AsmModule } from './helpers/asm.js';

interface VoiceRowsModule {
  run(n: number, frames: number, block: number, rows: boolean, seed: number): number;
  renderVsNext(shape: number, freq: number, pulseWidth: number, frames: number, cut: number): number;
  outside(): number;
}

let m: AsmModule<VoiceRowsModule>;
beforeAll(() => {
  m = loadTestModule<VoiceRowsModule>('voice-rows');
});

const frames = 24000;

describe('VoiceRows', () => {
  for (const n of [1, 3, 4, 7, 9, 16]) {
    for (const block of [64, 37]) {
      it(`gives the samples of per-sample stepping for ${n} voices in blocks of ${block}, notes starting and ending mid-block`, () => {
        const seed = 1000 * n + block;
        const perSample = m.f32s(m.exports.run(n, frames, block, false, seed), frames);
        const rows = m.f32s(m.exports.run(n, frames, block, true, seed), frames);
        const diff = rows.findIndex((v, i) => !Object.is(v, perSample[i]));
        expect(diff, diff < 0 ? '' : `frame ${diff}: ${rows[diff]} vs ${perSample[diff]}`).toBe(-1);
        // Not a comparison of silences: the voices sound, and stop.
        let loud = 0;
        let silent = 0;
        for (const v of perSample) {
          if (Math.abs(v) > 1e-3) loud++;
          else if (v === 0) silent++;
        }
        expect(loud).toBeGreaterThan(frames / 4);
        expect(silent).toBeGreaterThan(0);
      });
    }
  }
});

describe('ranges past the arrays', () => {
  it('write nothing outside them (from < 0, to > length, offsets past the source, voices past the per-voice arrays)', () => {
    expect(m.exports.outside()).toBe(0);
  });
});

describe('Oscillator.render', () => {
  for (const [shape, name] of [[0, 'saw'], [1, 'square'], [2, 'triangle'], [3, 'sine']] as const) {
    it(`renders the ${name} of next() per sample, over ranges of any length`, () => {
      for (const cut of [1, 7, 64, 1000]) {
        // 9 kHz: PolyBLEP/BLAMP corrections on most samples.
        expect(m.exports.renderVsNext(shape, 9000, 0.3, 5000, cut), `cut ${cut}`).toBe(-1);
        expect(m.exports.renderVsNext(shape, 110, 0.5, 5000, cut), `cut ${cut}`).toBe(-1);
      }
    });
  }
});
