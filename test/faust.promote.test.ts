/**
 * The Faust code rewrite that keeps the sample loop's instance fields in
 * locals (host/faust/promote-fields.ts): what it moves, that the code
 * computes exactly what it did, and the code it leaves alone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { promoteFaustFields } from '../host/faust/promote-fields.js';
import { runFaustCompiler } from '../host/faust/faust-worker.js';
import { useTempDir } from './helpers/temp.js';
import { watText } from './helpers/wat.js';

vi.setConfig({ testTimeout: 180_000 });
const tmp = useTempDir('promote');

/**
 * A loop shaped like Faust's: `state` (f32 at 8) = state * 0.5 + input[i];
 * `count` (i32 at 12) += 1; a delay line at 64 written at count & 3; the
 * output is sin(gain) * state, with `gain` (f32 at 16) only read. BODY_EXTRA
 * goes into the loop body, EXTRA_FUNCS into the module.
 */
function faustLike(bodyExtra = '', extraFuncs = ''): string {
  return `(module
  (import "env" "memory" (memory 1))
  (import "env" "_sinf" (func $sinf (param f32) (result f32)))
  (func (export "compute") (param $dsp i32) (param $count i32) (param $in i32) (param $out i32) (local $i i32)
    (local.set $i (i32.const 0))
    (loop $frames
      (block $next
        (f32.store (i32.add (local.get $dsp) (i32.const 8))
          (f32.add (f32.mul (f32.load (i32.add (local.get $dsp) (i32.const 8))) (f32.const 0.5))
                   (f32.load (i32.add (local.get $in) (i32.shl (local.get $i) (i32.const 2))))))
        (i32.store (i32.add (local.get $dsp) (i32.const 12)) (i32.add (i32.load (i32.add (local.get $dsp) (i32.const 12))) (i32.const 1)))
        (f32.store (i32.add (local.get $dsp) (i32.add (i32.const 64) (i32.shl (i32.and (i32.load (i32.add (local.get $dsp) (i32.const 12))) (i32.const 3)) (i32.const 2))))
          (f32.load (i32.add (local.get $dsp) (i32.const 8))))
        ${bodyExtra}
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32.mul (call $sinf (f32.load (i32.add (local.get $dsp) (i32.const 16)))) (f32.load (i32.add (local.get $dsp) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.lt_s (local.get $i) (local.get $count)) (then (br $frames)))))
  )
  ${extraFuncs}
)`;
}

/** Runs `compute` over `frames` inputs in V8; returns the memory after it. */
async function runCompute(wasm: Uint8Array, input: Float32Array): Promise<Uint8Array> {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const f32 = new Float32Array(memory.buffer);
  f32[16 / 4] = 0.75; // gain
  f32.set(input, 1024 / 4);
  const module = new WebAssembly.Module(new Uint8Array(wasm));
  const instance = await WebAssembly.instantiate(module, { env: { memory, _sinf: (x: number) => Math.fround(Math.sin(x)) } });
  (instance.exports.compute as (d: number, n: number, i: number, o: number) => void)(0, input.length, 1024, 4096);
  return new Uint8Array(memory.buffer.slice(0));
}

/** Runs Faust's `-lang wasm-e` code in V8: init, then compute over 256 frames of a ramp in blocks of 16; the outputs. */
function runFaust(wasm: Uint8Array, inputs: number, outputs: number): Float32Array[] {
  const memory = new WebAssembly.Memory({ initial: 64 });
  const module = new WebAssembly.Module(new Uint8Array(wasm));
  const env: Record<string, unknown> = { memory };
  const math = Math as unknown as Record<string, (...x: number[]) => number>;
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind === 'function') env[i.name] = math[i.name.replace(/^_/, '').replace(/f$/, '')] ?? ((x: number) => x);
  }
  const e = new WebAssembly.Instance(module, { env: env as WebAssembly.ModuleImports }).exports as Record<string, (...a: number[]) => void>;
  const dsp = 65536, bufs = dsp + 2 ** 20, ptrs = bufs - 1024, frames = 256, block = 16;
  const view = new DataView(memory.buffer), f32 = new Float32Array(memory.buffer);
  e.init!(dsp, 48000);
  const y = Array.from({ length: outputs }, () => new Float32Array(frames));
  for (let at = 0; at < frames; at += block) {
    for (let c = 0; c < inputs; c++) {
      view.setInt32(ptrs + 4 * c, bufs + c * 4096, true);
      for (let k = 0; k < block; k++) f32[(bufs + c * 4096) / 4 + k] = at + k + 1 + c * 1000;
    }
    for (let c = 0; c < outputs; c++) view.setInt32(ptrs + 512 + 4 * c, bufs + (8 + c) * 4096, true);
    e.compute!(dsp, block, ptrs, ptrs + 512);
    for (let c = 0; c < outputs; c++) y[c]!.set(f32.subarray((bufs + (8 + c) * 4096) / 4, (bufs + (8 + c) * 4096) / 4 + block), at);
  }
  return y;
}

const input = Float32Array.from({ length: 37 }, (_, k) => Math.fround(Math.sin(k * 0.7) * 0.9));

