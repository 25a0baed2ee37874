/**
 * DspModule.swap(): hot-swapping a module's code while audio runs. The new
 * instance takes over at a cycle start, with the old one's declared state
 * (jw_state_table) and parameter values, while their outputs crossfade; the
 * module keeps its ports and connections; failed swaps change nothing.
 *
 * Modules: test/abi/counter.wat (declared state: a frame counter; output =
 * counter + "offset"), probe.wat (no state: out 0 counts frames since the
 * instance started, out 1 = "value"), stereo.wat (2 in / 2 out), gain.wat
 * (1/1), traps.wat (traps on demand, has jw_midi), init-error-3.wat.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Client, Server, compile, render, type CompiledModule, type DspModule, type OwnPort } from '../host/index.js';
import { frameAhead, startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { rejection } from './helpers/errors.js';
import { useTempCache, useTempDir } from './helpers/temp.js';
import { wat, watSource, watText } from './helpers/wat.js';

let server: Server;
let client: Client;
useTempCache('swap');
const work = useTempDir('swap-files');
const mods = {} as Record<'counter' | 'probe' | 'stereo' | 'gain' | 'traps', CompiledModule>;

beforeAll(async () => {
  for (const name of ['counter', 'probe', 'stereo', 'gain', 'traps'] as const) mods[name] = await compile(await wat(name), { name });
  server = await startServer('swap');
  client = await Client.open(uniqueName('swap'), { serverName: server.name });
  client.activate();
});



afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** counter.wat with its text edited (`edits`: [from, to] replacements). */
async function counterVariant(name: string, ...edits: [string, string][]): Promise<CompiledModule> {
  let text = await watSource('counter');
  for (const [a, b] of edits) {
    expect(text.includes(a), `counter.wat contains ${a}`).toBe(true);
    text = text.replace(a, b);
  }
  return compile(await watText(text, name), { name });
}

function port(p: OwnPort | undefined): OwnPort {
  expect(p).toBeDefined();
  return p as OwnPort;
}

async function cycles(m: DspModule, n: number): Promise<void> {
  const target = m.cycles + n;
  await until(() => m.cycles >= target, 10000, `${n} cycles of ${m.name}`);
}

/** Index of the first sample that is not the previous one plus 1 (-1: a continuous count). */
function firstGap(a: Float32Array): number {
  for (let i = 1; i < a.length; i++) if (a[i] !== (a[i - 1] as number) + 1) return i;
  return -1;
}

/** The engine's crossfade of one sample, in f32 as the engine computes it: old + g * (new - old), g = k / frames. */
function faded(oldV: number, newV: number, k: number, frames: number): number {
  const f = Math.fround;
  if (k >= frames) return newV;
  const g = f(k * f(1 / frames));
  return f(oldV + f(g * f(newV - oldV)));
}

const names = (c: Client, m: string) => c.getPorts({ namePattern: `^${c.name}:${m}_` }).map((p) => p.name).sort();

