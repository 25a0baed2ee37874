/**
 * The CLI's Faust, panel, OSC and JSON-events options: `render x.dsp
 * --voices`, `run --json --ui --osc`, and `jackwasm panel` finding the panel
 * of a run in another process.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { render, type Server } from '../host/index.js';
import { readSoundFile } from '../host/sound-file.js';
import { startServer, until } from './helpers/jack.js';
import { useTempCache, useTempDir } from './helpers/temp.js';

// Faust compiles (faustwasm, asc, wasm-merge, cc) take tens of seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const cli = fileURLToPath(new URL('../dist/host/cli.js', import.meta.url));
const dsp = (name: string) => join(import.meta.dirname, 'faust', name);
let server: Server;
const tmp = useTempDir('cli-panel');
useTempCache('cli-panel');

function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 120000, env: process.env }, (error, out, err) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

beforeAll(async () => {
  server = await startServer('clipanel');
});
afterAll(async () => {
  await server?.stop();
});

describe('jackwasm with Faust programs', () => {
  it('renders a .dsp like render() does, and --voices makes a polyphonic program monophonic', async () => {
    const out = join(tmp.dir, 'osc.wav');
    const r = await run('render', dsp('osc.dsp'), '--out', out, '--seconds', '0.1', '--param', 'freq=880');
    expect([r.code, r.err]).toEqual([0, '']);
    const wav = await readSoundFile(out);
    const expected = await render(dsp('osc.dsp'), { frames: 4800, params: { freq: 880 } });
    expect(Array.from(wav.channels[0]!)).toEqual(Array.from(expected[0]!));
    // Monophonic: freq/gate/gain are parameters; gate=1 sounds without MIDI.
    const mono = await run('render', dsp('poly.dsp'), '--out', join(tmp.dir, 'mono.wav'), '--seconds', '0.1', '--voices', '0', '--param', 'gate=1');
    expect(mono.code).toBe(0);
    expect(Math.max(...(await readSoundFile(join(tmp.dir, 'mono.wav'))).channels[0]!.map(Math.abs))).toBeGreaterThan(0.2);
    const bad = await run('render', dsp('osc.dsp'), '--out', join(tmp.dir, 'x.wav'), '--voices', 'many');
    expect(bad.err).toContain('--voices must be an integer in [0, 128], got "many"');
  }, 120_000);
});

describe('jackwasm run --json --ui --osc, and jackwasm panel', () => {
  it('prints JSON events, serves a panel that `jackwasm panel` lists, and stops cleanly', async () => {
    const child = spawn(process.execPath, [cli, 'run', dsp('osc.dsp'), '--server', server.name, '--json', '--ui', '--osc', '0', '--seconds', '60', '--name', `clipanel-run-${process.pid}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await until(() => out.includes('"event":"running"'), 60000, 'the running event');
    const running = JSON.parse(out.split('\n').find((l) => l.includes('"running"'))!) as { client: string; panel: string; osc: number; params: Record<string, number>; outputs: string[] };
    expect(running.client).toBe(`clipanel-run-${process.pid}`);
    expect(running.params).toEqual({ freq: 440, gain: 0.5 });
    expect(running.outputs).toEqual([`${running.client}:osc_out_1`]);
    expect(running.osc).toBeGreaterThan(0);
    expect(running.panel).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
    // Another process finds the panel.
    const listed = await run('panel', running.client, '--json');
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ client: running.client, url: running.panel, pid: child.pid })]);
    const page = await fetch(running.panel);
    expect(page.status).toBe(200);
    const missing = await run('panel', 'no-such-client');
    expect([missing.code, missing.err]).toEqual([1, expect.stringContaining('no control panel for client "no-such-client"')]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const last = JSON.parse(out.trim().split('\n').at(-1)!) as { event: string; exitCode: number; cycles: number };
    expect([last.event, last.exitCode]).toEqual(['stopped', 0]);
    expect(last.cycles).toBeGreaterThan(0);
    // The panel's record went with its process.
    expect(JSON.parse((await run('panel', '--json')).out)).not.toContainEqual(expect.objectContaining({ client: running.client }));
  }, 120_000);

  it('refuses an --osc that is not a port number', async () => {
    const r = await run('run', dsp('osc.dsp'), '--server', server.name, '--osc', '70000', '--seconds', '1');
    expect([r.code, r.err.trim()]).toEqual([1, 'jackwasm: [INVALID_ARGUMENT] --osc must be a port number in [0, 65535] (0: any free port), got "70000"']);
  });
});
