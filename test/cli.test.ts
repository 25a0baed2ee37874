/**
 * The jackwasm CLI (dist/host/cli.js) against a dummy server, as a user runs it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, isServerRunning, render, type Port, type Server } from '../host/index.js';
import { readSoundFile as readWav, writeSoundFile as writeWav } from '../host/sound-file.js';
import { serverPrefix, startServer, uniqueName, waitForEvent } from './helpers/jack.js';
import { wat } from './helpers/wat.js';

const cli = fileURLToPath(new URL('../dist/host/cli.js', import.meta.url));
let server: Server;

function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runWith({}, ...args);
}

/** Runs the CLI with extra environment variables (JACK_DEFAULT_SERVER). */
function runWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 20000, env: { ...process.env, ...env } }, (error, out, err) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

beforeAll(async () => {
  server = await startServer('cli');
});
afterAll(async () => {
  await server?.stop();
});

describe('jackwasm ports / connect / disconnect', () => {
  it('lists the ports with type and flags', async () => {
    const r = await run('ports', '--server', server.name);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Using the running JACK server "${server.name}".`);
    expect(r.out).toMatch(/^system:capture_1 {2}audio {2}output,physical,terminal$/m);
    expect(r.out).toMatch(/^system:playback_2 {2}audio {2}input,physical,terminal$/m);
  });

  it('connects, reports an existing connection, lists it, and disconnects', async () => {
    expect((await run('connect', 'system:capture_1', 'system:playback_1', '--server', server.name)).out).toContain('connected system:capture_1 -> system:playback_1');
    expect((await run('connect', 'system:capture_1', 'system:playback_1', '--server', server.name)).out).toContain('already connected: system:capture_1 -> system:playback_1');
    expect(JSON.parse((await run('connect', 'system:capture_1', 'system:playback_1', '--json', '--server', server.name)).out)).toEqual({ source: 'system:capture_1', destination: 'system:playback_1', connected: true, changed: false });
    const listed = await run('ports', '--connections', '--server', server.name);
    expect(listed.out).toMatch(/^system:capture_1 .*\n {4}-> system:playback_1$/m);
    expect((await run('disconnect', 'system:capture_1', 'system:playback_1', '--server', server.name)).out).toContain('disconnected system:capture_1 -> system:playback_1');
    expect((await run('disconnect', 'system:capture_1', 'system:playback_1', '--server', server.name)).out).toContain('not connected');
  });

  it('fails with the error code and message for a bad connection', async () => {
    const r = await run('connect', 'system:playback_1', 'system:playback_2', '--server', server.name);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^jackwasm: \[DIRECTION_MISMATCH\] connect: source "system:playback_1" is an input port/);
    const missing = await run('connect', 'system:capture_1', 'nobody:in', '--server', server.name);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('[NO_SUCH_PORT]');
    expect(missing.err).toContain('"nobody:in"');
  });
});

describe('jackwasm transport', () => {
  it('locates, starts and stops the transport', async () => {
    expect((await run('transport', 'locate', '96000', '--server', server.name)).out).toContain('transport stopped at frame 96000');
    expect((await run('transport', 'start', '--server', server.name)).out).toMatch(/transport (rolling|starting) at frame \d+/);
    expect((await run('transport', 'stop', '--server', server.name)).out).toMatch(/transport stopped at frame \d+/);
    const bad = await run('transport', 'locate', '1.5', '--server', server.name);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('usage: jackwasm transport locate FRAME');
  });
});

describe('jackwasm info, help and errors', () => {
  it('prints the JACK version and whether the server runs', async () => {
    const r = await run('info', '--server', server.name);
    expect(r.out).toMatch(/^JACK library 1\.9\.\d+/);
    expect(r.out).toContain(`server "${server.name}": running`);
  });

  it('prints help and exits 1 for an unknown command', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown command "frobnicate"');
    expect(r.err).toContain('Usage: jackwasm <command>');
  });
});

describe('embedded server', () => {
  it('starts an embedded dummy server when no server runs and none was named, says so, and stops it', async () => {
    const name = `${serverPrefix()}cli-embedded-${process.pid}`;
    const r = await runWith({ JACK_DEFAULT_SERVER: name }, 'ports');
    expect(r.code).toBe(0);
    const embedded = /No JACK server "([^"]+)" is running: started an embedded dummy server "([^"]+)"/.exec(r.out);
    expect(embedded?.[1]).toBe(name);
    expect(r.out).toContain('system:capture_1');
    expect(await isServerRunning(name)).toBe(false);
    expect(await isServerRunning(embedded?.[2] as string)).toBe(false);
  });

  it('refuses a --server that is not running instead of starting an empty one', async () => {
    const name = `${serverPrefix()}cli-typo-${process.pid}`;
    for (const args of [['ports'], ['transport', 'status'], ['connect', 'a:b', 'c:d']]) {
      const r = await run(...args, '--server', name);
      expect(r.code).toBe(1);
      // The running servers are listed (this file's among them).
      expect(r.err).toMatch(new RegExp(`^jackwasm: \\[SERVER_NOT_RUNNING\\] no JACK server "${name}" is running \\(running: [^;]*${server.name}[^;]*; start one with \`jackwasm server --name ${name}\`, or leave out --server to use the default server or an embedded one\\)\n$`));
    }
    expect(await isServerRunning(name)).toBe(false);
  });

  it('makes `jackwasm server` without --name the default server that later commands use with no flags', async () => {
    const name = `${serverPrefix()}cli-default-${process.pid}`;
    const env = { JACK_DEFAULT_SERVER: name };
    const child = spawn(process.execPath, [cli, 'server'], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = waitForEvent<[number]>(child, 'exit', () => true, 15000);
    try {
      for (let i = 0; i < 200 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 25));
      expect(out).toContain(`JACK server "${name}" running`);
      expect(out).toContain('It is the default server: jackwasm commands and JACK clients in other terminals use it with no flags.');
      const ports = await runWith(env, 'ports');
      expect(ports.out).toContain(`Using the running JACK server "${name}".`);
      expect((await runWith(env, 'info', '--json')).out).toContain(`"server":{"name":"${name}","running":true}`);
      const again = await runWith(env, 'server');
      expect([again.code, again.err]).toEqual([1, `jackwasm: [SERVER_NAME_IN_USE] a JACK server "${name}" is already running; commands use it as it is (give --name for another one)\n`]);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    expect(await isServerRunning(name)).toBe(false);
  });

  it('runs `jackwasm server` until interrupted', async () => {
    const name = `${serverPrefix()}cli-server-${process.pid}`;
    const child = spawn(process.execPath, [cli, 'server', '--name', name, '--rate', '44100', '--period', '128']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = waitForEvent<[number]>(child, 'exit', () => true, 15000);
    for (let i = 0; i < 200 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(out).toContain(`JACK server "${name}" running (dummy driver, 44100 Hz, 128 frames`);
    expect(await isServerRunning(name)).toBe(true);
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(out).toContain('Server stopped.');
    expect(await isServerRunning(name)).toBe(false);
  });
});

describe('jackwasm render / run', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const example = (name: string) => `${root}build/examples/${name}.wasm`;

  it('renders a module to a 32-bit float WAV equal to render()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jw-cli-render-'));
    try {
      const out = join(dir, 'tone.wav');
      const r = await run('render', example('sine'), '--out', out, '--seconds', '0.5', '--sample-rate', '44100', '--block', '64', '--param', 'frequency=330', '-p', 'level=-3');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`wrote ${out}: 1 channel(s), 22050 frames at 44100 Hz`);
      const out2 = join(dir, 'tone2.wav');
      const j = await run('render', example('sine'), '--out', out2, '--seconds', '0.5', '--sample-rate', '44100', '--json');
      expect(JSON.parse(j.out)).toMatchObject({ file: out2, channels: 1, frames: 22050, sampleRate: 44100, seconds: 0.5, midiEvents: 0 });
      const wav = await readWav(out);
      expect(wav.sampleRate).toBe(44100);
      const [expected] = await render(example('sine'), { sampleRate: 44100, blockSize: 64, frames: 22050, params: { frequency: 330, level: -3 } });
      expect(Array.from(wav.channels[0]!)).toEqual(Array.from(expected!));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('processes an input WAV through an effect compiled from AssemblyScript source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jw-cli-render-'));
    try {
      const input = join(dir, 'in.wav');
      const dry = Float32Array.from({ length: 4800 }, (_, i) => Math.fround(0.25 * Math.sin(i / 7)));
      await writeWav(input, { sampleRate: 48000, channels: [dry] });
      const out = join(dir, 'out.wav');
      const r = await run('render', `${root}examples/dsp/gain.ts`, '--in', input, '--out', out, '--param', 'gain=-6.0206');
      expect(r.code).toBe(0);
      const wet = (await readWav(out)).channels[0]!;
      expect(wet.length).toBe(4800);
      // -6.0206 dB is a factor of 0.5 (within f32 rounding of the dB conversion).
      for (let i = 0; i < 4800; i += 97) expect(wet[i]!).toBeCloseTo(dry[i]! * 0.5, 6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains usage errors', async () => {
    const noOut = await run('render', example('sine'));
    expect(noOut.code).toBe(1);
    expect(noOut.err).toContain('usage: jackwasm render');
    const badParam = await run('render', example('sine'), '--out', '/tmp/x.wav', '--param', 'frequency');
    expect(badParam.code).toBe(1);
    expect(badParam.err).toContain('--param expects name=value');
    const unknown = await run('render', example('sine'), '--out', '/tmp/x.wav', '--param', 'nope=1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('[INVALID_ARGUMENT]');
    expect(unknown.err).toContain('no parameter "nope" (parameters: frequency, level)');
    const missing = await run('render', '/nonexistent/module.wasm', '--out', '/tmp/x.wav');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('cannot read module "/nonexistent/module.wasm"');
  });

  it('refuses a --seconds that is not a positive number of seconds a timer can wait', async () => {
    for (const [cmd, ...args] of [['run', example('sine')], ['dev', example('sine')], ['demo'], ['record', 'system:capture_1', '--out', '/tmp/never.wav']] as string[][]) {
      for (const v of ['0', '-1', 'abc', '1e9', 'Infinity']) {
        const r = await run(cmd as string, ...args, `--seconds=${v}`, '--server', server.name);
        expect([r.code, r.err], `${cmd} --seconds ${v}`).toEqual([1, `jackwasm: [INVALID_ARGUMENT] --seconds must be a positive number of seconds up to 2147483 (24.8 days), got "${v}"\n`]);
      }
    }
  });

  it('names an unknown option, and checks usage before it looks for a server', async () => {
    expect(await run('ports', '--servr', 'x')).toMatchObject({ code: 1, err: 'jackwasm: [INVALID_ARGUMENT] unknown option --servr (jackwasm --help lists the options)\n' });
    const name = `${serverPrefix()}cli-usage-${process.pid}`;
    const r = await runWith({ JACK_DEFAULT_SERVER: name }, 'record', '--out', '/tmp/never.wav');
    expect(r).toMatchObject({ code: 1, out: '', err: 'jackwasm: [INVALID_ARGUMENT] usage: jackwasm record <port...> --out file.wav [--seconds N] [--format f32|f64|s32|s24|s16|u8] [--json]\n' });
  });

  it('fills a module\'s buffer slots from sound files (--buffer), resampled to its rate, and says when they stay empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jw-cli-buffer-'));
    try {
      const wav = join(dir, 'sample.wav');
      await writeWav(wav, { sampleRate: 44100, channels: [Float32Array.from({ length: 4410 }, (_, i) => 0.5 * Math.sin(i / 10))] });
      const song = join(root, 'examples', 'midi', 'demo.mid');
      const out = join(dir, 'sampled.wav');
      const r = await run('render', example('sampler'), '--midi', song, '--buffer', `sample=${wav}`, '--out', out, '--seconds', '2');
      expect(r.code, r.err).toBe(0);
      expect(r.out + r.err).toContain(`note: ${wav} is 44100 Hz; resampled to 48000 Hz for buffer slot "sample"`);
      const peak = (await readWav(out)).channels[0]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(peak).toBeGreaterThan(0.1);
      const silent = await run('render', example('sampler'), '--midi', song, '--out', out, '--seconds', '1');
      expect(silent.out + silent.err).toContain('may take audio in buffer slots (it exports jw_buffer_table); they stay empty (silent) without --buffer SLOT=file.wav');
      expect((await run('render', example('sampler'), '--buffer', 'nofile', '--out', out)).err).toContain('--buffer expects SLOT=FILE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits with status 3 when the module it runs traps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jw-cli-trap-'));
    try {
      const file = join(dir, 'traps.wasm');
      writeFileSync(file, await wat('traps'));
      const r = await run('run', file, '--server', server.name, '--param', 'mode=1', '--seconds', '1');
      expect(r.code, r.out + r.err).toBe(3);
      expect(r.out).toContain('trap: unreachable executed (the module is silent; "reset" brings it back)');
      expect(r.out).toMatch(/stopped after \d+ cycles, \d+ xruns, 1 trap\(s\)/);
      const name = uniqueName('clirun');
      const fine = await run('run', file, '--server', server.name, '--seconds', '0.5', '--name', name);
      expect(fine.code, fine.out + fine.err).toBe(0);
      expect(fine.out).toContain(`running "traps" in client "${name}": inputs none; outputs ${name}:traps_out_1`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a module live, connected, for --seconds, and reports cycles', async () => {
    // A watcher sees the connection --connect-out asked for.
    const watcher = await Client.open(uniqueName('cliwatch'), { serverName: server.name });
    watcher.activate();
    const connected = waitForEvent<[Port, Port, boolean]>(watcher, 'portConnect', (a, b, on) => on && /:sine_out_1$/.test(a.name) && b.name === 'system:playback_1', 15000);
    const r = await run('run', example('sine'), '--server', server.name, '--connect-out', 'system:playback_1', '--param', 'frequency=220', '--seconds', '1');
    await connected;
    await watcher.close();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/running "sine" in client "jackwasm-run-\d+": inputs none; outputs jackwasm-run-\d+:sine_out_1/);
    expect(r.out).toContain('params: frequency=220.000 Hz, level=-20.000 dB');
    const m = /stopped after (\d+) cycles, (\d+) xruns/.exec(r.out);
    expect(m).not.toBeNull();
    // 1 s at 48 kHz / 256 frames is ~187 cycles.
    expect(Number(m![1])).toBeGreaterThan(100);
  });

  it('takes commands on standard input while it runs: set, params, notes, stats, errors, quit', async () => {
    const child = spawn(process.execPath, [cli, 'run', example('synth'), '--server', server.name, '--seconds', '20'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 500 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 20));
      expect(out).toMatch(re);
    };
    await waitFor(/running "synth"/);
    const t0 = performance.now();
    child.stdin.write('set cutoff 800\nset Resonance 2\nparams\nnote 60 90\nwait 0.2\noff 60\nset cutoff loud\nset nope 1\nnote 200\nnote 0x3c\nfrobnicate\nstats extra\nstats\nhelp\n');
    await waitFor(/commands:/);
    child.stdin.write('quit\nset cutoff 500\n');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(10000); // quit, not the 20 s
    expect(out).toContain('cutoff = 800\n');
    expect(out).toContain('resonance = 2\n'); // by its name
    expect(out).toMatch(/^sustain = 0\.7 /m); // f32 shown as its shortest decimal
    expect(out).toContain('note on 60 velocity 90\nnote off 60\n');
    expect(out).toContain('error: note must be an integer in [0, 127], got 0x3c');
    expect(out).toContain('error: stats takes no arguments');
    expect(out).not.toContain('cutoff = 500'); // after quit: ignored
    expect(out).toMatch(/^cutoff = 800 Hz \(20\.\.20000\) "Cutoff"$/m);
    expect(out).toContain('error: value must be a number, got loud');
    expect(out).toContain('error: setParam(synth): no parameter "nope" (parameters: waveform, cutoff,');
    expect(out).toContain('error: note must be an integer in [0, 127], got 200');
    expect(out).toContain('error: unknown command "frobnicate" (help lists them)');
    expect(out).toMatch(/cycles \d+, xruns \d+, DSP load [\d.]+%, module [\d.]+ µs last \/ [\d.]+ µs max, overruns 0, swaps 0, trap none/);
    expect(out).toMatch(/stopped after \d+ cycles/);
  });
});
