/**
 * The DSP engine (docs/abi.md, docs/api.md): ports that load() registers or
 * uses, parameters (lookup, clamping, timing), realtime output equal bit for
 * bit to offline render(), module order within a client, unload and close,
 * the compile cache, and jw_host.log.
 *
 * Modules: test/abi/gain.wat (1 in/1 out, "gain" 0..4), noise.wat (LCG
 * noise, no jw_describe), shaper.wat (stateless effect), probe.wat (frame
 * counter + two parameters), stereo.wat (2-channel copy), traps.wat (has
 * jw_midi), midisrc.wat (MIDI output), log.wat.
 */
import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  OwnPort,
  Server,
  compile,
  render,
  type CompiledModule,
  type DspModule,
  type LoadOptions,
  type ModuleSource,
} from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { useTempCache, useTempDir } from './helpers/temp.js';
import { errorOf, rejection } from './helpers/errors.js';
import { wat } from './helpers/wat.js';

const AUDIO = '32 bit float mono audio';
const MIDI = '8 bit raw midi';

let server: Server;
let client: Client;
const cache = useTempCache('engine');
const work = useTempDir('engine-files');
const MODULES = ['gain', 'noise', 'shaper', 'probe', 'stereo', 'traps', 'midisrc', 'log'] as const;
const mods = {} as Record<(typeof MODULES)[number], CompiledModule>;