describe('promoteFaustFields', () => {
  it('moves the loop fields to locals, and compute leaves memory exactly as before', async () => {
    const original = await watText(faustLike(), 'faust-like');
    const r = await promoteFaustFields(original, tmp.dir, 60000);
    expect(r.promoted).toBe(3); // state, count, gain
    expect(Buffer.from(r.wasm).equals(Buffer.from(original))).toBe(false);
    const before = await runCompute(original, input);
    const after = await runCompute(r.wasm, input);
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true);
    // And what it computed: 37 frames counted, the state and the last outputs.
    const view = new DataView(after.buffer);
    expect(view.getInt32(12, true)).toBe(37);
    let state = 0;
    for (const x of input) state = Math.fround(Math.fround(state * 0.5) + x);
    expect(view.getFloat32(8, true)).toBe(state);
    expect(view.getFloat32(4096 + 36 * 4, true)).toBe(Math.fround(Math.fround(Math.sin(0.75)) * state));
    expect(view.getFloat32(64 + (37 & 3) * 4, true)).toBe(state);
  });

  it.each([
    ['the loop calls a function of the module', '(drop (call $other))', '(func $other (result i32) (i32.const 1))'],
    ['the loop changes the instance pointer', '(local.set $dsp (local.get $dsp))', ''],
    ['a field is read with two types', '(drop (i32.load (i32.add (local.get $dsp) (i32.const 8))))', ''],
    ['a field is read with an offset attribute', '(drop (f32.load offset=8 (local.get $dsp)))', ''],
    ['a field is read with another width', '(drop (i32.load8_u (i32.add (local.get $dsp) (i32.const 13))))', ''],
    ['the loop can return', '(if (i32.eqz (local.get $count)) (then (return)))', ''],
    ['the loop fills memory', '(memory.fill (i32.const 2048) (i32.const 0) (i32.const 4))', ''],
    ['the loop calls indirectly', '(call_indirect (type $t) (i32.const 0))', '(type $t (func)) (table 1 funcref)'],
  ])('leaves the code as it is when %s', async (_what, bodyExtra, extraFuncs) => {
    const original = await watText(faustLike(bodyExtra, extraFuncs), 'faust-like');
    const r = await promoteFaustFields(original, tmp.dir, 60000);
    expect(r.promoted).toBe(0);
    expect(r.wasm).toBe(original);
  });

  it('returns bytes that are not WebAssembly unchanged', async () => {
    const junk = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 255, 255]);
    const r = await promoteFaustFields(junk, tmp.dir, 60000);
    expect(r).toEqual({ wasm: junk, promoted: 0 });
  });

  // Programs whose arrays Faust walks with computed indices (short delays as
  // shift loops, read-write tables, FIRs) besides masked delay lines: the
  // rewrite must leave those arrays' elements in memory.
  it.each([
    ['a short delay', 'process = @(7);'],
    ['two short delays', 'process = _ <: _, @(5), @(12) :> _;'],
    ['a 10-tap FIR', 'import("stdfaust.lib"); process = fi.fir((0.1,0.2,0.3,0.4,0.5,0.4,0.3,0.2,0.1,0.05));'],
    ['a read-write table written at a constant index', 'import("stdfaust.lib"); process = rwtable(8, 0.0, 0, _, ba.time%8);'],
    ['a read-write table read at a constant index', 'import("stdfaust.lib"); process = rwtable(8, 0.0, ba.time%8, _, 3);'],
    ['a variable delay', 'import("stdfaust.lib"); process = de.delay(16, 3+ba.time%10);'],
    ['a recursion through a delay', 'process = + ~ (@(9) : *(0.5));'],
    ['a lowpass into a delay', 'import("stdfaust.lib"); process = fi.lowpass(3, 1000) : @(7);'],
    ['a long delay line (a masked ring)', 'import("stdfaust.lib"); process = _ <: _, de.delay(4096, 1000+ba.time%7) :> _;'],
  ])('computes exactly what Faust\'s code does: %s', async (_what, code) => {
    const out = await runFaustCompiler('p', code, ['-ftz', '2'], [], { timeoutMs: 120000, heapMb: 2048 });
    const json = JSON.parse(out.json) as { inputs: number; outputs: number };
    const r = await promoteFaustFields(out.wasm, tmp.dir, 60000);
    const a = runFaust(out.wasm, json.inputs, json.outputs);
    const b = runFaust(r.wasm, json.inputs, json.outputs);
    expect(b.length).toBe(json.outputs);
    b.forEach((channel, c) => expect(Buffer.from(channel.buffer).equals(Buffer.from(a[c]!.buffer)), `output ${c}`).toBe(true));
    // (the outputs are not all silence: the comparison means something)
    expect(a.some((channel) => channel.some((x) => x !== 0))).toBe(true);
  });

  it("moves the fields of the Faust libraries' zita_rev1 as faustwasm compiles it", async () => {
    const out = await runFaustCompiler('zita', readFileSync(new URL('./faust/zita.dsp', import.meta.url), 'utf8'), ['-ftz', '2'], [], { timeoutMs: 120000, heapMb: 2048 });
    const r = await promoteFaustFields(out.wasm, tmp.dir, 60000);
    // Its loop reads and writes about a hundred fields (106 in Faust 2.54's output).
    expect(r.promoted).toBeGreaterThan(80);
  });
});
