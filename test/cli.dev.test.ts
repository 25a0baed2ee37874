/**
 * `jackwasm dev`: the live-coding loop as a user drives it. A module source
 * is edited while the CLI plays it; every save is recompiled and hot-swapped
 * (the new output is heard, the edit-to-audible time printed), a save that
 * does not compile is reported with file:line:column while the last good
 * version keeps playing, and the terminal commands work meanwhile.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, render, watchModule, type DspModule, type Server, type WatchEvent } from '../host/index.js';
import { compileAssemblyScript } from '../host/dsp/asc.js';
import { frameAhead, startServer, uniqueName, until } from './helpers/jack.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/host/cli.js`;
// Inside the repository, so that the module imports the SDK as the examples do.
const dir = `${root}build/test-dev-${process.pid}`;
const file = `${dir}/dc.ts`;
let server: Server;
let client: Client;

/** A module whose one output is the constant `value`; `extra` lands in process() (to break it). */
function source(value: number, extra = ''): string {
  return `// dc: a constant (test module)
import { Processor, register } from "../../dsp-asm";

class Dc extends Processor {
  constructor() {
    super("dc", 0, 1);
  }
  process(frames: i32): void {
    const out = this.output(0);
    ${extra}
    for (let i = 0; i < frames; i++) unchecked((out[i] = ${value.toFixed(3)}));
  }
}

register(new Dc());
export * from "../../dsp-asm/abi";
`;
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, source(0.25));
  server = await startServer('dev');
  client = await Client.open(uniqueName('dev-listener'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `jackwasm dev path` in a child: waiting for its output, and the level it plays. */
function startDev(path: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, 'dev', path, '--server', server.name, '--seconds', '120', '--crossfade', '5'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const waitFor = async (re: RegExp, from = 0) => {
    for (let i = 0; i < 1500 && !re.test(out.slice(from)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(out.slice(from)).toMatch(re);
    return out.length;
  };
  /** The dev client's output over 50 ms. */
  const level = async () => {
    const rec = await client.record([`jackwasm-dev-${child.pid}:dc_out_1`], { frames: 2400 });
    return [...new Set(rec.channels[0])];
  };
  return { child, exited, waitFor, level, output: () => out };
}

describe('jackwasm dev', () => {
  it('hot-swaps each saved edit, reports compile errors while the audio goes on, and takes commands', async () => {
    const { child, waitFor, level, exited, output } = startDev(file);
    try {
      let mark = await waitFor(/watching \d+ file\(s\)/);
      expect(await level()).toEqual([0.25]);

      // Each save: the fast build, then the optimised build behind it.
      writeFileSync(file, source(0.5));
      mark = await waitFor(/swapped .*dc\.ts: audible (\d+) ms after the save \(fast build, (cached|\d+ of \d+ pieces compiled): compile \d+ ms, load and hand-over \d+ ms\), crossfade 240 frames; no declared state/, mark);
      expect(await level()).toEqual([0.5]);
      mark = await waitFor(/swapped in the optimised build of .*dc\.ts \d+ ms after the save \((cached|built): compile \d+ ms, load and hand-over \d+ ms\), crossfade 240 frames; no declared state/, mark);
      expect(await level()).toEqual([0.5]);

      // A save that does not compile: reported with its place, the module plays on.
      writeFileSync(file, source(0.75, 'const broken: i32 = ;'));
      mark = await waitFor(/dc\.ts: not swapped, the module keeps playing the last good version:[\s\S]*dc\.ts\(10,25\)/, mark);
      expect(await level()).toEqual([0.5]);

      // Fixed: swapped again.
      writeFileSync(file, source(0.125));
      mark = await waitFor(/swapped .*audible \d+ ms after the save/, mark);
      expect(await level()).toEqual([0.125]);
      mark = await waitFor(/swapped in the optimised build of/, mark);

      child.stdin.write('stats\nmeters\n');
      await waitFor(/swaps 4, trap none[\s\S]*dc_out_1: peak -18\.1 dBFS, rms -18\.1 dBFS/, mark);
      child.stdin.write('quit\n');
      expect(await exited).toBe(0);
      expect(output()).toMatch(/stopped after \d+ cycles, \d+ xruns, 4 swaps/);
      console.log(output());
    } finally {
      child.kill();
    }
  }, 120000);

  it('hears a save made right after its first compile, before its watch began', async () => {
    const f = `${dir}/starting.ts`;
    writeFileSync(f, source(0.25));
    // A cache of its own: its asc entry appears once the compiler has read the source.
    const cache = `${dir}/starting-cache`;
    const { child, waitFor, level, exited } = startDev(f, { JACKWASM_CACHE: cache });
    try {
      await until(() => existsSync(`${cache}/asc`) && readdirSync(`${cache}/asc`).some((n) => n.endsWith('.json')), 60000, 'the first compile');
      writeFileSync(f, source(0.5));
      await waitFor(/watching \d+ file\(s\)/);
      for (let i = 0; i < 200 && (await level()).join() !== '0.5'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await level()).toEqual([0.5]);
      child.stdin.write('quit\n');
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
  }, 120000);

  it('watchModule keeps watching a folder that is removed and made again (a checkout), and swaps its new content', async () => {
    const sub = `${dir}/again`;
    mkdirSync(sub, { recursive: true });
    const f = `${sub}/dc.ts`;
    writeFileSync(f, source(0.25).replaceAll('"../../dsp-asm', '"../../../dsp-asm'));
    const m = await client.load(f, { name: 'again' });
    const events: WatchEvent[] = [];
    const w = await watchModule(m, f, { onEvent: (e) => events.push(e) });
    try {
      rmSync(sub, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 700));
      mkdirSync(sub, { recursive: true });
      writeFileSync(f, source(0.5).replaceAll('"../../dsp-asm', '"../../../dsp-asm'));
      await until(() => events.some((e) => e.kind === 'swap'), 30000, 'the swap of the new content');
      await w.idle();
      await expectPlaying(m, 0.5);
      writeFileSync(f, source(0.75).replaceAll('"../../dsp-asm', '"../../../dsp-asm'));
      await until(() => events.filter((e) => e.kind === 'swap').length >= 2, 30000, 'an edit after that');
    } finally {
      w.close();
      await m.unload();
    }
  }, 90000);

  it('plays the fast build of a save first, then swaps in the optimised build without changing a sample', async () => {
    const f = `${dir}/poly.ts`;
    const poly = readFileSync(fileURLToPath(new URL('../examples/dsp/poly.ts', import.meta.url)), 'utf8');
    writeFileSync(f, poly);
    const m = await client.load(f, { name: 'tiers' });
    const original = m.compiled;
    const events: WatchEvent[] = [];
    const w = await watchModule(m, f, { onEvent: (e) => events.push(e) });
    try {
      await w.idle(); // the first fast build, made behind the running module
      const sr = client.sampleRate;
      const t0 = frameAhead(client, 0.4);
      const recording = client.record([m.outputs[0]!], { frames: 8 * sr, startAt: t0 });
      const chord = t0 + 2 * client.blockSize;
      for (const n of [60, 64, 67]) m.sendMidi([0x90, n, 100], { frame: chord });
      await until(() => client.lastFrameTime - chord > 0.3 * sr, 10000, 'the chord to sound');
      // A change of code but not of sound: the level's upper bound.
      const edited = poly.replace('this.addParam("level", "Level", -60, 0, -18, "dB");', 'this.addParam("level", "Level", -60, 6, -18, "dB");');
      expect(edited).not.toBe(poly);
      writeFileSync(f, edited);
      await until(() => events.filter((e) => e.kind !== 'unchanged').length >= 2, 60000, 'both swaps');
      await w.idle();
      const rec = await recording;
      const swaps = events.flatMap((e) => (e.kind === 'swap' ? [e] : []));
      expect(events.map((e) => e.kind)).toEqual(['swap', 'swap']);
      expect(swaps.map((e) => e.tier)).toEqual(['fast', 'optimized']);
      for (const e of swaps) {
        expect(e.report.state.carried.sort()).toEqual(['env', 'filter', 'gain', 'level', 'osc', 'voices']);
        expect(rec.indexOf(e.report.frame as number), `the ${e.tier} swap inside the recording`).toBeGreaterThan(0);
      }
      const all = rec.channels[0] as Float32Array;
      const at = rec.indexOf(chord);
      const [whole] = (await render(original, {
        frames: all.length - at,
        blockSize: client.blockSize,
        midi: [60, 64, 67].map((note) => ({ frame: 0, bytes: [0x90, note, 100] })),
      })) as [Float32Array];
      const diff = all.subarray(at).findIndex((v, i) => !Object.is(v, whole[i]));
      expect(diff, `first sample that differs from a render without swaps (swaps at ${swaps.map((e) => rec.indexOf(e.report.frame as number) - at)})`).toBe(-1);
      expect(Math.max(...all.subarray(all.length - 4800).map(Math.abs))).toBeGreaterThan(0.01);
    } finally {
      w.close();
      await m.unload();
    }
  }, 120000);

  it('ends on the optimised build after a save repeated with the same content, or a broken save put back', async () => {
    const f = `${dir}/twice.ts`;
    writeFileSync(f, source(0.25));
    const m = await client.load(f, { name: 'twice' });
    const events: string[] = [];
    const w = await watchModule(m, f, { onEvent: (e) => events.push(e.kind === 'unchanged' ? e.kind : `${e.kind}:${e.tier}`) });
    try {
      await w.idle();
      writeFileSync(f, source(0.5));
      await until(() => events.includes('swap:fast'), 30000, 'the fast swap');
      writeFileSync(f, source(0.5)); // an editor that saves twice
      await until(() => events.includes('unchanged'), 30000, 'the second save');
      await w.idle();
      expect(m.compiled.tier, events.join(', ')).toBe('optimized');
      writeFileSync(f, source(0.75, 'const broken: i32 = ;'));
      await until(() => events.includes('error:fast'), 30000, 'the broken save');
      writeFileSync(f, source(0.5)); // put back
      await until(() => events.filter((e) => e === 'unchanged').length === 2, 30000, 'the save put back');
      await w.idle();
      expect(events).toEqual(['swap:fast', 'unchanged', 'swap:optimized', 'error:fast', 'unchanged']);
      expect(m.compiled.tier).toBe('optimized');
      await expectPlaying(m, 0.5);
    } finally {
      w.close();
      await m.unload();
    }
  }, 120000);

  /** The module's output is the constant `value` (the dc test module's level). */
  async function expectPlaying(m: DspModule, value: number): Promise<void> {
    const rec = await client.record([m.outputs[0]!], { frames: 256 });
    expect([...new Set(rec.channels[0])]).toEqual([value]);
  }

  /** Loads `f` (written by `write(0.25)`), saves `write(0.5)` before the watch begins: the watch must swap it in. */
  async function saveBeforeWatch(f: string, write: (value: number) => void, fastFirst = true, timeoutMs = 60000): Promise<void> {
    write(0.25);
    const m: DspModule = await client.load(f, { name: 'early' });
    write(0.5);
    const events: WatchEvent[] = [];
    const w = await watchModule(m, f, { fastFirst, onEvent: (e) => events.push(e) });
    try {
      await until(() => events.some((e) => e.kind === 'swap'), timeoutMs, 'the swap of the save made before the watch');
      await w.idle();
      expect(events.map((e) => e.kind)).not.toContain('error');
      await expectPlaying(m, 0.5);
    } finally {
      w.close();
      await m.unload();
    }
  }

  it('swaps in an AssemblyScript save made between the module\'s compile and the start of the watch', async () => {
    const f = `${dir}/early.ts`;
    await saveBeforeWatch(f, (v) => writeFileSync(f, source(v)));
  }, 120000);

  it('swaps in a .wasm save made between the module\'s compile and the start of the watch', async () => {
    const f = `${dir}/early.wasm`;
    const wasm = async (v: number) => {
      writeFileSync(`${dir}/early-${v}.ts`, source(v));
      return compileAssemblyScript(`${dir}/early-${v}.ts`);
    };
    const bytes = new Map([[0.25, await wasm(0.25)], [0.5, await wasm(0.5)]]);
    await saveBeforeWatch(f, (v) => writeFileSync(f, bytes.get(v)!));
  }, 120000);

  it('swaps in a Faust save made between the module\'s compile and the start of the watch', async () => {
    mkdirSync(`${dir}/faust`, { recursive: true });
    const f = `${dir}/faust/early.dsp`;
    // One tier: a Faust build is slow on a loaded machine.
    await saveBeforeWatch(f, (v) => writeFileSync(f, `process = ${v.toFixed(3)};\n`), false, 200000);
  }, 300000);

  it('reports a save that does not build, made before the watch began, as an error event, and swaps in the fix', async () => {
    const f = `${dir}/broken-early.ts`;
    writeFileSync(f, source(0.25));
    const m: DspModule = await client.load(f, { name: 'broken-early' });
    writeFileSync(f, source(0.25).replace('super("dc", 0, 1);', 'super("dc", 0, 1'));
    const events: WatchEvent[] = [];
    const w = await watchModule(m, f, { fastFirst: false, onEvent: (e) => events.push(e) });
    try {
      await until(() => events.some((e) => e.kind === 'error'), 60000, 'the error event of the broken save');
      const error = events.find((e) => e.kind === 'error') as Extract<WatchEvent, { kind: 'error' }>;
      expect([error.error.code, error.changed]).toEqual(['COMPILE_FAILED', [f]]);
      writeFileSync(f, source(0.5));
      await until(() => events.some((e) => e.kind === 'swap'), 60000, 'the swap of the fix');
      await w.idle();
      await expectPlaying(m, 0.5);
    } finally {
      w.close();
      await m.unload();
    }
  }, 150000);

  it('refuses --crossfade outside dev and a bad value', async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (b: Buffer) => (err += b.toString()));
        c.on('exit', (code) => resolve({ code, err }));
      });
    expect(await run('run', file, '--crossfade', '5', '--server', server.name)).toEqual({ code: 1, err: 'jackwasm: --crossfade is an option of jackwasm dev\n' });
    expect(await run('dev', file, '--crossfade=-1', '--server', server.name)).toEqual({ code: 1, err: 'jackwasm: --crossfade must be a number of milliseconds in [0, 10000], got "-1"\n' });
  });
});
