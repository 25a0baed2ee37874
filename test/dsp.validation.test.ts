/**
 * ABI v1 validation (docs/abi.md): every way a DSP module is refused, each
 * with its JackError code and a message that names the problem. Checked
 * through compile() (what can be seen in the bytes), render() (what only
 * running jw_abi/jw_init/... reveals) and Client.load() (both); a refused
 * load leaves no ports and no module behind.
 *
 * The modules are hand-written WAT in test/abi/ (see the header of each).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, JackError, Server, compile, render, type LoadOptions, type ModuleSource } from '../host/index.js';
import { startServer, uniqueName } from './helpers/jack.js';
import { useTempCache, useTempDir } from './helpers/temp.js';
import { rejection } from './helpers/errors.js';
import { wat, watSource, watText } from './helpers/wat.js';

let server: Server;
let client: Client;
useTempCache('validation');
const work = useTempDir('validation-files');

beforeAll(async () => {
  server = await startServer('validation');
  client = await Client.open(uniqueName('validation'), { serverName: server.name });
  client.activate();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** Asserts `err` has `code` and a message containing every fragment. */
function expectError(err: JackError, code: string, ...fragments: string[]): void {
  expect(err.code, err.message).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** This client's ports as the server sees them, and as the client's own lists hold them. */
function portState(): { server: string[]; lists: string[] } {
  const server = client
    .getPorts({ namePattern: `^${escapeRe(client.name)}:` })
    .map((p) => p.name)
    .sort();
  const lists = [...client.inports, ...client.outports, ...client.midiInports, ...client.midiOutports].map((p) => p.name).sort();
  return { server, lists };
}

/** Loads `source` expecting a refusal; asserts that no port and no module was left behind. */
async function loadError(source: ModuleSource, options: LoadOptions = {}): Promise<JackError> {
  const before = portState();
  const modulesBefore = client.modules.length;
  const err = await rejection(client.load(source, options), 'client.load');
  expect(portState()).toEqual(before);
  expect(client.modules.length).toBe(modulesBefore);
  return err;
}

/** The bytes of test/abi/<name>.wat, memoised. */
const bytesCache = new Map<string, Promise<Uint8Array>>();
function abi(name: string): Promise<Uint8Array> {
  if (!bytesCache.has(name)) bytesCache.set(name, wat(name));
  return bytesCache.get(name) as Promise<Uint8Array>;
}

describe('the baseline module', () => {
  it('compiles, renders exactly and loads with the ports and parameter it declares', async () => {
    const compiled = await compile(await abi('gain'), { name: 'gain' });
    const input = Float32Array.from([1, -2, 0.5, 3, 0.25, -1, 8, 4]);
    const [out] = await render(compiled, { blockSize: 4, inputs: [input], params: { gain: 0.5 } });
    expect(Array.from(out as Float32Array)).toEqual([0.5, -1, 0.25, 1.5, 0.125, -0.5, 4, 2]);
    const m = await client.load(compiled, { name: 'baseline' });
    try {
      expect(m.inputs.map((p) => p.shortName)).toEqual(['baseline_in_1']);
      expect(m.outputs.map((p) => p.shortName)).toEqual(['baseline_out_1']);
      expect(m.params.map((p) => [p.id, p.name, p.min, p.max, p.default])).toEqual([['gain', 'Gain', 0, 4, 1]]);
      expect(m.description.name).toBe('gain');
    } finally {
      await m.unload();
    }
  });
});

describe('not WebAssembly', () => {
  it('refuses random bytes as MODULE_INVALID (no magic number)', async () => {
    // Deterministic "random" bytes (an LCG), never starting with \0asm.
    const bytes = new Uint8Array(512);
    let s = 12345;
    for (let i = 0; i < bytes.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      bytes[i] = s >>> 24;
    }
    bytes[0] = 0x42;
    expectError(await rejection(compile(bytes, { name: 'noise.bin' })), 'MODULE_INVALID', 'noise.bin', 'not a WebAssembly module');
    expectError(await loadError(bytes, { name: 'random' }), 'MODULE_INVALID', 'not a WebAssembly module');
  });

  it('refuses a text file, named by its file name, as MODULE_INVALID', async () => {
    const path = join(work.dir, 'notes.txt');
    await writeFile(path, 'These are not the bytes you are looking for.\n');
    expectError(await loadError(path), 'MODULE_INVALID', 'notes.txt', 'not a WebAssembly module');
    expectError(await rejection(render(path, { frames: 16 })), 'MODULE_INVALID', 'notes.txt', 'not a WebAssembly module');
  });

  it('refuses a path that does not exist as INVALID_ARGUMENT naming it', async () => {
    const path = join(work.dir, 'missing.wasm');
    expectError(await loadError(path), 'INVALID_ARGUMENT', path);
  });

  it('refuses a device, a FIFO and a directory as INVALID_ARGUMENT without reading them', async () => {
    const fifo = join(work.dir, 'pipe.wasm');
    execFileSync('mkfifo', [fifo]);
    const fifoTs = join(work.dir, 'pipe.ts');
    execFileSync('mkfifo', [fifoTs]);
    for (const path of ['/dev/zero', fifo, work.dir, fifoTs]) {
      const t0 = performance.now();
      expectError(await rejection(render(path, { frames: 16 })), 'INVALID_ARGUMENT', path, 'is not a regular file');
      expect(performance.now() - t0).toBeLessThan(2000); // not reading /dev/zero, not waiting for a writer
    }
  });

  it('refuses a file larger than maxModuleBytes before reading it', async () => {
    const path = join(work.dir, 'big.wasm');
    await writeFile(path, new Uint8Array(4096));
    const err = await rejection(render(path, { frames: 16, compile: { limits: { maxModuleBytes: 4095 } } }));
    expectError(err, 'MODULE_TOO_LARGE', 'big.wasm', 'the module is 4096 bytes (limit 4095');
  });

  it('refuses a look-alike or altered compiled module (only compile() makes them)', async () => {
    const real = await compile(await abi('gain'), { name: 'gain' });
    expect(Object.isFrozen(real)).toBe(true);
    const forged = { ...real, path: '/tmp/evil.so' };
    expectError(await rejection(render(forged, { frames: 16 })), 'INVALID_ARGUMENT', 'not made by compile() in this process');
    expectError(await loadError(forged), 'INVALID_ARGUMENT', 'not made by compile() in this process');
    expect(() => ((real as { path: string }).path = '/tmp/evil.so')).toThrow(TypeError);
    const [out] = await render(real, { frames: 16 });
    expect(out!.length).toBe(16);
  });

  it.each([
    ['in the middle', (n: number) => Math.floor(n / 2)],
    ['one byte short', (n: number) => n - 1],
    ['inside the section list', () => 12],
  ])('refuses a module truncated %s as MODULE_INVALID', async (_where, cut) => {
    const full = await abi('gain');
    const bytes = full.slice(0, cut(full.length));
    const err = await rejection(compile(bytes, { name: 'cut.wasm' }));
    expectError(err, 'MODULE_INVALID', 'cut.wasm');
    expect(err.message).toMatch(/truncated/);
    expectError(await loadError(bytes, { name: 'cut' }), 'MODULE_INVALID');
  });
});

describe('unsupported WebAssembly features', () => {
  it('refuses SIMD as MODULE_UNSUPPORTED_FEATURE mentioning SIMD', async () => {
    const bytes = await abi('simd');
    expectError(await rejection(compile(bytes, { name: 'simd' })), 'MODULE_UNSUPPORTED_FEATURE', 'simd:', 'SIMD');
    expectError(await loadError(bytes, { name: 'simd' }), 'MODULE_UNSUPPORTED_FEATURE', 'SIMD');
  });

  it('refuses atomic instructions as MODULE_UNSUPPORTED_FEATURE mentioning atomics and threads', async () => {
    const bytes = await abi('atomics');
    const err = await rejection(compile(bytes, { name: 'atomics' }));
    expectError(err, 'MODULE_UNSUPPORTED_FEATURE', 'atomics:', 'atomic', 'threads');
    expectError(await loadError(bytes, { name: 'atomics' }), 'MODULE_UNSUPPORTED_FEATURE', 'atomic');
  });

  it('refuses shared memory as MODULE_UNSUPPORTED_FEATURE mentioning shared memory and threads', async () => {
    const bytes = await abi('shared-memory');
    expectError(await rejection(compile(bytes, { name: 'shared' })), 'MODULE_UNSUPPORTED_FEATURE', 'shared:', 'shared memory', 'threads');
    expectError(await loadError(bytes, { name: 'shared' }), 'MODULE_UNSUPPORTED_FEATURE', 'shared memory');
  });
});

describe('exports', () => {
  const required: [string, string][] = [
    ['jw_abi', '() -> i32'],
    ['jw_init', '(f32, i32) -> i32'],
    ['jw_inputs', '() -> i32'],
    ['jw_outputs', '() -> i32'],
    ['jw_input', '(i32) -> i32'],
    ['jw_output', '(i32) -> i32'],
    ['jw_process', '(i32) -> ()'],
  ];

  it('has all seven required function exports in the baseline (so each variant below lacks exactly one)', async () => {
    const src = await watSource('gain');
    for (const [name] of required) expect(src.split(`(export "${name}")`).length, name).toBe(2);
  });

  it.each(required)('refuses a module without %s as MODULE_MISSING_EXPORT naming it and its signature', async (name, signature) => {
    const src = (await watSource('gain')).replace(`(export "${name}")`, '');
    const bytes = await watText(src, `no-${name}`);
    const err = await rejection(compile(bytes, { name: `no-${name}` }));
    expect(err.message).toBe(`no-${name}: missing required export "${name}" ${signature}`);
    expectError(err, 'MODULE_MISSING_EXPORT');
    expectError(await loadError(bytes, { name: `no-${name}` }), 'MODULE_MISSING_EXPORT', `"${name}"`);
  });

  it('refuses a module without a memory export as MODULE_MISSING_EXPORT naming "memory"', async () => {
    const src = (await watSource('gain')).replace('(memory (export "memory") 3)', '(memory 3)');
    const bytes = await watText(src, 'no-memory');
    expectError(await rejection(compile(bytes, { name: 'no-memory' })), 'MODULE_MISSING_EXPORT', 'no-memory:', '"memory"');
    expectError(await loadError(bytes, { name: 'no-memory' }), 'MODULE_MISSING_EXPORT', '"memory"');
  });

  it('refuses jw_init of type (i32) -> i32 as MODULE_BAD_EXPORT naming it, its type and the expected one', async () => {
    const bytes = await abi('init-wrong-type');
    const err = await rejection(compile(bytes, { name: 'badinit' }));
    expectError(err, 'MODULE_BAD_EXPORT', 'badinit:', '"jw_init"', '(i32) -> i32', '(f32, i32) -> i32');
    expectError(await loadError(bytes, { name: 'badinit' }), 'MODULE_BAD_EXPORT', '"jw_init"');
  });

  it('refuses an export "memory" that is a global as MODULE_BAD_EXPORT', async () => {
    const bytes = await abi('memory-global');
    const err = await rejection(compile(bytes, { name: 'memglobal' }));
    expectError(err, 'MODULE_BAD_EXPORT', 'memglobal:', '"memory" is a global', 'expected a memory');
    expectError(await loadError(bytes, { name: 'memglobal' }), 'MODULE_BAD_EXPORT', '"memory" is a global');
  });
});

describe('imports', () => {
  it.each([
    ['import-fd-write', 'wasi_snapshot_preview1.fd_write'],
    ['import-printf', 'env.printf'],
  ])('refuses %s as MODULE_BAD_IMPORT naming %s', async (file, importName) => {
    const bytes = await abi(file);
    const err = await rejection(compile(bytes, { name: file }));
    expectError(err, 'MODULE_BAD_IMPORT', `${file}:`, `"${importName}"`, 'does not provide');
    expectError(await loadError(bytes, { name: file }), 'MODULE_BAD_IMPORT', `"${importName}"`);
  });

  it('refuses an allowed import (env.sinf) with the wrong type as MODULE_BAD_IMPORT naming both types', async () => {
    const bytes = await abi('import-sinf-f64');
    const err = await rejection(compile(bytes, { name: 'sinf64' }));
    expectError(err, 'MODULE_BAD_IMPORT', 'sinf64:', '"env.sinf"', '(f64) -> f64', '(f32) -> f32');
    expectError(await loadError(bytes, { name: 'sinf64' }), 'MODULE_BAD_IMPORT', '"env.sinf"');
  });

  it('refuses an imported memory as MODULE_BAD_IMPORT naming env.memory', async () => {
    const bytes = await abi('import-memory');
    const err = await rejection(compile(bytes, { name: 'impmem' }));
    expectError(err, 'MODULE_BAD_IMPORT', 'impmem:', 'imports its memory', 'env.memory');
    expectError(await loadError(bytes, { name: 'impmem' }), 'MODULE_BAD_IMPORT', 'env.memory');
  });
});

describe('memory cap', () => {
  it('refuses an initial memory over maxMemoryBytes as MODULE_MEMORY_TOO_LARGE with both sizes', async () => {
    const bytes = await abi('gain'); // 3 pages = 196608 bytes
    const err = await rejection(compile(bytes, { name: 'big', maxMemoryBytes: 131072 }));
    expectError(err, 'MODULE_MEMORY_TOO_LARGE', 'big:', '196608 bytes (3 pages)', 'cap of 131072 bytes');
    expectError(await loadError(bytes, { name: 'big', compile: { maxMemoryBytes: 131072 } }), 'MODULE_MEMORY_TOO_LARGE', '196608');
    expectError(await rejection(render(bytes, { frames: 16, compile: { maxMemoryBytes: 131072 } })), 'MODULE_MEMORY_TOO_LARGE', '196608');
    // Exactly at the cap is accepted.
    expect((await compile(bytes, { name: 'fits', maxMemoryBytes: 196608 })).path).toMatch(/module\.so$/);
  });
});

describe('what running the module reveals (compile() accepts, render() and load() refuse)', () => {
  const cases: [file: string, code: string, fragments: string[]][] = [
    ['abi-v2', 'MODULE_ABI_VERSION', ['jw_abi() returned 2', 'ABI version 1']],
    ['inputs-65', 'MODULE_BAD_LAYOUT', ['jw_inputs() returned 65', '0..64']],
    ['outputs-65', 'MODULE_BAD_LAYOUT', ['jw_outputs() returned 65', '0..64']],
    ['input-misaligned', 'MODULE_BAD_LAYOUT', ['jw_input(0) = 1026', 'misaligned']],
    ['output-outside', 'MODULE_BAD_LAYOUT', ['jw_output(1) = 65280', 'outside memory', '65536 bytes']],
    ['init-error-3', 'MODULE_INIT_FAILED', ['jw_init returned error code 3']],
    ['start-trap', 'MODULE_INIT_FAILED', ['start function', 'unreachable executed']],
    ['describe-not-json', 'MODULE_BAD_LAYOUT', ['jw_describe() is not a JSON object', 'name: oops']],
    ['describe-param-mismatch', 'MODULE_BAD_LAYOUT', ['jw_describe() lists 2 params', 'jw_param_count() is 1']],
  ];

  it.each(cases)('%s: %s', async (file, code, fragments) => {
    const bytes = await abi(file);
    const compiled = await compile(bytes, { name: file });
    expect(compiled.kind).toBe('jackwasm.compiled');
    const viaRender = await rejection(render(compiled, { frames: 256, blockSize: 256 }), 'render');
    expectError(viaRender, code, `${file}:`, ...fragments);
    const viaLoad = await loadError(compiled, { name: file.replace(/-/g, '_') });
    expectError(viaLoad, code, `${file}:`, ...fragments);
    // The same bytes, not yet compiled, fail the same way through load().
    expectError(await loadError(bytes, { name: 'raw' }), code, ...fragments);
  });
});

describe('compile options', () => {
  it.each(['-ffast-math', '-Ofast', '-ffp-contract=fast', '-funsafe-math-optimizations'])(
    'refuses cflag %s as INVALID_ARGUMENT naming it',
    async (flag) => {
      const bytes = await abi('gain');
      const err = await rejection(compile(bytes, { cflags: ['-O2', flag] }));
      expectError(err, 'INVALID_ARGUMENT', flag, 'floating-point');
      expectError(await loadError(bytes, { name: 'fast', compile: { cflags: [flag] } }), 'INVALID_ARGUMENT', flag);
      expectError(await rejection(render(bytes, { frames: 16, compile: { cflags: [flag] } })), 'INVALID_ARGUMENT', flag);
    },
  );

  it('refuses MIDI events for a module that takes no MIDI, as sendMidi does live', async () => {
    const err = await rejection(render(await abi('gain'), { frames: 16, midi: [{ frame: 0, bytes: [0x90, 60, 100] }] }));
    expectError(err, 'INVALID_ARGUMENT', 'the module takes no MIDI (it does not export jw_midi)');
  });

  it('refuses a misspelt option in render(), load() and compile() instead of ignoring it', async () => {
    const bytes = await abi('gain');
    const opts = (o: object) => o as Record<string, never>;
    expectError(await rejection(render(bytes, opts({ frames: 16, sampelRate: 44100 }))), 'INVALID_ARGUMENT', 'render: unknown option "sampelRate" (known: sampleRate, blockSize');
    expectError(await loadError(bytes, opts({ maxframes: 64 })), 'INVALID_ARGUMENT', 'load: unknown option "maxframes"');
    expectError(await rejection(compile(bytes, opts({ cacheDirectory: '/tmp/x' }))), 'INVALID_ARGUMENT', 'compile: unknown option "cacheDirectory"');
    expectError(await rejection(render(bytes, { frames: 16, compile: opts({ cflag: ['-O1'] }) })), 'INVALID_ARGUMENT', 'compile: unknown option "cflag"');
  });
});

describe('a failed load leaves nothing behind', () => {
  it('unregisters the input ports it registered when the given outputs have the wrong count', async () => {
    const bytes = await abi('gain');
    const err = await loadError(bytes, { name: 'leak1', outputs: ['x', 'y'] });
    expectError(err, 'INVALID_ARGUMENT', 'leak1', '1 output(s)', '2 port(s)');
    expect(client.inports.get('leak1_in_1')).toBeUndefined();
  });

  it('unregisters its ports when an initial parameter is unknown, and the name can be loaded again', async () => {
    const bytes = await abi('gain');
    const err = await loadError(bytes, { name: 'leak2', params: { nope: 1 } });
    expectError(err, 'INVALID_ARGUMENT', '"nope"', 'gain');
    const before = portState();
    const m = await client.load(bytes, { name: 'leak2' });
    try {
      expect(portState().server).toEqual([...before.server, `${client.name}:leak2_in_1`, `${client.name}:leak2_out_1`].sort());
    } finally {
      await m.unload();
    }
    expect(portState()).toEqual(before);
  });
});

describe('validation folders', () => {
  it('removes left-overs a day old (a worker terminated mid-validation leaves its folder) and leaves none of its own', async () => {
    const { validationDir, STALE_VALIDATION_MS } = await import('../host/dsp/validate.js');
    const mine = await validationDir();
    const root = dirname(mine);
    rmSync(mine, { recursive: true, force: true });
    const old = join(root, `run-old-${process.pid}`);
    const recent = join(root, `run-recent-${process.pid}`);
    mkdirSync(old);
    mkdirSync(recent);
    const then = (Date.now() - STALE_VALIDATION_MS - 60000) / 1000;
    utimesSync(old, then, then);
    try {
      // A module no cache holds: it is validated.
      await compile(await wat('gain'), { cacheDir: join(work.dir, 'stale-cache') });
      expect(existsSync(old)).toBe(false);
      expect(existsSync(recent)).toBe(true);
      expect(statSync(root).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(recent, { recursive: true, force: true });
    }
  });
});
