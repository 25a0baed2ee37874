/**
 * Buffers (docs/abi.md, "Buffers"): audio from JS in a module's memory.
 * DspModule.loadBuffer writes the region the module is not reading and hands
 * it over at a cycle start (jw_buffer_ready); load({ buffers }) and
 * render({ buffers }) put it in place before the first block; swap and reset
 * carry it. Module: test/abi/buffers.wat (slot "a": 2 x 1000 frames, played
 * from its start at each hand-over on outputs 0-1, output 2 its frames and
 * output 3 its hand-overs; slot "b": 1 x 64, traps on 13 frames and hangs on
 * 14).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, compile, render, type CompiledModule, type DspModule, type OwnPort, type Server } from '../host/index.js';
import { sleep, startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { errorOf, rejection } from './helpers/errors.js';
import { useTempCache } from './helpers/temp.js';
import { wat, watSource, watText } from './helpers/wat.js';

let server: Server;
let client: Client;
let mod: CompiledModule;
useTempCache('buffers');

beforeAll(async () => {
  mod = await compile(await wat('buffers'), { name: 'buffers' });
  server = await startServer('buffers', { period: 256 });
  client = await Client.open(uniqueName('buffers'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** Distinct, nonzero samples: channel `ch` of load number `tag`. */
function audio(tag: number, frames: number, ch = 0): Float32Array {
  return Float32Array.from({ length: frames }, (_, i) => Math.fround((ch ? -1 : 1) * (tag * 10000 + i + 1) / 65536));
}

/** buffers.wat with its text edited. */
async function variant(name: string, ...edits: [string, string][]): Promise<CompiledModule> {
  let text = await watSource('buffers');
  for (const [a, b] of edits) {
    expect(text.includes(a), `buffers.wat contains ${a}`).toBe(true);
    text = text.replace(a, b);
  }
  return compile(await watText(text, name), { name });
}

const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The first index of `x` from `from` holding a nonzero sample (-1: none). */
function firstNonzero(x: Float32Array, from = 0): number {
  for (let i = from; i < x.length; i++) if (x[i] !== 0) return i;
  return -1;
}

describe('render({ buffers })', () => {
  it('plays the loaded audio from the first block, bit-exact, with silence after it', async () => {
    const [l, r] = await render(mod, { frames: 1500, blockSize: 128, buffers: { a: [audio(1, 1000), audio(1, 1000, 1)] } });
    expect(same(l!.subarray(0, 1000), audio(1, 1000))).toBe(true);
    expect(same(r!.subarray(0, 1000), audio(1, 1000, 1))).toBe(true);
    expect(l!.subarray(1000).every((x) => x === 0)).toBe(true);
  });

  it('tells the module how many channels came: a mono buffer plays on both outputs', async () => {
    const [l, r] = await render(mod, { frames: 300, buffers: { a: audio(2, 300) } });
    expect(same(l!, audio(2, 300))).toBe(true);
    expect(same(r!, audio(2, 300))).toBe(true);
  });

  it('takes decoded audio at the module rate, and refuses another rate unless resampled', async () => {
    const [l] = await render(mod, { frames: 100, sampleRate: 44100, buffers: { a: { sampleRate: 44100, channels: [audio(3, 100)] } } });
    expect(same(l!, audio(3, 100))).toBe(true);
    const e = await rejection(render(mod, { frames: 100, buffers: { a: { sampleRate: 44100, channels: [audio(3, 100)] } } }));
    expect(e.code).toBe('SAMPLE_RATE_MISMATCH');
    expect(e.message).toContain('the audio is at 44100 Hz and the module runs at 48000 Hz');
  });

  it('rejects unknown slots, too much audio and malformed data with the limit in the message', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ c: audio(1, 10) }, 'INVALID_ARGUMENT', /no buffer slot "c" \(it declares "a", "b"\)/],
      [{ a: audio(1, 1001) }, 'INVALID_ARGUMENT', /buffer slot "a" holds at most 1000 frames \(the module declares its capacity\), got 1001/],
      [{ b: [audio(1, 10), audio(1, 10)] }, 'INVALID_ARGUMENT', /buffer slot "b" takes at most 1 channel\(s\), got 2/],
      [{ a: [audio(1, 10), audio(1, 11)] }, 'INVALID_ARGUMENT', /the channels differ in length \(10, 11 frames\)/],
      [{ a: [new Float64Array(4)] }, 'INVALID_ARGUMENT', /every channel must be a Float32Array/],
      [{ a: 'x' }, 'INVALID_ARGUMENT', /expected a Float32Array, an array of them/],
      [{ a: [] }, 'INVALID_ARGUMENT', /expected 1-64 channels, got 0/],
      [[audio(1, 4)], 'INVALID_ARGUMENT', /buffers must be an object \{ name: audio \}/],
    ];
    for (const [buffers, code, message] of cases) {
      const e = await rejection(render(mod, { frames: 10, buffers: buffers as never }), JSON.stringify(Object.keys(buffers as object)));
      expect(e.code, e.message).toBe(code);
      expect(e.message).toMatch(message);
    }
  });

  it('reports a trap in jw_buffer_ready as DSP_TRAP at frame 0', async () => {
    const e = await rejection(render(mod, { frames: 256, buffers: { b: audio(1, 13) } }));
    expect(e.code).toBe('DSP_TRAP');
    expect(e.message).toMatch(/trapped in jw_buffer_ready at frame 0: unreachable/);
  });
});

