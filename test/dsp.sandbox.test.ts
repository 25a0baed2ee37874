/**
 * The sandbox in one process with V8: guard-page memories and module stacks
 * coexist with V8's own WebAssembly (whose trap handler must keep working
 * after jackwasm modules faulted), address space is released completely over
 * many instances, and the memory-fault handler turns only faults of module
 * code into traps.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, JackError, render } from '../host/index.js';
import { native } from '../host/native.js';
import { useTempCache } from './helpers/temp.js';
import { watText } from './helpers/wat.js';

useTempCache('sandbox');

const OOB = `(module (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param i32) (f32.store (i32.const 1024) (f32.load (i32.const 200000)))))`;

const TINY = OOB.replace('(f32.load (i32.const 200000))', '(f32.const 0.5)');

/** VmSize of this process, bytes. */
function vmSize(): number {
  const m = /VmSize:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1]) * 1024;
}

describe('coexistence with V8', () => {
  it("keeps V8's WebAssembly out-of-bounds traps and stack overflows working after jackwasm modules faulted", async () => {
    const c = await compile(await watText(OOB, 'oob'), { name: 'oob' });
    for (let i = 0; i < 5; i++) {
      const err = await render(c, { frames: 128 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JackError);
      expect((err as JackError).message).toBe('oob trapped in jw_process at frame 0: out of bounds memory access');
    }
    // The same kind of module in V8.
    const v8 = new WebAssembly.Instance(
      new WebAssembly.Module((await watText('(module (memory 1) (func (export "f") (result i32) (i32.load (i32.const 200000))) (func $r (export "r") (call $r)))', 'v8')) as Uint8Array<ArrayBuffer>),
    );
    const f = v8.exports.f as () => number;
    const r = v8.exports.r as () => void;
    for (let i = 0; i < 3; i++) {
      expect(f).toThrow(/memory access out of bounds/);
      expect(r).toThrow(RangeError);
    }
    // And jackwasm traps again afterwards.
    await expect(render(c, { frames: 128 })).rejects.toThrow(/out of bounds memory access/);
  });

  it('reports a JS RangeError for deep JS recursion as before (Node keeps its own stack)', () => {
    const deep = (n: number): number => (n === 0 ? 0 : 1 + deep(n - 1));
    expect(() => deep(1e7)).toThrow(RangeError);
  });
});

describe('address space', () => {
  it('releases every memory reservation and stack over 10,000 instances', async () => {
    const c = await compile(await watText(TINY, 'tiny'), { name: 'tiny' });
    const before = native.runtimeStats();
    const vm0 = vmSize();
    let peak = 0;
    const lane = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const [out] = await render(c, { frames: 1, blockSize: 1 });
        if (out![0] !== 0.5) throw new Error('wrong output');
        if (i % 500 === 0) peak = Math.max(peak, native.runtimeStats().reservedBytes);
      }
    };
    await Promise.all([lane(2500), lane(2500), lane(2500), lane(2500)]);
    const after = native.runtimeStats();
    expect(after.memories).toBe(before.memories);
    expect(after.stacks).toBe(before.stacks);
    expect(after.reservedBytes).toBe(before.reservedBytes);
    // Each instance reserves 8 GiB: 10,000 leaked would be 80 TiB of address space.
    expect(vmSize() - vm0).toBeLessThan(4 * 2 ** 30);
    expect(peak).toBeLessThanOrEqual(before.reservedBytes + 5 * (8 * 2 ** 30 + 4 * 2 ** 20));
  }, 120000);
});