beforeAll(async () => {
  for (const name of MODULES) {
    mods[name] = await compile(await wat(name), { name });
  }
  server = await startServer('engine');
  client = await Client.open(uniqueName('engine'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** Loads a module into `client` for the duration of `body`, then unloads it. */
async function withModule<T>(source: ModuleSource, options: LoadOptions, body: (m: DspModule) => Promise<T>): Promise<T> {
  const m = await client.load(source, options);
  try {
    return await body(m);
  } finally {
    await m.unload();
  }
}

/** `p`, asserted to exist. */
function port(p: OwnPort | undefined): OwnPort {
  expect(p).toBeDefined();
  return p as OwnPort;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Full names of this client's ports, as the server sees them. */
function serverPorts(c: Client = client): string[] {
  return c
    .getPorts({ namePattern: `^${escapeRe(c.name)}:` })
    .map((p) => p.name)
    .sort();
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

/** True when `a` and `b` hold the same bits. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Offsets k where `whole[k..k+part.length)` equals `part` bit for bit. */
function offsetsOf(whole: Float32Array, part: Float32Array): number[] {
  const w = new Uint32Array(whole.buffer, whole.byteOffset, whole.length);
  const p = new Uint32Array(part.buffer, part.byteOffset, part.length);
  const found: number[] = [];
  for (let k = 0; k + p.length <= w.length; k++) {
    if (w[k] !== p[0]) continue;
    let i = 1;
    while (i < p.length && w[k + i] === p[i]) i++;
    if (i === p.length) found.push(k);
  }
  return found;
}

/** Waits until `m` has run `n` more cycles. */
async function cycles(m: DspModule, n: number): Promise<void> {
  const target = m.cycles + n;
  await until(() => m.cycles >= target, 10000, `${n} cycles of ${m.name}`);
}

/** `bytes` with a custom section appended: the same module, a different cache key. */
function variant(bytes: Uint8Array, tag: string): Uint8Array {
  const name = Buffer.from(tag);
  const payload = [name.length, ...name];
  return Uint8Array.from([...bytes, 0, payload.length, ...payload]);
}

describe('ports', () => {
  it('registers <name>_in_N and <name>_out_N, one audio port per channel', async () => {
    const before = serverPorts();
    await withModule(mods.gain, { name: 'amp' }, async (amp) => {
      await withModule(mods.probe, { name: 'pr' }, async (pr) => {
        expect(amp.name).toBe('amp');
        expect(amp.inputs.map((p) => p.name)).toEqual([`${client.name}:amp_in_1`]);
        expect(amp.outputs.map((p) => p.name)).toEqual([`${client.name}:amp_out_1`]);
        expect(pr.inputs).toEqual([]);
        expect(pr.outputs.map((p) => p.shortName)).toEqual(['pr_out_1', 'pr_out_2', 'pr_out_3']);
        for (const p of [...amp.inputs, ...amp.outputs, ...pr.outputs]) expect(p.type).toBe(AUDIO);
        expect(amp.inputs.every((p) => p.isInput)).toBe(true);
        expect([...amp.outputs, ...pr.outputs].every((p) => p.isOutput)).toBe(true);
        // Registered with the server, and in the client's own lists.
        expect(serverPorts()).toEqual(
          [...before, ...['amp_in_1', 'amp_out_1', 'pr_out_1', 'pr_out_2', 'pr_out_3'].map((s) => `${client.name}:${s}`)].sort(),
        );
        expect(client.inports.get('amp_in_1')).toBe(amp.inputs[0]);
        expect(client.outports.get('pr_out_3')).toBe(pr.outputs[2]);
        // No MIDI ports without jw_midi / midiOutputs.
        expect(amp.midiInput).toBeUndefined();
        expect(amp.midiOutput).toBeUndefined();
        expect(client.modules).toEqual([amp, pr]);
      });
    });
    expect(serverPorts()).toEqual(before);
  });

  it('registers <name>_midi_in when the module exports jw_midi, and <name>_midi_out when it declares midiOutputs', async () => {
    await withModule(mods.traps, { name: 'tm' }, async (tm) => {
      const midiIn = port(tm.midiInput);
      expect(midiIn.shortName).toBe('tm_midi_in');
      expect(midiIn.type).toBe(MIDI);
      expect(midiIn.isInput).toBe(true);
      expect(tm.midiOutput).toBeUndefined();
      expect(serverPorts()).toContain(`${client.name}:tm_midi_in`);
    });
    await withModule(mods.midisrc, { name: 'ms' }, async (ms) => {
      const midiOut = port(ms.midiOutput);
      expect(midiOut.shortName).toBe('ms_midi_out');
      expect(midiOut.type).toBe(MIDI);
      expect(midiOut.isOutput).toBe(true);
      expect(ms.midiInput).toBeUndefined();
      expect(ms.inputs).toEqual([]);
      expect(ms.outputs).toEqual([]);
    });
  });

  it('names a module after jw_describe, else its file name, else "module"', async () => {
    await withModule(await wat('gain'), {}, async (m) => {
      expect(m.name).toBe('gain');
      expect(m.outputs.map((p) => p.shortName)).toEqual(['gain_out_1']);
    });
    const path = join(work.dir, 'hum.wasm');
    await writeFile(path, await wat('noise'));
    await withModule(path, {}, async (m) => {
      expect(m.name).toBe('hum');
      expect(m.outputs.map((p) => p.shortName)).toEqual(['hum_out_1']);
    });
    await withModule(await wat('noise'), {}, async (m) => {
      expect(m.name).toBe('module');
      expect(m.outputs.map((p) => p.shortName)).toEqual(['module_out_1']);
    });
  });

  it('uses the given ports (objects or names), registers none, and leaves them registered after unload', async () => {
    await withModule(mods.probe, { name: 'feed' }, async (feed) => {
      const givenIn = client.inports.register('given_in');
      const givenOut = client.outports.register('given_out');
      try {
        const before = serverPorts();
        await withModule(mods.gain, { name: 'viagiven', inputs: [givenIn], outputs: ['given_out'], params: { gain: 2 } }, async (m) => {
          expect(m.inputs[0]).toBe(givenIn);
          expect(m.outputs[0]).toBe(givenOut);
          expect(serverPorts()).toEqual(before);
          // The probe's constant 0.25, through the given ports, times 2.
          client.connect(port(feed.outputs[1]), givenIn);
          await cycles(m, 3);
          const rec = await client.record([givenOut], { frames: 2048 });
          expect(firstNot(rec.channels[0] as Float32Array, 0.5)).toBe(-1);
        });
        expect(serverPorts()).toEqual(before);
        expect(client.inports.get('given_in')).toBe(givenIn);
        expect(client.outports.get('given_out')).toBe(givenOut);
      } finally {
        givenIn.unregister();
        givenOut.unregister();
      }
    });
  });

  it('rejects a wrong number of given ports, or a port that is not its own of the right direction, with INVALID_ARGUMENT', async () => {
    const other = client.inports.register('not_an_output');
    try {
      const before = serverPorts();
      const e1 = await rejection(client.load(mods.gain, { name: 'cnt1', inputs: [] }));
      expect(e1.code).toBe('INVALID_ARGUMENT');
      expect(e1.message).toContain('module "cnt1" has 1 input(s) but 0 port(s) were given');
      const e2 = await rejection(client.load(mods.gain, { name: 'cnt2', outputs: ['a', 'b'] }));
      expect(e2.code).toBe('INVALID_ARGUMENT');
      expect(e2.message).toContain('module "cnt2" has 1 output(s) but 2 port(s) were given');
      const e3 = await rejection(client.load(mods.gain, { name: 'cnt3', outputs: [other] }));
      expect(e3.code).toBe('INVALID_ARGUMENT');
      expect(e3.message).toContain(`"${other.name}" is not an audio output port of client "${client.name}"`);
      expect(serverPorts()).toEqual(before);
    } finally {
      other.unregister();
    }
  });

  it('refuses to unregister a port a module runs on (its own or one given to load) until it is unloaded', async () => {
    const given = client.outports.register('given_out');
    const m = await client.load(mods.gain, { name: 'busy', outputs: [given] });
    const msg = (name: string) => `OwnPort.unregister: "${name}" is in use by a DSP module, a playback, a stream, a meter or process(); unload or end that first`;
    expect(errorOf(() => (m.inputs[0] as OwnPort).unregister()).message).toBe(msg(`${client.name}:busy_in_1`));
    expect(errorOf(() => given.unregister()).message).toBe(msg(given.name));
    // Still registered and still running.
    expect(client.getPortByName(given.name).name).toBe(given.name);
    const c = m.cycles;
    await until(() => m.cycles > c, 5000, 'cycles');
    await m.unload();
    given.unregister();
    expect(errorOf(() => given.shortName).code).toBe('PORT_INVALID');
  });

  it('hands a port it registered to another module that runs on it when it unloads or swaps the channel away', async () => {
    const a = await client.load(mods.stereo, { name: 'owner' });
    const b = await client.load(mods.gain, { name: 'sharer', inputs: [a.inputs[1] as OwnPort] });
    try {
      const shared = a.inputs[1] as OwnPort;
      // a's swap to one channel drops its second input: b still runs on it, so it stays.
      const r = await a.swap(mods.gain, { crossfadeMs: 0 });
      expect(r.ports.removed).toEqual([shared.name, `${client.name}:owner_out_2`]);
      await new Promise((res) => setTimeout(res, 50));
      expect(client.getPortByName(shared.name).name).toBe(shared.name);
      await a.unload();
      expect(client.getPortByName(shared.name).name).toBe(shared.name);
      // b now owns it: it goes with b.
      await b.unload();
      await until(() => client.getPorts({ namePattern: `^${client.name}:owner_in_2$` }).length === 0, 5000, 'the port to go');
    } finally {
      await a.unload();
      await b.unload();
    }
  });

  it('refuses process() on an output port a module writes', async () => {
    const m = await client.load(mods.gain, { name: 'writer' });
    try {
      const e = await rejection(client.process([new Float32Array(client.blockSize)], [], { outputPorts: [m.outputs[0] as OwnPort] }));
      expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', `Client.process: "${client.name}:writer_out_1" is already written by a DSP module or another output; give a port of its own`]);
    } finally {
      await client.endProcess();
      await m.unload();
    }
  });

  it('unregisters a MIDI port that JS listens on: its stream closes first, and the audio thread lets go before the port goes', async () => {
    for (let i = 0; i < 20; i++) {
      const p = client.midiInports.register(`listened_${i}`);
      p.on('midi', () => {});
      p.unregister();
      expect(errorOf(() => p.shortName).code).toBe('PORT_INVALID');
    }
  });
});

describe('parameters', () => {
  it('lists the parameters jw_describe declares, with defaults', async () => {
    await withModule(mods.probe, { name: 'plist' }, async (m) => {
      expect(m.params).toEqual([
        { index: 0, id: 'value', name: 'Level', min: -10, max: 10, default: 0.25, unit: 'dB', value: 0.25 },
        { index: 1, id: 'free', name: 'free', min: undefined, max: undefined, default: 0, unit: '', value: 0 },
      ]);
      expect(m.getParam('value')).toBe(0.25);
      expect(m.getParam('free')).toBe(0);
    });
  });

  it('sets and gets a parameter by id, name and index, and the module sees the value', async () => {
    await withModule(mods.probe, { name: 'pset' }, async (m) => {
      m.setParam('value', 1.5);
      expect([m.getParam('value'), m.getParam('Level'), m.getParam(0)]).toEqual([1.5, 1.5, 1.5]);
      m.setParam('Level', -2.5);
      expect(m.getParam('value')).toBe(-2.5);
      m.setParam(0, 3);
      expect(m.getParam('Level')).toBe(3);
      m.setParam(1, 0.1);
      expect(m.getParam('free')).toBe(Math.fround(0.1));
      await cycles(m, 2);
      const rec = await client.record([port(m.outputs[1]), port(m.outputs[2])], { frames: 1024 });
      expect(firstNot(rec.channels[0] as Float32Array, 3)).toBe(-1);
      expect(firstNot(rec.channels[1] as Float32Array, Math.fround(0.1))).toBe(-1);
    });
  });

  it('clamps to the min/max jw_describe gives (and only then); the module sees the clamped value', async () => {
    await withModule(mods.probe, { name: 'pclamp', params: { value: -99 } }, async (m) => {
      expect(m.getParam('value')).toBe(-10);
      const low = await client.record([port(m.outputs[1])], { frames: 512 });
      expect(firstNot(low.channels[0] as Float32Array, -10)).toBe(-1);
      m.setParam('value', 100);
      expect(m.getParam('value')).toBe(10);
      m.setParam('free', 1e6); // no range: not clamped
      expect(m.getParam('free')).toBe(1e6);
      await cycles(m, 2);
      const rec = await client.record([port(m.outputs[1]), port(m.outputs[2])], { frames: 512 });
      expect(firstNot(rec.channels[0] as Float32Array, 10)).toBe(-1);
      expect(firstNot(rec.channels[1] as Float32Array, 1e6)).toBe(-1);
    });
    // render() clamps the same way.
    const [, value] = await render(mods.probe, { frames: 64, blockSize: 64, params: { value: 50 } });
    expect(firstNot(value as Float32Array, 10)).toBe(-1);
  });

  it('rejects an unknown parameter with INVALID_ARGUMENT listing the known ids, and a non-finite value', async () => {
    await withModule(mods.probe, { name: 'punk' }, async (m) => {
      for (const key of ['nope', 2] as const) {
        const e = errorOf(() => m.setParam(key, 1), `setParam(${key})`);
        expect(e.code).toBe('INVALID_ARGUMENT');
        expect(e.message).toContain(`no parameter ${JSON.stringify(key)}`);
        expect(e.message).toContain('(parameters: value, free)');
        const g = errorOf(() => m.getParam(key), `getParam(${key})`);
        expect(g.code).toBe('INVALID_ARGUMENT');
        expect(g.message).toContain('(parameters: value, free)');
      }
      const nan = errorOf(() => m.setParam('value', Number.NaN));
      expect(nan.code).toBe('INVALID_ARGUMENT');
      expect(nan.message).toContain('"value"');
      expect(m.getParam('value')).toBe(0.25);
    });
    const e = await rejection(client.load(mods.probe, { name: 'punk2', params: { bogus: 1 } }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('"bogus"');
    expect(e.message).toContain('value, free');
  });

  it('applies setParam at a block boundary, a multiple of maxFrames from the module start', async () => {
    await withModule(mods.probe, { name: 'pstep', maxFrames: 64 }, async (m) => {
      const recording = client.record([port(m.outputs[0]), port(m.outputs[1])], { frames: 48000 });
      // Well inside the 1 s recording (which starts within a few cycles).
      await cycles(m, 40);
      m.setParam('value', 2);
      const rec = await recording;
      const [pos, value] = rec.channels as [Float32Array, Float32Array];
      expect(firstGap(pos)).toBe(-1);
      const at = firstNot(value, 0.25);
      expect(at, 'the switch is inside the recording').toBeGreaterThan(0);
      expect(firstNot(value.subarray(at), 2)).toBe(-1);
      const frame = pos[at] as number;
      expect(frame % 64, `switch at module frame ${frame}`).toBe(0);
    });
  });
});

describe('parameter values reach the module', () => {
  // Each variant is a separate shared object, so the process keeps loading
  // new modules (as a long-running host does).
  const variants: CompiledModule[] = [];
  beforeAll(async () => {
    const base = await wat('probe');
    for (let i = 0; i < 16; i++) variants.push(await compile(variant(base, `params-${i}`), { name: `probe${i}` }));
  }, 180_000); // 16 compiles, on a loaded machine

  it('render() applies every initial parameter exactly, for each of 16 freshly loaded modules', async () => {
    const wrong: string[] = [];
    for (const [i, c] of variants.entries()) {
      const [, value, free] = (await render(c, { frames: 64, blockSize: 64, params: { value: 3, free: 5 } })) as Float32Array[];
      if (firstNot(value as Float32Array, 3) !== -1 || firstNot(free as Float32Array, 5) !== -1) {
        wrong.push(`module ${i}: value ${value?.[0]} (set 3), free ${free?.[0]} (set 5)`);
      }
    }
    expect(wrong.join('\n')).toBe('');
  });

  it("load()'s initial parameters and setParam reach each of 16 modules exactly", async () => {
    const wrong: string[] = [];
    for (const [i, c] of variants.entries()) {
      await withModule(c, { name: `pv${i}`, params: { value: 7 } }, async (m) => {
        const initial = await client.record([port(m.outputs[1])], { frames: 256 });
        if (firstNot(initial.channels[0] as Float32Array, 7) !== -1) wrong.push(`module ${i} (load): ${initial.channels[0]?.[0]} (set 7)`);
        m.setParam('value', -3);
        await cycles(m, 2);
        const later = await client.record([port(m.outputs[1])], { frames: 256 });
        if (firstNot(later.channels[0] as Float32Array, -3) !== -1) wrong.push(`module ${i} (setParam): ${later.channels[0]?.[0]} (set -3)`);
      });
    }
    expect(wrong.join('\n')).toBe('');
  });
});

describe('offline render() inputs', () => {
  it('feeds each input channel its own samples, then silence where it is shorter than the render', async () => {
    const a = Float32Array.from({ length: 10 }, (_, i) => i + 1);
    const b = Float32Array.from({ length: 19 }, (_, i) => -(i + 1));
    // a ends inside block 1 (frames 8-15), b inside block 2 (16-23).
    const [outA, outB] = (await render(mods.stereo, { blockSize: 8, frames: 24, inputs: [a, b] })) as [Float32Array, Float32Array];
    expect(Array.from(outA)).toEqual([...a, ...new Array(14).fill(0)]);
    expect(Array.from(outB)).toEqual([...b, ...new Array(5).fill(0)]);
  });

  it('feeds every channel its samples when several end inside the same block', async () => {
    const a = Float32Array.from({ length: 10 }, (_, i) => i + 1);
    const b = Float32Array.from({ length: 10 }, (_, i) => -(i + 1));
    const [outA, outB] = (await render(mods.stereo, { blockSize: 8, frames: 16, inputs: [a, b] })) as [Float32Array, Float32Array];
    expect(Array.from(outA)).toEqual([...a, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(outB)).toEqual([...b, 0, 0, 0, 0, 0, 0]);
  });
});

describe('realtime output equals offline render()', () => {
  it('records the same samples, bit for bit, as render() of the same chain (noise -> shaper)', async () => {
    const bs = client.blockSize;
    const src = await client.load(mods.noise, { name: 'src' });
    const fx = await client.load(mods.shaper, { name: 'fx' });
    try {
      client.connect(port(src.outputs[0]), port(fx.inputs[0]));
      await cycles(fx, 3);
      const rec = await client.record([port(fx.outputs[0]), port(src.outputs[0])], { frames: 8192 });
      const [fxRec, srcRec] = rec.channels as [Float32Array, Float32Array];
      const frames = (src.cycles + 4) * bs;
      const [noise] = (await render(mods.noise, { blockSize: bs, frames })) as [Float32Array];
      const [expected] = (await render(mods.shaper, { blockSize: bs, frames, inputs: [noise] })) as [Float32Array];
      const at = offsetsOf(noise, srcRec);
      expect(at, 'the source recording occurs exactly once in the render').toHaveLength(1);
      const k = at[0] as number;
      expect(k % bs, `recording starts at module frame ${k}`).toBe(0);
      expect(sameBits(fxRec, expected.subarray(k, k + fxRec.length))).toBe(true);
      expect(offsetsOf(expected, fxRec)).toEqual([k]);
      // Not trivially equal: the effect changed the bits.
      expect(sameBits(fxRec, srcRec)).toBe(false);
    } finally {
      await fx.unload();
      await src.unload();
    }
  });
});

describe('order', () => {
  it('runs the modules of a client in load order within each cycle', async () => {
    const bs = client.blockSize;
    // a (noise) then b (gain 1): b sees a's output of the same cycle.
    const a = await client.load(mods.noise, { name: 'ord_a' });
    const b = await client.load(mods.gain, { name: 'ord_b' });
    // c (gain 1) then d (noise): c runs first, so it sees d's previous cycle.
    const c = await client.load(mods.gain, { name: 'ord_c' });
    const d = await client.load(mods.noise, { name: 'ord_d' });
    try {
      expect(client.modules.slice(-4)).toEqual([a, b, c, d]);
      client.connect(port(a.outputs[0]), port(b.inputs[0]));
      client.connect(port(d.outputs[0]), port(c.inputs[0]));
      await cycles(d, 3);
      const rec = await client.record([a, b, c, d].map((m) => port(m.outputs[0])), { frames: 4 * bs });
      const [ra, rb, rc, rd] = rec.channels as [Float32Array, Float32Array, Float32Array, Float32Array];
      expect(sameBits(rb, ra)).toBe(true);
      expect(sameBits(rc.subarray(bs), rd.subarray(0, rd.length - bs))).toBe(true);
      expect(sameBits(rc, rd)).toBe(false);
    } finally {
      for (const m of [d, c, b, a]) await m.unload();
    }
  });
});

describe('unload and close', () => {
  it('unload() removes the ports it registered and the module; later calls throw MODULE_UNLOADED', async () => {
    const before = serverPorts();
    const m = await client.load(mods.probe, { name: 'gone' });
    expect(serverPorts()).toHaveLength(before.length + 3);
    await m.unload();
    expect(serverPorts()).toEqual(before);
    expect(client.outports.get('gone_out_1')).toBeUndefined();
    expect(client.modules).not.toContain(m);
    const e = errorOf(() => m.setParam('value', 1));
    expect(e.code).toBe('MODULE_UNLOADED');
    expect(e.message).toContain('"gone"');
    expect((await rejection(m.reset())).code).toBe('MODULE_UNLOADED');
    await m.unload(); // twice is fine
    // The name is free again.
    await withModule(mods.probe, { name: 'gone' }, async (again) => {
      expect(again.outputs.map((p) => p.shortName)).toEqual(['gone_out_1', 'gone_out_2', 'gone_out_3']);
    });
  });

  it('closing the client makes its modules throw MODULE_UNLOADED', async () => {
    const c2 = await Client.open(uniqueName('engine-close'), { serverName: server.name });
    let m: DspModule | undefined;
    try {
      c2.activate();
      m = await c2.load(mods.probe, { name: 'orphan' });
      await cycles(m, 2);
    } finally {
      await c2.close();
    }
    const loaded = m as DspModule;
    expect(c2.modules).toEqual([]);
    const e = errorOf(() => loaded.setParam('value', 1));
    expect(e.code).toBe('MODULE_UNLOADED');
    expect(e.message).toContain('"orphan"');
    expect((await rejection(loaded.reset())).code).toBe('MODULE_UNLOADED');
    await loaded.unload(); // harmless
    expect((await rejection(c2.load(mods.probe, { name: 'late' }))).code).toBe('CLIENT_CLOSED');
  });
});

describe('compile cache', () => {
  it('returns the cached build for the same bytes, faster, with the same key and path', async () => {
    const bytes = variant(await wat('gain'), 'cache-hit');
    const first = await compile(bytes);
    expect(first.cached).toBe(false);
    expect(first.path.startsWith(cache.dir)).toBe(true);
    const second = await compile(bytes);
    expect(second.cached).toBe(true);
    expect(second.key).toBe(first.key);
    expect(second.path).toBe(first.path);
    expect(second.compileMs).toBeLessThan(first.compileMs);
    const [out] = await render(second, { frames: 4, blockSize: 4, inputs: [Float32Array.from([1, -2, 3, -4])] });
    expect(Array.from(out as Float32Array)).toEqual([1, -2, 3, -4]);
  });

  it('detects a corrupted module.so in the cache and rebuilds it', async () => {
    const bytes = variant(await wat('gain'), 'cache-corrupt');
    const first = await compile(bytes);
    const good = await readFile(first.path);
    // Flip bytes in the middle of the shared object.
    const bad = Buffer.from(good);
    const mid = bad.length >> 1;
    for (let i = mid; i < mid + 64; i++) bad.writeUInt8((bad.readUInt8(i) ^ 0xff) & 0xff, i);
    await writeFile(first.path, bad);
    const rebuilt = await compile(bytes);
    expect(rebuilt.cached).toBe(false);
    expect(rebuilt.key).toBe(first.key);
    expect((await readFile(rebuilt.path)).equals(bad)).toBe(false);
    const [out] = await render(rebuilt, { frames: 4, blockSize: 4, inputs: [Float32Array.from([1, -2, 3, -4])] });
    expect(Array.from(out as Float32Array)).toEqual([1, -2, 3, -4]);
    // A truncated file is rebuilt too.
    await writeFile(rebuilt.path, good.subarray(0, 100));
    expect((await compile(bytes)).cached).toBe(false);
    expect((await compile(bytes)).cached).toBe(true);
  });

  it('keys the cache on cflags: other flags give another key, the same flags the same one', async () => {
    const bytes = variant(await wat('gain'), 'cache-flags');
    const o2 = await compile(bytes);
    const o1 = await compile(bytes, { cflags: ['-O1'] });
    expect(o1.key).not.toBe(o2.key);
    expect(o1.path).not.toBe(o2.path);
    expect(o1.cached).toBe(false);
    expect((await compile(bytes, { cflags: ['-O1'] })).key).toBe(o1.key);
    expect((await compile(bytes, { cflags: ['-O2'] })).key).toBe(o2.key);
    expect((await compile(bytes, { cflags: ['-O2'] })).cached).toBe(true);
  });

  it('compiles the same new bytes concurrently without either compile failing', async () => {
    const bytes = variant(await wat('gain'), 'cache-race');
    const [a, b] = await Promise.all([compile(bytes), compile(bytes)]);
    expect(a.key).toBe(b.key);
    expect(a.path).toBe(b.path);
    const c = await compile(bytes);
    expect(c.cached).toBe(true);
  });

  it('never removes a published entry under a concurrent compile: each result stays loadable', async () => {
    const bytes = variant(await wat('gain'), 'cache-race-load');
    // Each compile loads its result the moment it resolves; a later
    // compile of the same key must not have replaced the entry meanwhile.
    const results = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const m = await compile(bytes);
        const ino = statSync(m.path).ino;
        const [out] = await render(m, { frames: 64 });
        return { ino, path: m.path, sample: out![0], inoAfter: statSync(m.path).ino };
      }),
    );
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(results.every((r) => r.ino === r.inoAfter && r.ino === results[0]!.ino)).toBe(true);
    expect(results.map((r) => r.sample)).toEqual(Array(6).fill(results[0]!.sample));
  });
});

describe('jw_host.log', () => {
  it("delivers messages from jw_init and from jw_process as 'log' events", async () => {
    await withModule(mods.log, { name: 'logger' }, async (m) => {
      const logs: string[] = [];
      m.on('log', (s) => logs.push(s));
      await until(() => logs.includes('hello from jw_init'), 10000, 'the jw_init log');
      const fromProcess = waitForEvent<[string]>(m, 'log', (s) => s === 'hello from jw_process');
      m.setParam(0, 1);
      await fromProcess;
      expect(logs).toEqual(['hello from jw_init', 'hello from jw_process']);
      expect(m.dropped).toEqual({ logs: 0, midi: 0 });
    });
  });
});

describe('misuse', () => {
  it('rejects load() options that make no sense with INVALID_ARGUMENT', async () => {
    expect((await rejection(client.load(mods.probe, { name: 'bad:name' }))).message).toContain("does not contain ':'");
    const mf = await rejection(client.load(mods.probe, { name: 'mf', maxFrames: 0 }));
    expect(mf.code).toBe('INVALID_ARGUMENT');
    expect(mf.message).toContain('maxFrames');
  });
});