describe('loadBuffer() while audio runs', () => {
  let m: DspModule;
  beforeAll(async () => {
    m = await client.load(mod, { name: 'buf' });
  });
  afterAll(async () => {
    await m?.unload();
  });

  it('lists the declared slots and what each holds', async () => {
    expect(m.buffers.map((b) => ({ ...b }))).toEqual([
      { name: 'a', channels: 2, capacity: 1000, frames: 0, loadedChannels: 0 },
      { name: 'b', channels: 1, capacity: 64, frames: 0, loadedChannels: 0 },
    ]);
    await m.loadBuffer('b', audio(9, 20));
    expect(m.buffers[1]).toMatchObject({ name: 'b', frames: 20, loadedChannels: 1 });
  });

  it('hands the audio over at a cycle start; the module plays it bit-exact', async () => {
    await withoutXruns(async () => {
      const period = client.blockSize;
      const rec = client.record([m.outputs[0] as OwnPort, m.outputs[1] as OwnPort], { frames: 48000 });
      await sleep(100); // the recording has begun
      const report = await m.loadBuffer('a', [audio(4, 1000), audio(4, 1000, 1)]);
      expect(report).toEqual({ name: 'a', channels: 2, frames: 1000, delivered: true });
      const r = await rec;
      if (r.discontinuities.length) return 'xrun';
      const [l, rr] = r.channels as [Float32Array, Float32Array];
      const at = l.findIndex((x) => x === audio(4, 1)[0]);
      expect(at, 'the audio arrived inside the recording').toBeGreaterThanOrEqual(0);
      expect(at % period, 'at a cycle start').toBe(0);
      expect(same(l.subarray(at, at + 1000), audio(4, 1000))).toBe(true);
      expect(same(rr.subarray(at, at + 1000), audio(4, 1000, 1))).toBe(true);
      expect(l.subarray(at + 1000).every((x) => x === 0)).toBe(true);
    });
  });

  it('never lets the module read a half-written buffer: 40 loads in a row each play whole or not at all', async () => {
    await withoutXruns(async () => {
      const frames = 1000;
      const rec = client.record([m.outputs[0] as OwnPort], { frames: 96000 });
      await sleep(100);
      for (let k = 1; k <= 40; k++) await m.loadBuffer('a', audio(100 + k, frames));
      const r = await rec;
      if (r.discontinuities.length) return 'xrun';
      const x = r.channels[0] as Float32Array;
      // Every nonzero run is a prefix of one load's audio, and the loads come in order.
      let last = 0;
      let runs = 0;
      for (let i = firstNonzero(x); i >= 0 && i < x.length; i = firstNonzero(x, i)) {
        const tag = Math.round((x[i] as number) * 65536 - 1) / 10000;
        expect(Number.isInteger(tag) && tag > last, `load ${tag} after ${last} at ${i}`).toBe(true);
        const want = audio(tag, frames);
        let n = 0;
        while (i + n < x.length && n < frames && x[i + n] === want[n]) n++;
        expect(n === frames || i + n === x.length || audio(tag + 1, 1)[0] === x[i + n] || x[i + n] === 0 || Math.round((x[i + n] as number) * 65536 - 1) % 10000 === 0,
          `load ${tag} played ${n} frames whole, then the next load's start`).toBe(true);
        last = tag;
        runs++;
        i += n;
      }
      // Each hand-over waits for the one before it to be taken, so each plays for at least a cycle.
      expect(runs).toBe(40);
      expect(last).toBe(140);
    });
  });

  it('refuses what does not fit, naming the slot and its limit', async () => {
    let e = await rejection(m.loadBuffer('a', audio(1, 1001)));
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'loadBuffer(buf): buffer slot "a" holds at most 1000 frames (the module declares its capacity), got 1001']);
    e = await rejection(m.loadBuffer('nope', audio(1, 1)));
    expect(e.message).toBe('loadBuffer(buf): the module has no buffer slot "nope" (it declares "a", "b")');
    e = await rejection(m.loadBuffer('a', { sampleRate: 44100, channels: [audio(1, 10)] }));
    expect(e.code).toBe('SAMPLE_RATE_MISMATCH');
    e = await rejection(m.loadBuffer('a', audio(1, 10), { timeoutMs: 0 }));
    expect(e.message).toBe('loadBuffer(buf): timeoutMs must be a number of milliseconds > 0, got 0');
    e = await rejection(m.loadBuffer('a', audio(1, 10), { resmaple: true } as never));
    expect(e.code).toBe('INVALID_ARGUMENT');
  });

  it('takes the audio when called: changing the arrays afterwards changes nothing', async () => {
    const x = audio(20, 1000);
    const rec = client.record([m.outputs[0] as OwnPort], { frames: 24000 });
    await sleep(100);
    const p = m.loadBuffer('a', x);
    x.set(audio(21, 1000));
    await p;
    const r = (await rec).channels[0] as Float32Array;
    const at = r.findIndex((v) => v !== 0);
    expect(same(r.subarray(at, at + 1000), audio(20, 1000))).toBe(true);
  });

  it('refuses arrays that cannot be read, without crashing, whatever getters do', async () => {
    const detached = new Float32Array(10);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    const sparse = [, audio(1, 10)] as unknown as Float32Array[];
    const tricky: Float32Array[] = [audio(1, 10)];
    Object.defineProperty(tricky, 1, { enumerable: true, get: () => { tricky[0] = new Float32Array(0); return audio(2, 10); } });
    const lying = audio(1, 10);
    Object.defineProperty(lying, 'length', { value: 1e9 });
    for (const [what, data] of [['sparse', sparse], ['a proxy', new Proxy([audio(1, 10), 'x'], {})]] as const) {
      const e = await rejection(m.loadBuffer('a', data as never), what);
      expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', 'loadBuffer(buf): every channel must be a Float32Array']);
    }
    const e = await rejection(m.loadBuffer('a', [audio(1, 10), detached]));
    expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', expect.stringMatching(/^loadBuffer\(buf\): a channel cannot be read \(.*detached.*\)$/)]);
    // A getter runs once, before anything is copied: the audio is what it returned then.
    expect(await m.loadBuffer('a', tricky)).toMatchObject({ channels: 2, frames: 10 });
    expect(await m.loadBuffer('a', lying)).toMatchObject({ channels: 1, frames: 10 });
  });

  it('resamples on request', async () => {
    const sine = Float32Array.from({ length: 441 }, (_, i) => Math.sin((2 * Math.PI * 100 * i) / 44100));
    const r = await m.loadBuffer('a', { sampleRate: 44100, channels: [sine] }, { resample: true });
    expect(Math.abs(r.frames - 480)).toBeLessThanOrEqual(1);
  });
});

