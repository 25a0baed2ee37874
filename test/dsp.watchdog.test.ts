/**
 * Every call into a module is bounded. Live: the watchdog interrupts a module
 * that runs past watchdogMs, and the overrun policy reports and then
 * silences one that keeps taking more than its share of the cycle. At load
 * time: every export runs on a worker under callTimeoutMs, the main thread
 * stays free, the worker pool recovers, and a process with stuck loads still
 * exits. unload() and close() never free a module the audio thread is still
 * running.
 *
 * Module: test/abi/spin.wat (a busy loop of "iters" iterations per cycle,
 * or "loadIters" inside jw_param_set).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, compile, render, type CompiledModule, type OverrunInfo, type Server, type TrapInfo } from '../host/index.js';
import { native } from '../host/native.js';
import { rejection } from './helpers/errors.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let spin: CompiledModule;
let hang: CompiledModule; // jw_init never returns

useTempCache('watchdog');

beforeAll(async () => {
  spin = await compile(await wat('spin'), { name: 'spin' });
  hang = await compile(
    await (await import('./helpers/wat.js')).watText(
      `(module (memory (export "memory") 1)
        (func (export "jw_abi") (result i32) (i32.const 1))
        (func (export "jw_init") (param f32 i32) (result i32) (loop $l (br $l)) (i32.const 0))
        (func (export "jw_inputs") (result i32) (i32.const 0)) (func (export "jw_outputs") (result i32) (i32.const 0))
        (func (export "jw_input") (param i32) (result i32) (i32.const 0)) (func (export "jw_output") (param i32) (result i32) (i32.const 0))
        (func (export "jw_process") (param i32)))`,
      'hang',
    ),
    { name: 'hang' },
  );
  server = await startServer('watchdog', { period: 256 });
  client = await Client.open(uniqueName('watchdog'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** Iterations of spin.wat that take about `ms` (measured offline on this machine). */
async function itersFor(ms: number): Promise<number> {
  // Rationale: the fastest of several probes; on a busy machine (the whole
  // suite runs in parallel) a single probe overestimates the time per
  // iteration, and the module then spins for less than asked.
  const probe = 2e6;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await render(spin, { frames: 128 * 4, blockSize: 128, params: { iters: probe } });
    best = Math.min(best, (performance.now() - t0) / 4 / probe);
  }
  return Math.min(2e9, Math.round(ms / best));
}

