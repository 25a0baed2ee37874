/**
 * The native engine's offline render (wasm2c-compiled, host/dsp/render.ts)
 * and the V8 reference host (helpers/v8-render.ts) run the same call
 * sequence, so an SDK module must come out bit-identical. The examples are
 * covered by dsp.bitexact.test.ts; this adds the SDK's ABI probe, which
 * imports jw_host.log and jw_host.midi_out, takes MIDI and two inputs of
 * different lengths.
 */
import { describe, expect, it } from 'vitest';
import { render } from '../host/index.js';
import { countDiffering, noise, wasmBytes } from './helpers/asm.js';
import { renderV8, type RenderOptions } from './helpers/v8-render.js';

const on = (frame: number, note: number, vel = 100) => ({ frame, bytes: [0x90, note, vel] });

describe('native engine vs V8 reference host', () => {
  it('renders the ABI probe bit-identically', async () => {
    const opts: RenderOptions = {
      sampleRate: 48000, blockSize: 64, frames: 1000, inputs: [noise(1000, 6), noise(500, 7)],
      params: [[0, -0.5], [1, 99]], midi: [on(5, 60), { frame: 70, bytes: [0x80, 60, 0] }, on(70, 61, 0), on(300, 62)],
    };
    const wasm = wasmBytes('dsp', 'abi-probe');
    const v8 = renderV8(wasm, opts).outputs;
    const native = await render(wasm, opts);
    expect(native).toHaveLength(3);
    native.forEach((out, ch) => expect(countDiffering(out, v8[ch]!), `output ${ch}`).toBe(0));
    expect(native[2]!.filter((v) => v !== 0)).toHaveLength(3); // frames 5, 70 (two events), 300
  }, 120000);
});