describe('traps and hangs in jw_buffer_ready', () => {
  it('rejects with DSP_TRAP, silences the module, and reset() brings it back with its buffers', async () => {
    const m = await client.load(mod, { name: 'buftrap' });
    try {
      await m.loadBuffer('a', audio(5, 1000));
      await m.loadBuffer('b', audio(1, 20));
      const e = await rejection(m.loadBuffer('b', audio(1, 13)));
      expect(e.code).toBe('DSP_TRAP');
      expect(e.message).toBe('loadBuffer(buftrap): module "buftrap" trapped in jw_buffer_ready when given buffer "b" (unreachable); it is silent until reset(), and the slot keeps the buffer loaded before');
      expect(m.buffers[1]).toMatchObject({ frames: 20 });
      await until(() => m.trap, 5000, 'the trap event');
      expect(m.trap).toMatchObject({ kind: 'unreachable', where: 'jw_buffer_ready' });
      // Loads while trapped are kept for the reset.
      expect((await m.loadBuffer('a', audio(6, 1000))).delivered).toBe(true);
      const rec = client.record([m.outputs[0] as OwnPort], { frames: 24000 });
      await sleep(100);
      await m.reset();
      const x = (await rec).channels[0] as Float32Array;
      const at = x.findIndex((v) => v !== 0);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(same(x.subarray(at, Math.min(x.length, at + 1000)), audio(6, 1000).subarray(0, Math.min(1000, x.length - at)))).toBe(true);
      expect(m.trap).toBeUndefined();
      // The next load of the slot that trapped goes through (the acknowledgement count went on).
      expect((await m.loadBuffer('b', audio(2, 30))).delivered).toBe(true);
    } finally {
      await m.unload();
    }
  });

  it('interrupts a jw_buffer_ready that never returns (timeout trap); Node stays responsive', async () => {
    const m = await client.load(mod, { name: 'bufhang' });
    try {
      // The event loop runs while the load waits for the audio thread.
      let ticked = false;
      setTimeout(() => (ticked = true), 1);
      const e = await rejection(m.loadBuffer('b', audio(1, 14)));
      expect(e.code).toBe('DSP_TRAP');
      expect(ticked).toBe(true);
      await until(() => m.trap, 5000, 'the trap event');
      expect(m.trap?.kind).toBe('timeout');
    } finally {
      await m.unload();
    }
  });
});