describe('live: the watchdog', () => {
  it('interrupts a module stuck in jw_process within watchdogMs, as a timeout trap', async () => {
    client.watchdogMs = 30;
    const m = await client.load(spin, { name: 'stuck' });
    const lat: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      await until(() => m.cycles > 2, 5000, 'cycles');
      const trapped = waitForEvent<[TrapInfo]>(m, 'trap');
      const t0 = performance.now();
      m.setParam('iters', 2e9);
      const [t] = await trapped;
      lat.push(performance.now() - t0);
      expect([t.kind, t.where]).toEqual(['timeout', 'jw_process']);
      m.setParam('iters', 0);
      await m.reset();
    }
    // The setParam lands within a cycle (5.3 ms), the interrupt after 30 ms
    // plus the watchdog's 1 ms poll, the event through the 2 ms drain.
    console.log(`watchdog: interrupt-to-event latency ${lat.map((x) => x.toFixed(1)).join(', ')} ms (watchdogMs 30)`);
    for (const x of lat) expect(x).toBeLessThan(30 + 150);
    await m.unload();
    client.watchdogMs = 50;
  });

  it('reports overruns with the measured time, then silences the module after silenceAfter in a row; reset() brings it back', async () => {
    client.overrunPolicy = { budget: 1, silenceAfter: 4 };
    client.watchdogMs = 250; // room for a module spinning well over its budget
    const m = await client.load(spin, { name: 'slow' });
    const neighbour = await client.load(spin, { name: 'fine' });
    try {
      const overruns: OverrunInfo[] = [];
      m.on('overrun', (o) => overruns.push(o));
      let neighbourOverruns = 0;
      neighbour.on('overrun', () => neighbourOverruns++);
      const trapped = waitForEvent<[TrapInfo]>(m, 'trap');
      m.setParam('iters', await itersFor(20)); // ~20 ms of a 5.33 ms cycle
      const [t] = await trapped;
      expect([t.kind, t.where]).toEqual(['overrun', 'jw_process']);
      expect(t.message).toBe('silenced: over its time budget in too many consecutive cycles');
      await until(() => overruns.length > 0, 2000, 'overrun events');
      const last = overruns[overruns.length - 1] as OverrunInfo;
      expect(last.budgetUs).toBeCloseTo((1e6 * 256) / 48000, 0);
      expect(last.timeUs).toBeGreaterThan(last.budgetUs);
      expect(overruns.reduce((n, o) => n + o.count, 0)).toBe(4);
      expect(Math.max(...overruns.map((o) => o.consecutive))).toBe(4);
      expect(m.timing.overruns).toBe(4);
      expect(neighbourOverruns).toBe(0);
      // Silent now: its output is exactly zero.
      const rec = await client.record([m.outputs[0]!], { frames: 2048 });
      expect(rec.channels[0]!.every((x) => x === 0)).toBe(true);
      m.setParam('iters', 0);
      await m.reset();
      const back = await client.record([m.outputs[0]!], { frames: 2048 });
      expect(back.channels[0]!.slice(1024).every((x) => x === 0.5)).toBe(true);
      expect(m.trap).toBeUndefined();
    } finally {
      client.watchdogMs = 50;
      await m.unload().catch(() => {});
      await neighbour.unload().catch(() => {});
    }
    client.overrunPolicy = { budget: 1, silenceAfter: 8 };
  });

  it('does not silence a module with silenceAfter 0, and rejects bad policies', async () => {
    client.overrunPolicy = { budget: 0.5, silenceAfter: 0 };
    const m = await client.load(spin, { name: 'slow2' });
    try {
      let count = 0;
      m.on('overrun', (o) => (count += o.count));
      m.setParam('iters', await itersFor(10)); // ~10 ms: well over half the cycle
      await until(() => count >= 20, 10000, '20 overruns');
      expect(m.trap).toBeUndefined();
    } finally {
      await m.unload();
    }
    for (const bad of [{ budget: 0 }, { budget: -1 }, { budget: NaN }, { silenceAfter: 1.5 }, { silenceAfter: -1 }]) {
      expect(() => (client.overrunPolicy = bad)).toThrow(/overrunPolicy/);
    }
    client.overrunPolicy = { budget: 1, silenceAfter: 8 };
  });
});

