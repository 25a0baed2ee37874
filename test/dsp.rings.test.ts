/**
 * Module rings (docs/abi.md, "Rings"): byte streams between a running module
 * and JS, DspModule.ring(name). Modules: test/dsp/ring-echo.ts (SDK: plays
 * the in ring "feed", sends its input to the out ring "echo"),
 * test/abi/probe.wat (output 0 counts frames), test/abi/rings.wat (a module
 * that moves its write index past what JS read, and a table to break).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, compile, type CompiledModule, type DspModule, type OwnPort, type Server } from '../host/index.js';
import { wasmBytes } from './helpers/asm.js';
import { errorOf, rejection } from './helpers/errors.js';
import { sleep, startServer, uniqueName, until } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat, watSource, watText } from './helpers/wat.js';

let server: Server;
let client: Client;
let echoMod: CompiledModule;
let probe: DspModule;
useTempCache('rings');

beforeAll(async () => {
  echoMod = await compile(wasmBytes('dsp', 'ring-echo'), { name: 'ring-echo' });
  server = await startServer('rings', { period: 256 });
  client = await Client.open(uniqueName('rings'), { serverName: server.name });
  client.activate();
  probe = await client.load(await wat('probe'), { name: 'probe' });
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('an out ring (the module writes, JS reads)', () => {
  it('delivers every sample the module wrote, in order, bit-exact', async () => {
    const m = await client.load(echoMod, { name: 'echo' });
    try {
      client.connect(probe.outputs[0] as OwnPort, m.inputs[0] as OwnPort);
      expect(m.rings).toEqual([
        { name: 'feed', direction: 'in', size: 4096 },
        { name: 'echo', direction: 'out', size: 65536 },
        { name: 'bytes', direction: 'out', size: 16 },
      ]);
      const ring = m.ring('echo');
      expect([ring.name, ring.direction, ring.size]).toEqual(['echo', 'out', 65536]);
      await until(() => ring.readSpace > 0, 5000, 'samples');
      ring.read(); // the samples from before the connection (zeros) go
      await sleep(50);
      const parts: Float32Array[] = [];
      const end = Date.now() + 600;
      while (Date.now() < end) {
        parts.push(ring.readFloat32());
        await sleep(20);
      }
      const all = Float32Array.from(parts.flatMap((p) => Array.from(p)));
      expect(all.length).toBeGreaterThan(20000);
      // The probe counts frames: consecutive numbers, none missing or repeated.
      const first = all.findIndex((v) => v !== 0);
      for (let i = first + 1; i < all.length; i++) if (all[i] !== (all[i - 1] as number) + 1) expect.fail(`gap at ${i}: ${all[i - 1]} then ${all[i]}`);
      expect(ring.lost).toBe(0);
      expect(ring.dropped).toBe(0);
      // peek leaves what it shows; read(n) takes n bytes.
      await until(() => ring.readSpace >= 8, 5000);
      const seen = ring.peek(8);
      expect(ring.read(8)).toEqual(seen);
      const into = new Uint8Array(4);
      expect(ring.read(into).length).toBe(4);
    } finally {
      await m.unload();
    }
  });

  it("reports what the module dropped while JS did not read (the ring's header count)", async () => {
    const m = await client.load(echoMod, { name: 'slow' });
    try {
      client.connect(probe.outputs[0] as OwnPort, m.inputs[0] as OwnPort);
      const ring = m.ring('echo');
      await until(() => ring.readSpace === ring.size, 5000, 'a full ring');
      await until(() => ring.dropped > 4 * client.blockSize, 5000, 'drops');
      expect(ring.dropped % 4).toBe(0);
      expect(ring.lost).toBe(0);
      // What is there is whole and in order: the oldest samples, not the newest.
      const x = ring.readFloat32();
      expect(x.length).toBe(16384);
      for (let i = x.findIndex((v) => v !== 0) + 1; i > 0 && i < x.length; i++) if (x[i] !== (x[i - 1] as number) + 1) expect.fail(`gap at ${i}`);
      // The in ring "feed" is empty: the module counts what it wanted.
      await until(() => m.ring('feed').dropped > 0, 5000, 'feed drops');
    } finally {
      await m.unload();
    }
  });

  it('clamps a module that writes past what JS read, and counts the bytes skipped as lost', async () => {
    const m = await client.load(await wat('rings'), { name: 'over' });
    try {
      const ring = m.ring('over');
      await until(() => ring.lost > 0, 5000, 'a lost count');
      expect(ring.readSpace).toBeLessThanOrEqual(16);
      expect(ring.read().length).toBeLessThanOrEqual(16);
      const lost = ring.lost;
      expect(lost % 16).toBe(0);
      await until(() => ring.lost > lost, 5000, 'more lost');
    } finally {
      await m.unload();
    }
  });
});

describe('an in ring (JS writes, the module reads)', () => {
  it('plays what JS wrote, sample for sample and in order, from the next cycle on', async () => {
    const m = await client.load(echoMod, { name: 'feed' });
    try {
      const ring = m.ring('feed');
      expect(ring.writeSpace).toBe(4096);
      const data = Float32Array.from({ length: 12000 }, (_, i) => (i + 1) / 16);
      const rec = client.record([m.outputs[0] as OwnPort], { frames: 48000 });
      await sleep(100);
      let sent = 0;
      while (sent < data.length) {
        sent += ring.write(data.subarray(sent)) / 4;
        await sleep(2);
      }
      const x = (await rec).channels[0] as Float32Array;
      const played = x.filter((v) => v !== 0);
      expect(played.length).toBe(data.length);
      expect(Buffer.from(played.buffer).equals(Buffer.from(data.buffer))).toBe(true);
      // Whole samples only: a 4096-byte ring never takes part of a Float32Array element.
      expect(ring.write(new Float32Array(2000)) % 4).toBe(0);
    } finally {
      await m.unload();
    }
  });
});

describe('errors, unload and swap', () => {
  it('names the rings there are, and the direction a call needs', async () => {
    const m = await client.load(echoMod, { name: 'errs' });
    try {
      expect(errorOf(() => m.ring('nope')).message).toBe('ring(errs): the module has no ring "nope" (it declares "feed", "echo", "bytes")');
      expect(errorOf(() => m.ring('feed').read()).message).toMatch(/ring "feed" of module "errs" is written by JS \(direction 'in'\); write\(\) to it/);
      expect(errorOf(() => m.ring('echo').write(new Float32Array(1))).message).toMatch(/is written by the module \(direction 'out'\); read\(\) from it/);
      expect(errorOf(() => m.ring('feed').write([1, 2] as never)).code).toBe('INVALID_ARGUMENT');
      expect(errorOf(() => m.ring('echo').read(-1)).code).toBe('INVALID_ARGUMENT');
      expect(errorOf(() => probe.ring('x')).message).toBe('ring(probe): the module declares no rings (jw_ring_table; the SDK\'s ModuleRing)');
      const ring = m.ring('echo');
      await m.unload();
      expect(errorOf(() => ring.readSpace).code).toBe('MODULE_UNLOADED');
      expect(errorOf(() => m.ring('echo')).code).toBe('MODULE_UNLOADED');
    } finally {
      await m.unload();
    }
  });

  it('follows the module through a swap by name (the new instance starts it empty), and says when it is gone', async () => {
    const m = await client.load(echoMod, { name: 'swapring' });
    try {
      const ring = m.ring('feed');
      ring.write(new Float32Array(1000).fill(0.5));
      await m.swap(echoMod, { crossfadeMs: 0 });
      expect(ring.writeSpace).toBe(4096);
      expect(ring.write(new Float32Array([1, 2]))).toBe(8);
      await m.swap(await wat('gain'), { crossfadeMs: 0 });
      expect(errorOf(() => ring.writeSpace).message).toBe('ModuleRing.writeSpace: module "swapring" no longer declares ring "feed"');
    } finally {
      await m.unload();
    }
  });
});

describe('declared rings are checked at load', () => {
  const T = '(data (i32.const 32) "\\10\\00\\00\\00\\04\\00\\00\\00\\00\\00\\00\\00\\80\\00\\00\\00\\00\\04\\00\\00\\10\\00\\00\\00")';
  const cases: [string, [string, string][], RegExp][] = [
    ['65 rings', [['(func (export "jw_ring_count") (result i32) (i32.const 2))', '(func (export "jw_ring_count") (result i32) (i32.const 65))']], /jw_ring_count\(\) returned 65 \(must be 0\.\.64\)/],
    ['direction 2', [[T, T.replace('\\04\\00\\00\\00\\00\\00\\00\\00\\80', '\\04\\00\\00\\00\\02\\00\\00\\00\\80')]], /ring 0 \("over"\): direction 2 \(must be 0: the module writes, or 1: the module reads\)/],
    ['a size that is no power of two', [[T, T.replace('\\10\\00\\00\\00")', '\\18\\00\\00\\00")')]], /ring 0 \("over"\): 24 bytes of data \(must be a power of two from 16 to 67108864\)/],
    ['a misaligned header', [[T, T.replace('\\80\\00\\00\\00\\00\\04', '\\82\\00\\00\\00\\00\\04')]], /its header at 130 is misaligned/],
    ['a header outside memory', [[T, T.replace('\\80\\00\\00\\00\\00\\04', '\\fc\\ff\\00\\00\\00\\04')]], /its header at 65532 is outside memory/],
    ['data outside memory', [[T, T.replace('\\00\\04\\00\\00\\10', '\\f8\\ff\\00\\00\\10')]], /16 bytes of data at 65528 are outside memory/],
    ['a header inside its data', [[T, T.replace('\\80\\00\\00\\00\\00\\04', '\\04\\04\\00\\00\\00\\04')]], /its header overlaps its data/],
    ['jw_ring_table missing', [['(func (export "jw_ring_table")', '(func $table']], /jw_ring_count, jw_ring_table must be exported together \(jw_ring_table missing\)/],
    ['two rings sharing a header', [['\\01\\00\\00\\00\\90\\00', '\\01\\00\\00\\00\\84\\00']], /ring 1 \("in"\): it overlaps ring "over"/],
    ['a key that is not UTF-8', [['(data (i32.const 20) "in")', '(data (i32.const 20) "\\c3(")']], /ring 1: its key is not valid UTF-8/],
  ];
  for (const [what, edits, message] of cases) {
    it(`refuses ${what}`, async () => {
      let text = await watSource('rings');
      for (const [a, b] of edits) {
        expect(text.includes(a), a).toBe(true);
        text = text.replace(a, b);
      }
      const e = await rejection((async () => client.load(await compile(await watText(text, 'rings-bad'), { name: 'rings-bad' }), { name: 'bad' }))());
      expect(e.code, e.message).toMatch(/MODULE_BAD_LAYOUT|MODULE_BAD_EXPORT/);
      expect(e.message).toMatch(message);
    });
  }
});
