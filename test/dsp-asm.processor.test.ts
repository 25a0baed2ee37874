/**
 * The SDK's Processor/ABI glue (dsp-asm/processor.ts, abi.ts, abi-midi.ts,
 * host.ts): what a module exports and imports, the describe JSON, jw_init
 * errors, parameter clamping and paramChanged, MIDI dispatch with frame
 * offsets, log() and midiOut(). Driven through the V8 reference host where
 * the call sequence matters.
 */
import { describe, expect, it } from 'vitest';
import { f32, noise, wasmBytes } from './helpers/asm.js';
import { renderV8 } from './helpers/v8-render.js';

const EXAMPLES = ['gain', 'sine', 'biquad', 'delay', 'synth', 'poly', 'drums', 'tempo-delay', 'sampler', 'scope'];
const REQUIRED = ['memory', 'jw_abi', 'jw_init', 'jw_inputs', 'jw_outputs', 'jw_input', 'jw_output', 'jw_process'];
const OPTIONAL = ['jw_param_count', 'jw_param_set', 'jw_param_get', 'jw_describe', 'jw_midi', 'jw_state_count', 'jw_state_table', 'jw_transport', 'jw_buffer_count', 'jw_buffer_table', 'jw_buffer_ready', 'jw_ring_count', 'jw_ring_table'];

interface Abi {
  memory: WebAssembly.Memory;
  jw_abi(): number;
  jw_init(sr: number, maxFrames: number): number;
  jw_param_count(): number;
  jw_param_set(i: number, v: number): void;
  jw_param_get(i: number): number;
  jw_describe(): number;
  jw_state_count(): number;
  jw_state_table(): number;
}

/** The declared state of an initialised instance: key -> bytes. */
function stateOf(a: Abi): Record<string, number> {
  const n = a.jw_state_count();
  const view = new DataView(a.memory.buffer);
  const t = a.jw_state_table();
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const [ko, kl, , len] = [0, 4, 8, 12].map((o) => view.getUint32(t + 16 * i + o, true)) as [number, number, number, number];
    out[new TextDecoder().decode(new Uint8Array(a.memory.buffer, ko, kl))] = len;
  }
  return out;
}

/** Instantiates with stubs for every host import (no call sequence). */
function instantiate(dir: 'dsp' | 'examples', name: string): Abi {
  const noop = () => {};
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes(dir, name)), {
    env: { abort: () => { throw new Error('abort'); }, seed: () => 0x6a77 },
    jw_host: { log: noop, midi_out: noop },
  });
  return exports as unknown as Abi;
}

const imports = (dir: 'dsp' | 'examples', name: string) =>
  WebAssembly.Module.imports(new WebAssembly.Module(wasmBytes(dir, name))).map((i) => `${i.module}.${i.name}`).sort();
const exportNames = (dir: 'dsp' | 'examples', name: string) =>
  WebAssembly.Module.exports(new WebAssembly.Module(wasmBytes(dir, name))).map((e) => e.name).sort();

describe('declared state (Processor.keep)', () => {
  it('the examples declare what moves, by key and size', () => {
    const at = (name: string) => {
      const a = instantiate('examples', name);
      expect(a.jw_init(48000, 128)).toBe(0);
      return stateOf(a);
    };
    expect(at('sine')).toEqual({ 'osc.phase': 8, 'level.value': 4 });
    expect(at('gain')).toEqual({ 'gain.value': 4 });
    expect(at('biquad')).toEqual({ 'left.z': 8, 'right.z': 8 });
    // 2 s at 48 kHz + 2 rounds up to 2^17 samples per line.
    expect(at('delay')).toEqual({
      'lineL.data': 4 << 17, 'lineL.w': 4, 'lineR.data': 4 << 17, 'lineR.w': 4,
      'time.value': 4, 'feedback.value': 4, 'mix.value': 4,
    });
    const poly = at('poly');
    expect(Object.keys(poly).filter((k) => k.startsWith('osc.'))).toHaveLength(8);
    expect(poly['voices.note']).toBe(8 * 4);
    expect(poly['voices.held']).toBe(128 * 4);
    expect(poly['env.7.segment']).toBe(24);
    expect(poly.gain).toBe(8 * 4);
    for (const name of ['synth', 'drums']) expect(Object.keys(at(name)).length, name).toBeGreaterThan(5);
    expect(Object.keys(at('tempo-delay')).sort()).toEqual(['feedback.value', 'lineL.data', 'lineL.w', 'lineR.data', 'lineR.w', 'mix.value']);
  });
});