describe('load time: every call is bounded and off the main thread', () => {
  it('times out a jw_param_set that never returns, naming it, while the main thread keeps running', async () => {
    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const err = await rejection(client.load(spin, { name: 'slowparam', params: { loadIters: 2e9 }, callTimeoutMs: 400 }));
    const took = performance.now() - t0;
    clearInterval(ticker);
    expect(err.code).toBe('MODULE_TIMEOUT');
    expect(err.message).toMatch(/jw_param_set\(1, 2000000000\) ran too long/);
    expect(took).toBeGreaterThan(350);
    expect(took).toBeLessThan(3000);
    expect(maxGap).toBeLessThan(200);
    expect(client.modules.length).toBe(0);
  });

  it("keeps Node's libuv pool free while module loads are stuck", async () => {
    const stuck = [1, 2, 3, 4, 5, 6].map(() => rejection(render(hang, { frames: 1, callTimeoutMs: 1500 })));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await readFile(fileURLToPath(import.meta.url)); // a libuv pool request
    expect(performance.now() - t0).toBeLessThan(500);
    expect((await Promise.all(stuck)).map((e) => e.code)).toEqual(Array(6).fill('MODULE_TIMEOUT'));
  });

  it('recovers the worker pool: four stuck loads time out, then a load works at once', async () => {
    const t0 = performance.now();
    const errs = await Promise.all([1, 2, 3, 4].map(() => rejection(render(hang, { frames: 1, callTimeoutMs: 300 }))));
    expect(errs.map((e) => e.code)).toEqual(['MODULE_TIMEOUT', 'MODULE_TIMEOUT', 'MODULE_TIMEOUT', 'MODULE_TIMEOUT']);
    expect(errs[0]!.message).toBe("hang: jw_init ran past the load's time limit of 300 ms and was interrupted (load option callTimeoutMs)");
    expect(performance.now() - t0).toBeLessThan(3000);
    const t1 = performance.now();
    const [out] = await render(spin, { frames: 256 });
    expect(out![0]).toBe(0.5);
    expect(performance.now() - t1).toBeLessThan(1000);
  });

  it('lets a process with stuck module calls exit at once', async () => {
    const script = `
      import { compile, render } from ${JSON.stringify(new URL('../dist/host/index.js', import.meta.url).href)};
      const c = await compile(new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(hang.wasm).toString('base64'))}, 'base64')), { name: 'hang' });
      for (let i = 0; i < 4; i++) render(c, { frames: 1, callTimeoutMs: 600000 }).catch(() => {});
      setTimeout(() => { console.log('exiting'); process.exit(7); }, 300);`;
    const t0 = performance.now();
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000 }, (err, out) => resolve({ code: child.exitCode, out }));
    });
    const took = performance.now() - t0;
    expect(r.out.trim()).toBe('exiting');
    expect(r.code).toBe(7);
    expect(took).toBeLessThan(5000);
  });
});

describe('worker threads', () => {
  it('renders in a worker_thread, and terminating the worker with six stuck loads returns at once, without a crash', async () => {
    const { Worker } = await import('node:worker_threads');
    const code = `
      const { parentPort } = require('node:worker_threads');
      (async () => {
        const { compile, render } = await import(${JSON.stringify(new URL('../dist/host/index.js', import.meta.url).href)});
        const c = await compile(new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(spin.wasm).toString('base64'))}, 'base64')), { cacheDir: ${JSON.stringify(process.env.JACKWASM_CACHE)} });
        const [o] = await render(c, { frames: 256 });
        parentPort.postMessage(o[0]);
        // A load that never ends by itself (jw_init loops forever).
        for (let i = 0; i < 6; i++) render(new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(hang.wasm).toString('base64'))}, 'base64')), { frames: 1, callTimeoutMs: 600000, compile: { cacheDir: ${JSON.stringify(process.env.JACKWASM_CACHE)} } }).catch(() => {});
        setTimeout(() => parentPort.postMessage('stuck'), 200);
      })();`;
    const w = new Worker(code, { eval: true });
    const messages: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      w.on('message', (m) => {
        messages.push(m);
        if (m === 'stuck') resolve();
      });
      w.on('error', reject);
    });
    expect(messages).toEqual([0.5, 'stuck']);
    // Module jobs run on the environment's own threads, not Node's pool, so
    // the addon's cleanup runs at once: queued jobs are dropped and running
    // ones interrupted, whatever their time limit.
    const t0 = performance.now();
    await w.terminate();
    expect(performance.now() - t0).toBeLessThan(1000);
    // This process is fine: render still works here.
    const [out] = await render(spin, { frames: 128 });
    expect(out![0]).toBe(0.5);
  });
});

