/**
 * The jackwasm CLI (dist/host/cli.js) against a dummy server, as a user runs it.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServerRunning, type Server } from '../host/index.js';
import { serverPrefix, startServer, waitForEvent } from './helpers/jack.js';

const cli = fileURLToPath(new URL('../dist/host/cli.js', import.meta.url));
let server: Server;

function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 20000 }, (error, out, err) => {
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
  it('starts an embedded dummy server when none runs, says so, and stops it', async () => {
    const name = `${serverPrefix()}cli-embedded-${process.pid}`;
    const r = await run('ports', '--server', name);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`No JACK server "${name}" is running: started an embedded dummy server "${name}"`);
    expect(r.out).toContain('system:capture_1');
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