describe('dsp-asm module shape', () => {
  it('examples export exactly the ABI (jw_midi only with a MIDI input) and import only env.abort', () => {
    for (const name of EXAMPLES) {
      const midi = name === 'synth' || name === 'poly' || name === 'drums' || name === 'sampler';
      const expected = [...REQUIRED, ...OPTIONAL.filter((e) => midi || e !== 'jw_midi')].sort();
      expect(exportNames('examples', name), name).toEqual(expected);
      expect(imports('examples', name), name).toEqual(['env.abort']);
    }
  });

  it('a module that logs and sends MIDI imports jw_host.log and jw_host.midi_out, and only then', () => {
    expect(imports('dsp', 'abi-probe')).toEqual(['env.abort', 'jw_host.log', 'jw_host.midi_out']);
  });

  it('jw_init reports a missing processor, too many channels, an undeclared MIDI export and a second call', () => {
    expect(instantiate('dsp', 'abi-unregistered').jw_init(48000, 64)).toBe(1);
    expect(instantiate('dsp', 'abi-channels').jw_init(48000, 64)).toBe(2);
    expect(instantiate('dsp', 'abi-midi-missing').jw_init(48000, 64)).toBe(5);
    const ok = instantiate('examples', 'gain');
    expect(ok.jw_abi()).toBe(1);
    expect(ok.jw_init(48000, 0)).toBe(4);
    expect(ok.jw_init(48000, 64)).toBe(0);
    expect(ok.jw_init(48000, 64)).toBe(6);
  });
});

describe('dsp-asm describe JSON and parameters', () => {
  const probe = () => renderV8(wasmBytes('dsp', 'abi-probe'), { sampleRate: 48000, blockSize: 128, frames: 0 });

  it('describes name, version, params and MIDI ports as NUL-terminated UTF-8 JSON', () => {
    expect(probe().describe).toEqual({
      name: 'probe "quoted" \\ ünïcode 🎵\n',
      version: '0.0.1',
      params: [
        { id: 'offset', name: 'Offset', min: -1, max: 1, default: 0.25 },
        { id: 'scale', name: 'Scale', min: 0, max: 10, default: 2, unit: 'x' },
        { id: 'tiny', name: 'Tiny "q"', min: -0.1, max: 1e-7, default: 1e-7 },
      ],
      midiInputs: 1,
      midiOutputs: 1,
    });
  });

  it('writes f32 numbers in their shortest form, which rounds back to the same f32', () => {
    const m = instantiate('dsp', 'abi-probe');
    expect(m.jw_init(48000, 16)).toBe(0);
    const bytes = new Uint8Array(m.memory.buffer);
    const p = m.jw_describe();
    const json = Buffer.from(bytes.subarray(p, bytes.indexOf(0, p))).toString('utf8');
    expect(json).toContain('"min":-0.1,"max":1e-7,"default":1e-7');
    expect(m.jw_param_count()).toBe(3);
    expect([0, 1, 2].map((i) => m.jw_param_get(i))).toEqual([0.25, 2, f32(1e-7)]);
  });

  it('every example describes as many params as jw_param_count, with defaults equal to jw_param_get', () => {
    for (const name of EXAMPLES) {
      const m = instantiate('examples', name);
      expect(m.jw_init(44100, 256)).toBe(0);
      const { describe: d } = renderV8(wasmBytes('examples', name), { sampleRate: 44100, blockSize: 256, frames: 0 });
      const params = (d as { name: string; params: { id: string; default: number }[] }).params;
      expect((d as { name: string }).name).toBe(name);
      expect(params.length, name).toBe(m.jw_param_count());
      params.forEach((p, i) => expect(m.jw_param_get(i), `${name}.${p.id}`).toBe(f32(p.default)));
    }
  });

  it('clamps jw_param_set to the range, ignores NaN and unknown indices, calls paramChanged only on change', () => {
    const m = instantiate('dsp', 'abi-probe');
    m.jw_init(48000, 16);
    m.jw_param_set(0, 5);
    expect(m.jw_param_get(0)).toBe(1);
    m.jw_param_set(0, -5);
    expect(m.jw_param_get(0)).toBe(-1);
    m.jw_param_set(0, Number.NaN);
    expect(m.jw_param_get(0)).toBe(-1);
    m.jw_param_set(3, 1);
    m.jw_param_set(-1, 1);
    expect(m.jw_param_get(3)).toBeNaN();
    expect(m.jw_param_get(-1)).toBeNaN();

    const r = renderV8(wasmBytes('dsp', 'abi-probe'), {
      sampleRate: 48000, blockSize: 16, frames: 16,
      params: [[1, 3], [1, 3], [0, 0.25], [1, 99]], // 99 clamped to 10 by the host
    });
    expect(r.logs.filter((l) => l.startsWith('param'))).toEqual([
      'param 0 0.25 initial', 'param 1 2.0 initial', 'param 2 1e-7 initial', // from jw_init
      'param 1 3.0 initial', 'param 1 10.0 initial', // repeated and unchanged values are not reported
    ]);
  });
});