describe('worker threads: the runtime outlives them', () => {
  it('keeps V8 WebAssembly traps working in a process whose only jackwasm user was a worker that exited', async () => {
    // Node unloads an addon with the environment that loaded it; the
    // runtime's signal handlers and watchdog thread must stay mapped.
    const lib = JSON.stringify(new URL('../dist/host/index.js', import.meta.url).href);
    const wasm = JSON.stringify(Buffer.from(spin.wasm).toString('base64'));
    const script = `
      import { Worker } from 'node:worker_threads';
      const w = new Worker(\`
        (async () => {
          const { render } = await import(${lib});
          const [o] = await render(new Uint8Array(Buffer.from(${wasm}, 'base64')), { frames: 64, compile: { cacheDir: ${JSON.stringify(process.env.JACKWASM_CACHE)} } });
          if (o[0] !== 0.5) throw new Error('bad output ' + o[0]);
        })();\`, { eval: true });
      const code = await new Promise((r) => w.on('exit', r));
      // (module (memory 1) (func (export "f") (param i32) (result i32) local.get 0 i32.load))
      const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,6,1,96,1,127,1,127,3,2,1,0,5,3,1,0,1,7,5,1,1,102,0,0,10,9,1,7,0,32,0,40,2,0,11]);
      const { instance } = await WebAssembly.instantiate(bytes);
      await new Promise((r) => setTimeout(r, 100)); // the watchdog thread keeps polling meanwhile
      try { instance.exports.f(0x7fff0000); console.log('worker', code, 'no trap'); }
      catch (e) { console.log('worker', code, e.constructor.name, e.message); }`;
    const r = await new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30000 }, (err, out) =>
        resolve({ code: child.exitCode, signal: child.signalCode, out }),
      );
    });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('worker 0 RuntimeError memory access out of bounds');
  });
});

/** Resolves once `m` has stopped completing cycles (it is inside a long call). */
async function stuckInCycle(m: { cycles: number }): Promise<void> {
  let last = m.cycles;
  let still = 0;
  await until(() => {
    const now = m.cycles;
    still = now === last ? still + 1 : 0;
    last = now;
    return still >= 3; // 3 polls of 10 ms with no cycle: a 5 ms period has passed several times
  }, 5000, 'the module stuck in a cycle');
}

describe('unload() and close() wait for the audio thread', () => {
  it('unload() of a module stuck in the cycle returns only after the watchdog let the audio thread go', async () => {
    client.watchdogMs = 300;
    const before = native.runtimeStats();
    const m = await client.load(spin, { name: 'stuckunload' });
    await until(() => m.cycles > 2, 5000, 'cycles');
    m.setParam('iters', 2e9);
    await new Promise((r) => setTimeout(r, 50)); // now inside the long call
    const t0 = performance.now();
    await m.unload();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThan(150); // the rest of the 300 ms
    expect(native.runtimeStats().memories).toBe(before.memories);
    expect(client.outports.items.some((p) => p.shortName.startsWith('stuckunload'))).toBe(false);
    client.watchdogMs = 50;
  });

  it('unload({ timeoutMs }) rejects AUDIO_THREAD_STUCK when it cannot wait, and frees the module once the audio thread lets go', async () => {
    client.watchdogMs = 600;
    const before = native.runtimeStats();
    const m = await client.load(spin, { name: 'stuck2' });
    await until(() => m.cycles > 2, 5000, 'cycles');
    m.setParam('iters', 2e9);
    await stuckInCycle(m);
    const err = await rejection(m.unload({ timeoutMs: 20 }));
    expect(err.code).toBe('AUDIO_THREAD_STUCK');
    expect(native.runtimeStats().memories).toBe(before.memories + 1); // still held
    await until(() => native.runtimeStats().memories === before.memories, 3000, 'freed later');
    await until(() => !client.outports.items.some((p) => p.shortName.startsWith('stuck2')), 3000, 'ports unregistered');
    client.watchdogMs = 50;
  });

  it('close() of a client whose module is stuck returns once the watchdog interrupts it', async () => {
    const c = await Client.open(uniqueName('wdclose'), { serverName: server.name });
    c.activate();
    c.watchdogMs = 400;
    const m = await c.load(spin, { name: 'stuck3' });
    await until(() => m.cycles > 2, 5000, 'cycles');
    m.setParam('iters', 2e9);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await c.close();
    expect(performance.now() - t0).toBeLessThan(3000);
    // The server is fine: the shared client still runs cycles.
    const probe = await client.load(spin, { name: 'after' });
    await until(() => probe.cycles > 5, 5000, 'cycles after');
    await probe.unload();
  });
});