describe('swap and reset carry the buffers', () => {
  it('gives the successor the audio before its first block, where it fits, and says what it dropped', async () => {
    const m = await client.load(mod, { name: 'bufswap' });
    try {
      await m.loadBuffer('a', [audio(7, 1000), audio(7, 1000, 1)]);
      await m.loadBuffer('b', audio(8, 64));
      const rec = client.record([m.outputs[0] as OwnPort, m.outputs[1] as OwnPort], { frames: 24000 });
      await sleep(100);
      const report = await m.swap(mod, { crossfadeMs: 0 });
      expect(report.buffers).toEqual({ carried: ['a', 'b'], dropped: [] });
      const r = await rec;
      const [l, rr] = r.channels as [Float32Array, Float32Array];
      const at = r.indexOf(report.frame as number);
      expect(at).toBeGreaterThanOrEqual(0);
      // The new instance was told at its first cycle: it plays from the start.
      expect(same(l.subarray(at, at + 1000), audio(7, 1000))).toBe(true);
      expect(same(rr.subarray(at, at + 1000), audio(7, 1000, 1))).toBe(true);

      const small = await variant('buffers-small', ['\\e8\\03\\00\\00\\00\\40', '\\64\\00\\00\\00\\00\\40'], ['(i32.const 4000)', '(i32.const 400)']);
      const r2 = await m.swap(small);
      expect(r2.buffers).toEqual({ carried: ['b'], dropped: ['a (holds 2 x 100 frames; 2 x 1000 were loaded)'] });
      expect(m.buffers[0]).toMatchObject({ name: 'a', capacity: 100, frames: 0 });
      const renamed = await variant('buffers-renamed', ['(data (i32.const 20) "b")', '(data (i32.const 20) "c")']);
      const r3 = await m.swap(renamed);
      expect(r3.buffers).toEqual({ carried: [], dropped: ['b (not declared)'] });
    } finally {
      await m.unload();
    }
  });

  it('does not keep a buffer the new code traps on at its first cycle, so reset() brings it back', async () => {
    const m = await client.load(mod, { name: 'bufswaptrap' });
    try {
      await m.loadBuffer('b', audio(1, 20));
      const picky = await variant('buffers-picky', ['(i32.eq (local.get $frames) (i32.const 13))', '(i32.eq (local.get $frames) (i32.const 20))']);
      const r = await m.swap(picky, { crossfadeMs: 0 });
      expect(r.buffers).toEqual({ carried: [], dropped: ['b (the new code trapped in jw_buffer_ready)'] });
      await until(() => m.trap, 5000, 'the trap event');
      expect(m.trap?.where).toBe('jw_buffer_ready');
      expect(m.buffers[1]).toMatchObject({ frames: 0 });
      await m.reset();
      await until(() => m.cycles > 2, 5000);
      expect(m.trap).toBeUndefined();
    } finally {
      await m.unload();
    }
  });
});