describe('continuity', () => {
  it('keeps a count going sample for sample through a swap to the same code (state carried, 10 ms crossfade)', async () => {
    const m = await client.load(mods.counter, { name: 'cont' });
    try {
      await cycles(m, 2);
      const recording = client.record([port(m.outputs[0])], { frames: 24000 });
      await cycles(m, 8);
      const report = await m.swap(mods.counter);
      const rec = await recording;
      const out = rec.channels[0] as Float32Array;
      expect(report.state).toEqual({ carried: ['counter'], fresh: [], dropped: [], bytes: 4, skipped: undefined });
      expect(report.crossfadeFrames).toBe(480);
      const at = rec.indexOf(report.frame as number);
      expect(at, 'the swap happened inside the recording').toBeGreaterThan(0);
      expect(at + 480).toBeLessThan(out.length);
      expect(firstGap(out)).toBe(-1);
      expect(m.swaps).toBe(1);
      expect(report.audibleMs).toBeGreaterThanOrEqual(report.readyMs);
      expect(report.totalMs).toBeGreaterThanOrEqual(report.audibleMs);
    } finally {
      await m.unload();
    }
  });

  it('crossfades linearly from the old output to the new over crossfadeMs, starting at a cycle start', async () => {
    // probe has no declared state: the new instance counts from 0 again.
    const m = await client.load(mods.probe, { name: 'fade', params: { value: 1 } });
    try {
      await cycles(m, 2);
      const recording = client.record([port(m.outputs[0]), port(m.outputs[1])], { frames: 24000 });
      await cycles(m, 8);
      const report = await m.swap(mods.probe, { crossfadeMs: 5, keepParams: false });
      const rec = await recording;
      const [count, value] = rec.channels as [Float32Array, Float32Array];
      const F = 240;
      expect(report.crossfadeFrames).toBe(F);
      expect(report.params).toEqual({ kept: [], reset: ['value', 'free'] });
      expect(m.getParam('value')).toBe(0.25);
      const at = value.findIndex((v) => v !== 1);
      expect(at, 'the swap at its frame').toBe(rec.indexOf(report.frame as number));
      expect(((report.frame as number) - rec.startFrame) % client.blockSize, 'the swap frame is a cycle start').toBe(0);
      expect(at).toBeGreaterThan(0);
      const c0 = count[at - 1] as number;
      const wrong: string[] = [];
      for (let i = 0; i < at; i++) if (value[i] !== 1) wrong.push(`value[${i}] = ${value[i]} before the swap`);
      for (let i = at; i < at + F + 64; i++) {
        const k = i - at + 1;
        const v = faded(1, 0.25, k, F);
        if (value[i] !== v) wrong.push(`value[${i}] = ${value[i]}, expected ${v} (k = ${k})`);
        const c = faded(c0 + k, k - 1, k, F);
        if (count[i] !== c) wrong.push(`count[${i}] = ${count[i]}, expected ${c} (k = ${k})`);
      }
      expect(wrong.slice(0, 5).join('\n')).toBe('');
    } finally {
      await m.unload();
    }
  });

  it('cuts over at once at a cycle start with crossfadeMs 0', async () => {
    const m = await client.load(mods.probe, { name: 'cut', params: { value: 1 } });
    try {
      await cycles(m, 2);
      const recording = client.record([port(m.outputs[0]), port(m.outputs[1])], { frames: 24000 });
      await cycles(m, 8);
      const report = await m.swap(mods.probe, { crossfadeMs: 0, keepParams: false });
      const rec = await recording;
      const [count, value] = rec.channels as [Float32Array, Float32Array];
      const at = value.findIndex((v) => v !== 1);
      expect(at).toBe(rec.indexOf(report.frame as number));
      expect(report.crossfadeFrames).toBe(0);
      expect(((report.frame as number) - rec.startFrame) % client.blockSize).toBe(0);
      expect(value.subarray(0, at).every((v) => v === 1)).toBe(true);
      expect(value.subarray(at).every((v) => v === 0.25)).toBe(true);
      expect(count[at]).toBe(0);
      expect(firstGap(count.subarray(at))).toBe(-1);
    } finally {
      await m.unload();
    }
  });
});

describe('state carry-over', () => {
  it('starts fresh, and says so, when the layout of a state group changed', async () => {
    const longer = await counterVariant('counter-len8', ['\\08\\00\\00\\00\\04\\00\\00\\00', '\\08\\00\\00\\00\\08\\00\\00\\00']);
    const m = await client.load(mods.counter, { name: 'lay' });
    try {
      await cycles(m, 4);
      const report = await m.swap(longer, { crossfadeMs: 0 });
      expect(report.state).toEqual({ carried: [], fresh: ['counter (layout changed)'], dropped: [], bytes: 0, skipped: undefined });
      const rec = await client.record([port(m.outputs[0])], { frames: 256 });
      const out = rec.channels[0] as Float32Array;
      // A fresh counter: far below what the old one had reached.
      expect(out[0] as number).toBeLessThan(m.cycles * client.blockSize);
      expect(firstGap(out)).toBe(-1);
    } finally {
      await m.unload();
    }
  });

  it('reports groups only the new code has as fresh and those only the old had as dropped', async () => {
    const renamed = await counterVariant('counter-tally', ['(i32.const 64) "counter.pos"', '(i32.const 64) "tally.pos__"']);
    const m = await client.load(mods.counter, { name: 'ren' });
    try {
      const report = await m.swap(renamed, { crossfadeMs: 1 });
      expect(report.state).toEqual({ carried: [], fresh: ['tally (new)'], dropped: ['counter'], bytes: 0, skipped: undefined });
      const back = await m.swap(mods.counter, { keepState: false, crossfadeMs: 1 });
      expect(back.state).toEqual({ carried: [], fresh: [], dropped: [], bytes: 0, skipped: undefined });
    } finally {
      await m.unload();
    }
  });

  it('takes the state over at once when the client is not active', async () => {
    const c = await Client.open(uniqueName('swap-idle'), { serverName: server.name });
    try {
      const m = await c.load(mods.counter, { name: 'idle' });
      c.activate();
      await cycles(m, 10);
      await c.deactivate();
      const counted = m.cycles * c.blockSize; // frames the counter has reached
      const report = await m.swap(mods.counter);
      expect(report.frame).toBeUndefined();
      expect(report.state.carried).toEqual(['counter']);
      expect(m.swaps).toBe(1);
      // Active again: the new instance counts on from there, not from 0.
      c.activate();
      const rec = await c.record([port(m.outputs[0])], { frames: 256 });
      expect(rec.channels[0]![0]).toBeGreaterThan(counted);
      expect(firstGap(rec.channels[0] as Float32Array)).toBe(-1);
    } finally {
      await c.close();
    }
  });
});

