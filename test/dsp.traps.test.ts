/**
 * Traps (docs/abi.md, "What the host guarantees"): every trap kind in
 * jw_process, and traps in jw_midi and jw_param_set. Offline, render()
 * rejects with DSP_TRAP naming the kind, the export and the frame. Live, the
 * module emits 'trap', goes silent (outputs exactly zero) while its
 * neighbour in the same client keeps producing exactly its samples, and
 * reset() brings it back. Also memory.grow: refused (-1) on the audio
 * thread, allowed in jw_init up to the cap.
 *
 * Modules: test/abi/traps.wat (traps on demand), probe.wat (the neighbour),
 * midisrc.wat (sends the MIDI that traps jw_midi), grow.wat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DspModule, JackError, OwnPort, Server, compile, render, type CompiledModule, type TrapInfo } from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { rejection } from './helpers/errors.js';
import { wat } from './helpers/wat.js';

let server: Server;
let client: Client;
let traps: CompiledModule;
let grow: CompiledModule;
/** A well-behaved module in the same client: out 0 counts frames, out 1 is its "value" (0.25). */
let witness: DspModule;
/** Sends one note-on per setParam('send', 1); loaded before every victim, so it runs first. */
let midisrc: DspModule;

useTempCache('traps');

beforeAll(async () => {
  traps = await compile(await wat('traps'), { name: 'traps' });
  grow = await compile(await wat('grow'), { name: 'grow' });
  server = await startServer('traps');
  client = await Client.open(uniqueName('traps'), { serverName: server.name });
  client.activate();
  witness = await client.load(await wat('probe'), { name: 'witness' });
  midisrc = await client.load(await wat('midisrc'), { name: 'midisrc' });
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** `p`, asserted to exist. */
function port(p: OwnPort | undefined): OwnPort {
  expect(p).toBeDefined();
  return p as OwnPort;
}

/** Index of the first sample of `a` that is not exactly `v` (-1: all are). */
function firstNot(a: Float32Array, v: number): number {
  return a.findIndex((x) => !Object.is(x, v));
}

/** Index of the first sample that is not the previous one plus 1 (-1: a continuous count). */
function firstGap(a: Float32Array): number {
  for (let i = 1; i < a.length; i++) if (a[i] !== (a[i - 1] as number) + 1) return i;
  return -1;
}

/** The witness is untouched: its counter runs on without a gap and its value stays 0.25. */
function expectWitnessIntact(counter: Float32Array, value: Float32Array): void {
  expect(firstGap(counter)).toBe(-1);
  expect(counter[0]).toBeGreaterThan(0);
  expect(firstNot(value, 0.25)).toBe(-1);
}

/** Waits until `m` has run `n` more cycles. */
async function cycles(m: DspModule, n: number): Promise<void> {
  const target = m.cycles + n;
  await until(() => m.cycles >= target, 10000, `${n} cycles of ${m.name}`);
}

let victimSeq = 0;

/**
 * Loads a fresh traps.wat, checks it outputs 0.5, traps it with `trigger`,
 * and checks: the 'trap' event (exactly once) and module.trap equal
 * `expected`; its output is exactly zero while the witness's is intact; after
 * `untrigger` and reset() it outputs 0.5 again.
 */
async function trapLive(
  expected: TrapInfo,
  trigger: (victim: DspModule) => void | Promise<void>,
  untrigger: (victim: DspModule) => void = () => {},
): Promise<void> {
  const victim = await client.load(traps, { name: `victim${++victimSeq}` });
  try {
    const before = await client.record([port(victim.outputs[0])], { frames: 1024 });
    expect(firstNot(before.channels[0] as Float32Array, 0.5)).toBe(-1);
    expect(victim.trap).toBeUndefined();

    let events = 0;
    victim.on('trap', () => events++);
    const trapped = waitForEvent<[TrapInfo]>(victim, 'trap');
    await trigger(victim);
    const [info] = await trapped;
    expect(info).toEqual(expected);
    expect(victim.trap).toEqual(expected);

    const rec = await client.record([port(victim.outputs[0]), port(witness.outputs[0]), port(witness.outputs[1])], { frames: 4096 });
    const [silenced, counter, value] = rec.channels as [Float32Array, Float32Array, Float32Array];
    expect(firstNot(silenced, 0)).toBe(-1);
    expectWitnessIntact(counter, value);
    expect(events).toBe(1);
    expect(victim.trap).toEqual(expected);

    untrigger(victim);
    await victim.reset();
    expect(victim.trap).toBeUndefined();
    const after = await client.record([port(victim.outputs[0])], { frames: 1024 });
    expect(firstNot(after.channels[0] as Float32Array, 0.5)).toBe(-1);
    expect(events).toBe(1);
  } finally {
    await victim.unload();
  }
}

/** [mode of traps.wat, what it does, TrapInfo.kind, trap code, message] */
const KINDS: [number, string, string, number, string][] = [
  [1, 'unreachable', 'unreachable', 5, 'unreachable executed'],
  [2, 'an out-of-bounds load', 'oob', 1, 'out of bounds memory access'],
  [3, 'an out-of-bounds store', 'oob', 1, 'out of bounds memory access'],
  [4, 'integer division by zero', 'div-by-zero', 3, 'integer divide by zero'],
  [5, 'integer overflow (INT_MIN / -1)', 'int-overflow', 2, 'integer overflow'],
  [6, 'an invalid conversion (i32.trunc_f32_s of NaN)', 'invalid-conversion', 4, 'invalid conversion to integer'],
  [7, 'a call_indirect signature mismatch', 'call-indirect', 6, 'indirect call signature mismatch'],
  [8, 'call stack exhaustion (unbounded recursion)', 'stack-exhausted', 8, 'call stack exhausted'],
  [9, 'env.abort with AssemblyScript strings', 'abort', 100, 'abort: bad λ! at assembly/dsp.ts:42:7'],
];

describe('offline: render() rejects with DSP_TRAP naming the kind and the frame', () => {
  it('renders 0.5 everywhere before the trap frame', async () => {
    const [out] = await render(traps, { blockSize: 128, frames: 640, params: { mode: 1, at: 640 } });
    expect(out).toHaveLength(640);
    expect(firstNot(out as Float32Array, 0.5)).toBe(-1);
  });

  it.each(KINDS)('mode %i: %s', async (mode, _what, _kind, _code, message) => {
    const err = await rejection(render(traps, { blockSize: 128, frames: 2048, params: { mode, at: 640 } }));
    expect(err.code).toBe('DSP_TRAP');
    expect(err.message).toBe(`traps trapped in jw_process at frame 640: ${message}`);
  });

  it('names the chunk-relative frame correctly past the first progress chunk (frame 96000)', async () => {
    // render() works in chunks of ceil(sampleRate / blockSize) blocks; the frame is absolute.
    const err = await rejection(render(traps, { blockSize: 128, frames: 100000, params: { mode: 4, at: 96000 } }));
    expect(err.message).toBe('traps trapped in jw_process at frame 96000: integer divide by zero');
  });

  it('reports a trap in jw_midi with the frame of the block that holds the event', async () => {
    const err = await rejection(render(traps, { blockSize: 128, frames: 1024, midi: [{ frame: 300, bytes: [0x90, 60, 100] }] }));
    expect(err.code).toBe('DSP_TRAP');
    expect(err.message).toBe('traps trapped in jw_midi at frame 256: unreachable executed');
  });

  it('reports a trap in jw_param_set while applying the initial parameters', async () => {
    const err = await rejection(render(traps, { blockSize: 128, frames: 1024, params: { boom: 1 } }));
    expect(err.code).toBe('DSP_TRAP');
    expect(err.message).toBe('traps trapped in jw_param_set at frame 0: unreachable executed');
  });
});

describe('live: a trapping module is silenced, its neighbour is not, reset() revives it', () => {
  it.each(KINDS)('mode %i: %s', async (mode, _what, kind, code, message) => {
    await trapLive(
      { kind, code, message, where: 'jw_process' },
      (v) => v.setParam('mode', mode),
      (v) => v.setParam('mode', 0),
    );
  });

  it('a trap in jw_midi (MIDI from another module of the client)', async () => {
    await trapLive({ kind: 'unreachable', code: 5, message: 'unreachable executed', where: 'jw_midi' }, async (v) => {
      expect(v.midiInput?.shortName).toBe(`${v.name}_midi_in`);
      client.connect(port(midisrc.midiOutput), port(v.midiInput));
      // The connection is in the graph once the victim has run a few cycles since.
      await cycles(v, 3);
      midisrc.setParam('send', 1);
    });
  });

  it('a trap in jw_param_set', async () => {
    await trapLive(
      { kind: 'unreachable', code: 5, message: 'unreachable executed', where: 'jw_param_set' },
      (v) => v.setParam('boom', 1),
      (v) => v.setParam('boom', 0),
    );
  });

  it('keeps a trapped module loaded: setParam still works and its ports stay', async () => {
    const victim = await client.load(traps, { name: 'stays' });
    try {
      const trapped = waitForEvent<[TrapInfo]>(victim, 'trap');
      victim.setParam('mode', 1);
      await trapped;
      victim.setParam('at', 5);
      expect(victim.getParam('at')).toBe(5);
      expect(client.modules).toContain(victim);
      expect(client.outports.get('stays_out_1')).toBe(victim.outputs[0]);
    } finally {
      await victim.unload();
    }
  });
});

describe('traps in jw_param_set outside the audio thread', () => {
  // jw_param_set also runs on a worker: for load()'s initial parameters and
  // when reset() re-applies the current values. A trap there must not be
  // ignored (docs/abi.md: a module that traps in jw_param_set is silenced);
  // like every other trap while starting an instance, it fails the load.
  it('load() with an initial parameter that traps jw_param_set is refused with MODULE_INIT_FAILED', async () => {
    const before = client.getPorts().map((p) => p.name);
    const result = await client.load(traps, { name: 'boomload', params: { boom: 1 } }).then((m) => m, (e: unknown) => e);
    if (result instanceof DspModule) {
      const running = result.trap === undefined;
      await result.unload();
      expect.fail(`load() resolved (module ${running ? 'running unsilenced' : 'trapped'}): the trap in jw_param_set was ignored`);
    }
    expect(result).toBeInstanceOf(JackError);
    const err = result as JackError;
    expect(err.code).toBe('MODULE_INIT_FAILED');
    expect(err.message).toContain('jw_param_set');
    expect(err.message).toContain('unreachable executed');
    expect(client.getPorts().map((p) => p.name)).toEqual(before);
    expect(client.modules.map((m) => m.name)).not.toContain('boomload');
  });

  it('reset() whose re-applied parameters trap jw_param_set rejects and leaves the module silenced', async () => {
    const victim = await client.load(traps, { name: 'boomreset' });
    try {
      const trapped = waitForEvent<[TrapInfo]>(victim, 'trap');
      victim.setParam('boom', 1);
      await trapped;
      // "boom" is still 1, so the fresh instance traps when it is re-applied.
      const reset = await victim.reset().then(() => undefined, (e: unknown) => e);
      if (reset === undefined) {
        const rec = await client.record([port(victim.outputs[0])], { frames: 256 });
        expect.fail(
          `reset() resolved although jw_param_set trapped: module.trap is ${String(victim.trap)}, ` +
            `getParam('boom') is ${victim.getParam('boom')}, output is ${rec.channels[0]?.[0]} (the new instance never saw boom = 1)`,
        );
      }
      expect(reset).toBeInstanceOf(JackError);
      const err = reset as JackError;
      expect(err.code).toBe('MODULE_INIT_FAILED');
      expect(err.message).toContain('jw_param_set');
      expect(victim.trap?.kind).toBe('unreachable');
      const rec = await client.record([port(victim.outputs[0])], { frames: 1024 });
      expect(firstNot(rec.channels[0] as Float32Array, 0)).toBe(-1);
    } finally {
      await victim.unload();
    }
  });
});

describe('memory.grow', () => {
  it('returns -1 inside jw_process and works inside jw_init (live)', async () => {
    const m = await client.load(grow, { name: 'grow' });
    try {
      const rec = await client.record([...m.outputs], { frames: 2048 });
      const [inProcess, inInit, size] = rec.channels as [Float32Array, Float32Array, Float32Array];
      expect(firstNot(inProcess, -1)).toBe(-1);
      expect(firstNot(inInit, 2)).toBe(-1);
      expect(firstNot(size, 3)).toBe(-1);
      expect(m.trap).toBeUndefined();
    } finally {
      await m.unload();
    }
  });

  it('returns -1 inside jw_process and works inside jw_init (offline render)', async () => {
    const [inProcess, inInit, size] = (await render(grow, { blockSize: 64, frames: 256 })) as [Float32Array, Float32Array, Float32Array];
    expect(firstNot(inProcess, -1)).toBe(-1);
    expect(firstNot(inInit, 2)).toBe(-1);
    expect(firstNot(size, 3)).toBe(-1);
  });

  it('refuses growth in jw_init past maxMemoryBytes', async () => {
    const capped = await compile(grow.wasm, { name: 'grow-capped', maxMemoryBytes: 2 * 65536 });
    const [inProcess, inInit, size] = (await render(capped, { blockSize: 64, frames: 256 })) as [Float32Array, Float32Array, Float32Array];
    expect(firstNot(inInit, -1)).toBe(-1);
    expect(firstNot(size, 2)).toBe(-1);
    expect(firstNot(inProcess, -1)).toBe(-1);
  });
});