describe('dsp-asm processing, MIDI and logging', () => {
  it('runs process() on the input buffers and the current parameter values', () => {
    const a = noise(1000, 1);
    const b = noise(600, 2); // shorter than the render: zeros after
    const r = renderV8(wasmBytes('dsp', 'abi-probe'), {
      sampleRate: 48000, blockSize: 128, frames: 1000, inputs: [a, b], params: [[0, -0.5], [1, 4]],
    });
    expect(r.outputs).toHaveLength(3);
    expect(Array.from(r.outputs[0]!)).toEqual(Array.from(a, (v) => f32(v - 0.5)));
    expect(Array.from(r.outputs[1]!)).toEqual(Array.from({ length: 1000 }, (_, i) => (i < 600 ? f32(b[i]! * 4) : 0)));
    const missing = renderV8(wasmBytes('dsp', 'abi-probe'), { sampleRate: 48000, blockSize: 100, frames: 300 });
    expect(missing.outputs[0]!.every((v) => v === 0.25)).toBe(true);
  });

  it('dispatches note on/off (velocity 0 = off) with block-relative frame offsets, ignores other messages', () => {
    const r = renderV8(wasmBytes('dsp', 'abi-probe'), {
      sampleRate: 48000, blockSize: 64, frames: 256,
      midi: [
        { frame: 200, bytes: [0x80, 60, 0] },
        { frame: 5, bytes: [0x90, 60, 100] },
        { frame: 70, bytes: [0xb0, 7, 64] }, // control change: ignored by default
        { frame: 70, bytes: [0x9f, 62, 1] }, // channel 16
        { frame: 70, bytes: [0x90, 62, 0] }, // same frame: kept in order
        { frame: 256, bytes: [0x90, 1, 1] }, // past the end: never delivered
      ],
    });
    expect(r.logs.filter((l) => /^(on|off)/.test(l))).toEqual(['on 60 100 @5', 'on 62 1 @6', 'off 62 @6', 'off 60 @8']);
    const out2 = r.outputs[2]!;
    expect(out2[5]).toBe(60 / 128);
    expect(out2[70]).toBe(-62 / 128); // note off written after the note on at the same frame
    expect(out2[200]).toBe(-60 / 128);
    expect(out2.filter((v) => v !== 0)).toHaveLength(3);
    // process() echoed each note on an octave up at the same (absolute) frame.
    expect(r.midiOut).toEqual([
      { frame: 5, bytes: [0x90, 72, 100] },
      { frame: 70, bytes: [0x90, 74, 1] },
    ]);
  });

  it('log() sends UTF-8, encodes surrogate pairs, replaces lone surrogates and cuts at 255 bytes on a character boundary', () => {
    const { logs } = renderV8(wasmBytes('dsp', 'abi-probe'), { sampleRate: 44100, blockSize: 512, frames: 0 });
    expect(logs[0]).toBe('init 44100.0 512 in=512');
    expect(logs[1]).toBe('🎵 lone \ufffd end');
    expect(logs[2]).toBe('é'.repeat(127));
    expect(Buffer.byteLength(logs[2]!)).toBe(254);
  });
});