describe('SDK modules (declared state)', () => {
  const example = (name: string) => fileURLToPath(new URL(`../build/examples/${name}.wasm`, import.meta.url));

  /** Plays a chord on the example poly synth, swaps it to `target` mid-chord, and returns the recording from the chord on, with the render of the same chord. */
  async function chordThroughSwap(keepState: boolean) {
    // A skipped cycle (an xrun on a loaded machine) moves the recording against the render: try again.
    for (let i = 0; ; i++) {
      const r = await chordThroughSwapOnce(keepState);
      if (r !== 'xrun') return r;
      if (i === 7) throw new Error('each of 8 tries had an xrun in its recording');
    }
  }

  async function chordThroughSwapOnce(keepState: boolean) {
    const poly = await compile(await readFile(example('poly')), { name: 'poly' });
    const m = await client.load(poly, { name: keepState ? 'pk' : 'pf' });
    try {
      await cycles(m, 2);
      const t0 = frameAhead(client, 0.4);
      const recording = client.record([port(m.outputs[0])], { frames: 48000, startAt: t0 });
      const t = t0 + 4 * client.blockSize;
      for (const note of [60, 64, 67]) m.sendMidi([0x90, note, 100], { frame: t });
      await until(() => client.lastFrameTime - t > 12 * client.blockSize, 10000, 'the chord to sound');
      const report = await m.swap(poly, { keepState, crossfadeMs: 10 });
      const rec = await recording;
      if (rec.discontinuities.length) return 'xrun' as const;
      const all = rec.channels[0] as Float32Array;
      const [whole] = (await render(poly, {
        frames: all.length,
        blockSize: client.blockSize,
        midi: [60, 64, 67].map((note) => ({ frame: 0, bytes: [0x90, note, 100] })),
      })) as [Float32Array];
      const at = rec.indexOf(t);
      expect(at).toBeGreaterThan(0);
      const out = all.subarray(at);
      const expected = whole.subarray(0, out.length);
      // Where the outputs part (keepState false), else the frames (when they map to samples).
      const parted = out.findIndex((v, i) => !Object.is(v, expected[i]));
      const swapAt = rec.indexOf(report.frame as number) - at;
      if (!keepState) expect(parted).toBe(swapAt);
      return { report, out, expected, swapAt };
    } finally {
      await m.unload();
    }
  }

  it('keeps a chord of the example poly synth sounding through a swap, sample for sample', async () => {
    const { report, out, expected, swapAt } = await chordThroughSwap(true);
    expect(report.state.carried.sort()).toEqual(['env', 'filter', 'gain', 'level', 'osc', 'voices']);
    expect(report.state.fresh).toEqual([]);
    expect(swapAt).toBeGreaterThan(0);
    expect(swapAt + 480).toBeLessThan(out.length);
    const diff = out.findIndex((v, i) => !Object.is(v, expected[i]));
    expect(diff, `first sample that differs from the render without a swap (the swap at ${swapAt})`).toBe(-1);
    expect(Math.max(...out.subarray(swapAt + 480).map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('without keepState, fades the chord out into the fresh (silent) instance', async () => {
    const { report, out, expected, swapAt } = await chordThroughSwap(false);
    expect(report.state).toMatchObject({ carried: [], bytes: 0 });
    // The same until the swap, then faded to silence over the crossfade.
    expect(out.subarray(0, swapAt).every((v, i) => Object.is(v, expected[i]))).toBe(true);
    for (let k = 1; k <= 480; k++) expect(out[swapAt + k - 1]).toBe(faded(expected[swapAt + k - 1] as number, 0, k, 480));
    expect(out.subarray(swapAt + 480).every((v) => v === 0)).toBe(true);
  });
});

describe('declared state tables', () => {
  const T = '"\\40\\00\\00\\00\\0b\\00\\00\\00\\08\\00\\00\\00\\04\\00\\00\\00"';
  const COUNT = '(func (export "jw_state_count") (result i32) (i32.const 1))';
  const cases: [string, [string, string][], string, RegExp][] = [
    ['too many entries', [[COUNT, COUNT.replace('(i32.const 1)', '(i32.const 5000)')]], 'MODULE_BAD_LAYOUT', /jw_state_count\(\) returned 5000 \(must be 0..4096\)/],
    ['a table outside memory', [['(func (export "jw_state_table") (result i32) (i32.const 32))', '(func (export "jw_state_table") (result i32) (i32.const 65530))']], 'MODULE_BAD_LAYOUT', /the table at 65530 \(1 x 16 bytes\) is outside memory/],
    ['an entry outside memory', [['\\08\\00\\00\\00\\04\\00\\00\\00', '\\08\\00\\00\\00\\ff\\ff\\00\\00']], 'MODULE_BAD_LAYOUT', /entry 0 \("counter.pos"\): 65535 bytes at 8 are outside memory/],
    ['a key outside memory', [['\\40\\00\\00\\00\\0b', '\\fa\\ff\\00\\00\\0b']], 'MODULE_BAD_LAYOUT', /entry 0: its key must be 1-256 bytes inside memory/],
    ['an empty key', [['\\40\\00\\00\\00\\0b', '\\40\\00\\00\\00\\00']], 'MODULE_BAD_LAYOUT', /entry 0: its key must be 1-256 bytes/],
    ['two entries with one key', [[COUNT, COUNT.replace('(i32.const 1)', '(i32.const 2)')], [T, T.slice(0, -1) + T.slice(1)]], 'MODULE_BAD_LAYOUT', /two records are named "counter.pos"/],
    ['more than 4 MiB of state', [['(memory (export "memory") 1)', '(memory (export "memory") 100)'], ['\\08\\00\\00\\00\\04\\00\\00\\00', '\\08\\00\\00\\00\\00\\00\\48\\00']], 'MODULE_BAD_LAYOUT', /declare more than 4 MiB of state in all/],
    ['a key with a control character', [['(i32.const 64) "counter.pos"', '(i32.const 64) "counter\\1bpos"']], 'MODULE_BAD_LAYOUT', /entry 0: its key has a control character/],
    ['jw_state_count without jw_state_table', [['(func (export "jw_state_table") (result i32) (i32.const 32))', '']], 'MODULE_BAD_EXPORT', /jw_state_count, jw_state_table must be exported together \(jw_state_table missing\)/],
  ];
  for (const [what, edits, code, message] of cases) {
    it(`refuses a module with ${what} (${code})`, async () => {
      const e = await rejection((async () => client.load(await counterVariant(`counter-bad-${what.replace(/\W+/g, '-')}`, ...edits), { name: 'bad' }))());
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
    });
  }

  it('copies overlapping entries without harm', async () => {
    const overlap = await counterVariant('counter-overlap', [COUNT, COUNT.replace('(i32.const 1)', '(i32.const 2)')],
      [T, T.slice(0, -1) + T.slice(1).replace('\\0b\\00\\00\\00\\08', '\\09\\00\\00\\00\\06')]);
    const m = await client.load(overlap, { name: 'ovl' });
    try {
      await cycles(m, 4);
      const r = await m.swap(overlap, { crossfadeMs: 0 });
      expect(r.state.carried).toEqual(['counter']);
      const rec = await client.record([port(m.outputs[0])], { frames: 256 });
      expect(firstGap(rec.channels[0] as Float32Array)).toBe(-1);
    } finally {
      await m.unload();
    }
  });
});

describe('parameters', () => {
  it('carries the values set so far over by id; others take the new code defaults', async () => {
    const m = await client.load(mods.probe, { name: 'par', params: { value: 3 } });
    try {
      m.setParam('free', 5);
      const same = await m.swap(mods.probe);
      expect(same.params).toEqual({ kept: ['value', 'free'], reset: [] });
      expect(m.params.map((p) => [p.id, p.value])).toEqual([['value', 3], ['free', 5]]);
      const rec = await client.record([port(m.outputs[1]), port(m.outputs[2])], { frames: 512 });
      expect(rec.channels[0]?.every((v) => v === 3)).toBe(true);
      expect(rec.channels[1]?.every((v) => v === 5)).toBe(true);
      // The counter has only "offset": nothing carries; probe's ids are gone.
      const other = await m.swap(mods.counter, { crossfadeMs: 0 });
      expect(other.params).toEqual({ kept: [], reset: ['offset'] });
      expect(m.params.map((p) => p.id)).toEqual(['offset']);
      expect(() => m.setParam('value', 1)).toThrow(/no parameter "value" \(parameters: offset\)/);
    } finally {
      await m.unload();
    }
  });

  it('plays an edited default after a swap when the parameter was never set (the declared default does not count as set)', async () => {
    const m = await client.load(mods.probe, { name: 'defaults' }); // "value" defaults to 0.25, declared in jw_describe
    try {
      await cycles(m, 2);
      const edited = await compile(await watSourceWithDefault(0.75), { name: 'probe-d0.75' });
      const r = await m.swap(edited, { crossfadeMs: 0 });
      expect(r.params).toEqual({ kept: [], reset: ['value', 'free'] });
      expect(m.getParam('value')).toBe(0.75);
      await cycles(m, 2);
      const rec = await client.record([port(m.outputs[1])], { frames: 256 });
      expect([...new Set(rec.channels[0])]).toEqual([0.75]);
      // Set once, a value is the user's: it survives the next edit of the default.
      m.setParam('value', -1);
      await m.swap(await compile(await watSourceWithDefault(0.5), { name: 'probe-d0.5' }), { crossfadeMs: 0 });
      await cycles(m, 2);
      const again = await client.record([port(m.outputs[1])], { frames: 256 });
      expect([...new Set(again.channels[0])]).toEqual([-1]);
    } finally {
      await m.unload();
    }
  });

  it('clamps a carried value to the new range', async () => {
    const narrow = await compile(await watText((await watSource('probe')).replace('\\"min\\":-10,\\"max\\":10', '\\"min\\":-1,\\"max\\":2'), 'probe-narrow'), { name: 'probe-narrow' });
    const m = await client.load(mods.probe, { name: 'clamp', params: { value: 7 } });
    try {
      await m.swap(narrow, { crossfadeMs: 0 });
      expect(m.getParam('value')).toBe(2);
    } finally {
      await m.unload();
    }
  });
});

describe('ports', () => {
  it('keeps ports and connections, and adds or removes only the ports of changed channels', async () => {
    const st = await client.load(mods.stereo, { name: 'st' });
    const g = await client.load(mods.gain, { name: 'gx' });
    try {
      client.connect(port(st.outputs[0]), port(g.inputs[0]));
      const out1 = st.outputs[0];
      const before = names(client, 'st');
      expect(before).toEqual(['in_1', 'in_2', 'out_1', 'out_2'].map((s) => `${client.name}:st_${s}`));
      const down = await st.swap(mods.gain, { crossfadeMs: 2 });
      expect(down.ports).toEqual({ added: [], removed: [`${client.name}:st_in_2`, `${client.name}:st_out_2`] });
      expect(names(client, 'st')).toEqual([`${client.name}:st_in_1`, `${client.name}:st_out_1`]);
      expect(st.outputs).toHaveLength(1);
      expect(st.outputs[0]).toBe(out1);
      expect(client.getAllConnections(port(st.outputs[0])).map((p) => p.name)).toEqual([`${client.name}:gx_in_1`]);
      const midi = await st.swap(mods.traps, { crossfadeMs: 0 });
      expect(midi.ports.added).toEqual([`${client.name}:st_midi_in`]);
      expect(midi.ports.removed).toEqual([`${client.name}:st_in_1`]);
      expect(st.midiInput?.name).toBe(`${client.name}:st_midi_in`);
      const up = await st.swap(mods.stereo, { crossfadeMs: 2 });
      expect(up.ports).toEqual({
        added: [`${client.name}:st_in_1`, `${client.name}:st_in_2`, `${client.name}:st_out_2`],
        removed: [`${client.name}:st_midi_in`],
      });
      expect(names(client, 'st')).toEqual(before);
      expect(client.getAllConnections(port(st.outputs[0])).map((p) => p.name)).toEqual([`${client.name}:gx_in_1`]);
    } finally {
      await g.unload();
      await st.unload();
    }
    expect(names(client, 'st')).toEqual([]);
  });
});

describe('messages waiting across a swap', () => {
  it('hands timed MIDI and parameter changes not yet due to the new instance', async () => {
    const mp = await compile(await wat('midi-probe'), { name: 'midi-probe' });
    const m = await client.load(mp, { name: 'waiting' });
    const p = await client.load(mods.probe, { name: 'waitp' });
    try {
      const t = client.lastFrameTime + 40 * client.blockSize; // about 200 ms ahead
      for (let i = 0; i < 10; i++) m.sendMidi([0x90, 60 + i, 100], { frame: t + i });
      p.setParam('value', 6, { frame: t });
      await m.swap(mp, { crossfadeMs: 0 });
      await p.swap(mods.probe, { crossfadeMs: 0 });
      await until(() => client.lastFrameTime > t + 2 * client.blockSize, 10000, 'the messages are due');
      const rec = await client.record([port(m.outputs[1]), port(p.outputs[1])], { frames: 256 });
      expect(rec.channels[0]?.[0], 'MIDI messages the new instance received').toBe(10);
      expect(rec.channels[1]?.[0]).toBe(6);
      expect(m.overflow).toEqual({ midiIn: 0, earlyParams: 0 });
    } finally {
      await m.unload();
      await p.unload();
    }
  });
});

describe('parameters on their way during a swap', () => {
  it('continues a running ramp and keeps a change that is not due yet', async () => {
    let trial = 0;
    // An xrun skips frames: the step-by-step expectations hold only without one.
    await withoutXruns(async () => {
      const m = await client.load(mods.probe, { name: `rampswap${trial++}` });
      try {
        await cycles(m, 2);
        const t0 = frameAhead(client, 0.1);
        const recording = client.record([port(m.outputs[1]), port(m.outputs[2])], { frames: 48000, startAt: t0 });
        await until(() => client.lastFrameTime - t0 > 8 * client.blockSize, 10000, 'the recording to run');
        const due = client.lastFrameTime + 60 * client.blockSize; // ~320 ms ahead
        m.setParam('value', 8, { rampMs: 400 });
        m.setParam('free', 5, { frame: due });
        await new Promise((r) => setTimeout(r, 100));
        const report = await m.swap(mods.probe, { crossfadeMs: 0 });
        const rec = await recording;
        if (rec.discontinuities.length) return 'xrun';
        const [value, free] = rec.channels as [Float32Array, Float32Array];
        const at = rec.indexOf(report.frame as number);
        expect(at).toBeGreaterThan(0);
        // The ramp goes on through the swap: no step larger than one ramp step (8 / 19200 frames x 16).
        let jump = 0;
        for (let i = 1; i < value.length; i++) jump = Math.max(jump, Math.abs((value[i] as number) - (value[i - 1] as number)));
        expect(jump).toBeLessThan(0.01);
        expect(value[value.length - 1]).toBe(8);
        // The timed change lands on its frame, after the swap.
        const k = rec.indexOf(due);
        expect(k).toBeGreaterThan(at);
        expect(free[k - 1]).toBe(0);
        expect(free[k]).toBe(5);
      } finally {
        await m.unload();
      }
    });
  });
});

describe('a stalled server', () => {
  it('rejects a swap the audio thread never took with AUDIO_THREAD_STUCK; the module takes the new code once cycles run again', async () => {
    // (The file's server: libjack serves one server per process.)
    const s = server;
    const c = client;
    const m = await c.load(mods.probe, { name: 'stall', params: { value: 1 } });
    try {
      await cycles(m, 2);
      process.kill(s.pid, 'SIGSTOP');
      // A cycle the server started before it stopped may still run here (a
      // loaded machine): wait until no cycle runs any more.
      for (let n = -1; n !== m.cycles; ) {
        n = m.cycles;
        await new Promise((r) => setTimeout(r, 100));
      }
      let e;
      try {
        e = await rejection(m.swap(mods.probe, { keepParams: false, crossfadeMs: 0 }));
      } finally {
        process.kill(s.pid, 'SIGCONT');
      }
      expect(e.code).toBe('AUDIO_THREAD_STUCK');
      expect(e.message).toMatch(/did not run the new instance within 5000 ms/);
      await cycles(m, 4);
      const rec = await c.record([port(m.outputs[1])], { frames: 256 });
      expect(rec.channels[0]?.every((v) => v === 0.25)).toBe(true);
    } finally {
      await m.unload();
    }
  }, 30000);
});

describe('failed swaps', () => {
  it('leave the running module untouched and reject with the error', async () => {
    const m = await client.load(mods.probe, { name: 'keep', params: { value: 2 } });
    try {
      const garbage = await rejection(m.swap(Uint8Array.from([0, 97, 115, 109, 9, 9, 9, 9])));
      expect(garbage.code).toBe('MODULE_INVALID');
      const init = await rejection(m.swap(await compile(await wat('init-error-3'), { name: 'init-error-3' })));
      expect(init.code).toBe('MODULE_INIT_FAILED');
      expect(init.message).toContain('error code 3');
      const src = join(work.dir, 'broken.ts');
      await writeFile(src, 'export function jw_abi(): i32 {\n  return 1 +;\n}\n');
      const ts = await rejection(m.swap(src));
      expect(ts.code).toBe('COMPILE_FAILED');
      expect(ts.message).toMatch(/broken\.ts\(2,\d+\)|broken\.ts:2:\d+/);
      expect(m.compiled).toBe(mods.probe);
      expect(m.swaps).toBe(0);
      await cycles(m, 2);
      const rec = await client.record([port(m.outputs[1])], { frames: 512 });
      expect(rec.channels[0]?.every((v) => v === 2)).toBe(true);
      expect(names(client, 'keep')).toEqual(['out_1', 'out_2', 'out_3'].map((s) => `${client.name}:keep_${s}`));
    } finally {
      await m.unload();
    }
  });

  it('refuses an AssemblyScript source importing a FIFO at once, without blocking the compiler', async () => {
    const dir = join(work.dir, 'fifo');
    await mkdir(dir, { recursive: true });
    execFileSync('mkfifo', [join(dir, 'lib.ts')]);
    await writeFile(join(dir, 'mod.ts'), 'import { x } from "./lib";\nexport function jw_abi(): i32 { return x; }\n');
    const m = await client.load(mods.gain, { name: 'fifo' });
    try {
      const t0 = performance.now();
      const e = await rejection(m.swap(join(dir, 'mod.ts')));
      expect(e.code).toBe('COMPILE_FAILED');
      expect(e.message).toMatch(/refused to read .*lib\.ts is not a regular file/);
      expect(performance.now() - t0).toBeLessThan(20000);
    } finally {
      await m.unload();
    }
  });

  it('rejects bad options with INVALID_ARGUMENT, and swaps of an unloaded module with MODULE_UNLOADED', async () => {
    const m = await client.load(mods.gain, { name: 'opts' });
    for (const o of [{ crossfadeMs: -1 }, { crossfadeMs: Number.NaN }, { crossfadeMs: 20000 }, { keepState: 1 }, { crossfade: 10 }]) {
      const e = await rejection(m.swap(mods.gain, o as never), JSON.stringify(o));
      expect(e.code).toBe('INVALID_ARGUMENT');
    }
    await m.unload();
    expect((await rejection(m.swap(mods.gain))).code).toBe('MODULE_UNLOADED');
  });
});

describe('recovery and ordering', () => {
  it('brings a trapped module back', async () => {
    const m = await client.load(mods.traps, { name: 'tr' });
    try {
      const trapped = new Promise((r) => m.once('trap', r));
      m.setParam('mode', 1);
      await trapped;
      expect(m.trap?.kind).toBe('unreachable');
      await m.swap(mods.traps, { keepParams: false });
      expect(m.trap).toBeUndefined();
      await cycles(m, 2);
      const rec = await client.record([port(m.outputs[0])], { frames: 256 });
      expect(rec.channels[0]?.every((v) => v === 0.5)).toBe(true);
    } finally {
      await m.unload();
    }
  });

  it('runs concurrent swaps one after another, in call order', async () => {
    const m = await client.load(mods.probe, { name: 'ord' });
    try {
      const values = [1, 2, 3, 4, 5];
      const variants = await Promise.all(values.map(async (v) => compile(await watSourceWithDefault(v), { name: `probe-d${v}` })));
      const reports = await Promise.all(variants.map((c) => m.swap(c, { keepParams: false, crossfadeMs: 1 })));
      const frames = reports.map((r) => r.frame as number);
      expect([...frames].sort((a, b) => a - b)).toEqual(frames);
      expect(m.compiled).toBe(variants[4]);
      expect(m.getParam('value')).toBe(5);
    } finally {
      await m.unload();
    }
  });
});

describe('200 swaps in a row', () => {
  /** VmSize and VmRSS of this process, bytes. */
  async function vm(): Promise<{ size: number; rss: number }> {
    const text = await readFile('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]) * 1024;
    return { size: kb('VmSize'), rss: kb('VmRSS') };
  }

  /** Minor page faults of this process's SCHED_FIFO threads (the JACK process thread), by thread id. */
  async function realtimeFaults(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const t of await readdir('/proc/self/task')) {
      const sched = await readFile(`/proc/self/task/${t}/sched`, 'utf8').catch(() => '');
      if (/^policy\s+:\s+1$/m.test(sched)) {
        const stat = await readFile(`/proc/self/task/${t}/stat`, 'utf8');
        out.set(t, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]));
      }
    }
    return out;
  }

  it('keep the output sample-identical, the connections intact, the callback in time, and memory flat', async () => {
    const c = await Client.open(uniqueName('swap200'), { serverName: server.name });
    try {
      c.activate();
      const m = await c.load(mods.counter, { name: 'many' });
      const sink = await c.load(mods.gain, { name: 'sink' });
      c.connect(port(m.outputs[0]), port(sink.inputs[0]));
      const w0 = performance.now();
      for (let i = 0; i < 20; i++) await m.swap(mods.counter, { crossfadeMs: 2 }); // warm-up
      // A recording long enough for the 200 swaps (twice the time the warm-up predicts, and a second).
      const recFrames = Math.ceil((((performance.now() - w0) / 20) * 200 * 2 + 1000) * (c.sampleRate / 1000));
      const before = await vm();
      const faultsBefore = await realtimeFaults();
      const histBefore = c.processTime.histogram.slice();
      const recording = c.record([port(m.outputs[0])], { frames: recFrames });
      recording.catch(() => {}); // awaited below; a failure before that must not be unhandled
      await cycles(m, 8); // the recording has started (it waits two cycles for its connections)
      let xruns = 0;
      c.on('xrun', () => xruns++);
      const frames: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) frames.push((await m.swap(mods.counter, { crossfadeMs: 2 })).frame as number);
      const ms = performance.now() - t0;
      const after = await vm();
      const faultsAfter = await realtimeFaults();
      // The audio thread touched no new page: every swap's memory was prepared off it.
      expect(faultsAfter.size, 'the JACK process thread runs SCHED_FIFO').toBeGreaterThan(0);
      for (const [t, n] of faultsAfter) expect(n - (faultsBefore.get(t) ?? n), `page faults of realtime thread ${t}`).toBe(0);
      const hist = c.processTime.histogram.map((n, i) => n - (histBefore[i] ?? 0));
      expect(m.swaps).toBe(220);
      expect(c.getAllConnections(port(m.outputs[0])).map((p) => p.name)).toContain(`${c.name}:sink_in_1`);
      // No cycle of the callback took longer than 1.5 periods (2^23 ns = 8.4 ms > 256 frames at 48 kHz).
      const slow = hist.slice(24).reduce((a, b) => a + b, 0);
      expect(slow, `cycles over 8.4 ms (histogram ${JSON.stringify(hist)}; ${xruns} xrun events)`).toBe(0);
      // Each instance reserves 8 GiB of address space: one leaked instance would show.
      expect(after.size - before.size, 'address space growth').toBeLessThan(256 * 2 ** 20);
      expect(after.rss - before.rss, 'resident memory growth').toBeLessThan(48 * 2 ** 20);
      const rec = await recording;
      const out = rec.channels[0] as Float32Array;
      expect(frames.filter((f) => rec.indexOf(f) < 0), `swaps outside the recording ${rec.startFrame}+${out.length}: ${frames.slice(0, 8)}`).toEqual([]);
      expect(firstGap(out), 'the count goes on through every swap').toBe(-1);
      console.log(`200 swaps in ${ms.toFixed(0)} ms (${(ms / 200).toFixed(1)} ms each); xrun events ${xruns}; VmSize ${((after.size - before.size) / 2 ** 20).toFixed(1)} MiB, VmRSS ${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MiB`);
      expect(new Set(frames).size).toBe(200);
    } finally {
      await c.close();
    }
  }, 60000);
});

let probeText = '';
beforeAll(async () => {
  probeText = await watSource('probe');
});
/** probe.wat bytes whose "value" defaults to `v` (compiled by wat2wasm). */
function watSourceWithDefault(v: number): Promise<Uint8Array> {
  return watText(probeText.replace('\\"default\\":0.25', `\\"default\\":${v}`), `probe-d${v}`);
}