describe('inactive clients and load({ buffers })', () => {
  it('puts buffers in place for the first cycle; loads before activation overwrite the one not yet taken', async () => {
    const c = await Client.open(uniqueName('bufidle'), { serverName: server.name });
    try {
      const m = await c.load(mod, { name: 'idle', buffers: { a: audio(10, 1000) } });
      expect(m.buffers[0]).toMatchObject({ frames: 1000, loadedChannels: 1 });
      // Many loads while idle queue nothing more: each replaces the one waiting.
      for (let i = 0; i < 300; i++) await m.loadBuffer('a', audio(30, 100));
      for (let i = 0; i < 300; i++) await m.loadBuffer('b', audio(30, 10));
      expect(await m.loadBuffer('a', audio(11, 500))).toEqual({ name: 'a', channels: 1, frames: 500, delivered: false });
      expect((await m.loadBuffer('a', audio(12, 700))).delivered).toBe(false);
      c.activate();
      const r = await c.record([m.outputs[0] as OwnPort, m.outputs[2] as OwnPort, m.outputs[3] as OwnPort], { frames: 4 * c.blockSize });
      // The first cycle told the module about all three in order (the last two
      // in the region not yet taken); it plays the last.
      const [x, frames, count] = r.channels as [Float32Array, Float32Array, Float32Array];
      expect(frames[0]).toBe(700);
      expect(count[0]).toBe(1); // load()'s hand-over, which every later load replaced
      const at = x.findIndex((v) => v !== 0);
      if (at >= 0) {
        const j = Math.round((x[at] as number) * 65536 - 1) - 120000;
        expect(j, 'tag 12, mid-way (the recording began after the first cycle)').toBeGreaterThanOrEqual(0);
        expect(same(x.subarray(at, at + 700 - j), audio(12, 700).subarray(j))).toBe(true);
        expect(x[at + 700 - j]).toBe(0);
      }
      expect((await m.loadBuffer('a', audio(13, 10))).delivered).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('resolves a load waiting for the audio thread as not delivered when the client is deactivated', async () => {
    const c = await Client.open(uniqueName('bufdeact'), { serverName: server.name });
    try {
      const m = await c.load(mod, { name: 'deact' });
      c.activate();
      await until(() => m.cycles > 0, 5000);
      const t0 = Date.now();
      const p = m.loadBuffer('a', audio(1, 100), { timeoutMs: 3000 });
      setTimeout(() => c.deactivate(), 1); // while the load waits for the cycle that takes it
      const r = await p;
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(typeof r.delivered).toBe('boolean');
    } finally {
      await c.close();
    }
  });

  it('throws MODULE_UNLOADED after unload and CLIENT_CLOSED after close', async () => {
    const c = await Client.open(uniqueName('bufclose'), { serverName: server.name });
    const m = await c.load(mod, { name: 'gone' });
    const m2 = await c.load(mod, { name: 'gone2' });
    await m.unload();
    expect((await rejection(m.loadBuffer('a', audio(1, 1)))).code).toBe('MODULE_UNLOADED');
    expect(m.buffers).toEqual([]);
    await c.close();
    expect((await rejection(m2.loadBuffer('a', audio(1, 1)))).code).toMatch(/MODULE_UNLOADED|CLIENT_CLOSED/);
  });

  it('rejects load({ buffers }) that does not fit before anything is registered', async () => {
    const e = await rejection(client.load(mod, { name: 'badload', buffers: { a: audio(1, 5000) } }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/load\(badload\): buffers: buffer slot "a" holds at most 1000 frames/);
    expect(client.getPorts({ namePattern: `^${client.name}:badload_` })).toEqual([]);
    expect(errorOf(() => { throw e; }).code).toBe('INVALID_ARGUMENT');
  });
});

describe('declared slots are checked at load', () => {
  const table = '(data (i32.const 32) "\\10\\00\\00\\00\\01\\00\\00\\00\\02\\00\\00\\00\\e8\\03\\00\\00\\00\\40\\00\\00\\00\\60\\00\\00")';
  const cases: [string, [string, string][], string, RegExp][] = [
    ['65 slots', [['(i32.const 2))\n  (func (export "jw_buffer_table")', '(i32.const 65))\n  (func (export "jw_buffer_table")']], 'MODULE_BAD_LAYOUT', /jw_buffer_count\(\) returned 65 \(must be 0\.\.64\)/],
    ['a table outside memory', [['(func (export "jw_buffer_table") (result i32) (i32.const 32))', '(func (export "jw_buffer_table") (result i32) (i32.const 131060))']], 'MODULE_BAD_LAYOUT', /the table at 131060 \(2 x 24 bytes\) is outside memory/],
    ['overlapping regions', [[table, table.replace('\\00\\60\\00\\00")', '\\00\\44\\00\\00")')]], 'MODULE_BAD_LAYOUT', /slot 0 \("a"\): its two regions overlap/],
    ['a region outside memory', [[table, table.replace('\\00\\60\\00\\00")', '\\00\\00\\02\\00")')]], 'MODULE_BAD_LAYOUT', /slot 0 \("a"\): a region of 8000 bytes at 131072 is outside memory/],
    ['a misaligned region', [[table, table.replace('\\00\\60\\00\\00")', '\\02\\60\\00\\00")')]], 'MODULE_BAD_LAYOUT', /a region of 8000 bytes at 24578 is misaligned/],
    ['0 channels', [[table, table.replace('\\02\\00\\00\\00\\e8', '\\00\\00\\00\\00\\e8')]], 'MODULE_BAD_LAYOUT', /slot 0 \("a"\): 0 channels \(must be 1\.\.64\)/],
    ['a capacity of 0', [[table, table.replace('\\e8\\03', '\\00\\00')]], 'MODULE_BAD_LAYOUT', /slot 0 \("a"\): a capacity of 0 frames/],
    ['two slots with one name', [['(data (i32.const 20) "b")', '(data (i32.const 20) "a")']], 'MODULE_BAD_LAYOUT', /two records are named "a"/],
    ['a key outside memory', [[table, table.replace('\\10\\00\\00\\00\\01', '\\00\\00\\02\\00\\01')]], 'MODULE_BAD_LAYOUT', /slot 0: its key must be 1-256 bytes inside memory/],
    ['a control character in a key', [['(data (i32.const 16) "a")', '(data (i32.const 16) "\\07")']], 'MODULE_BAD_LAYOUT', /slot 0: its key has a control character/],
    ['a key that is not UTF-8', [['(data (i32.const 16) "a")', '(data (i32.const 16) "\\ff")']], 'MODULE_BAD_LAYOUT', /slot 0: its key is not valid UTF-8/],
    ['a region shared by two slots', [['\\00\\80\\00\\00\\00\\81', '\\00\\60\\00\\00\\00\\81']], 'MODULE_BAD_LAYOUT', /slot 1 \("b"\): a region overlaps one of slot "a"/],
    ['jw_buffer_ready missing', [['(func (export "jw_buffer_ready")', '(func $ready']], 'MODULE_BAD_EXPORT', /jw_buffer_count, jw_buffer_table, jw_buffer_ready must be exported together \(jw_buffer_ready missing\)/],
  ];
  for (const [what, edits, code, message] of cases) {
    it(`refuses ${what}`, async () => {
      const e = await rejection((async () => render(await variant(`buffers-${what.replace(/\W+/g, '-')}`, ...edits), { frames: 1 }))());
      expect(e.code, e.message).toBe(code);
      expect(e.message).toMatch(message);
    });
  }
});
