/**
 * jackd killed (SIGKILL) while modules run: the client gets its shutdown
 * event, every later call throws SERVER_GONE instead of crashing, modules
 * unload and the client closes cleanly, and a server restarted under the same
 * name serves a new client that runs a module.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Client, compile, Server, Status, type CompiledModule } from '../host/index.js';
import { native } from '../host/native.js';
import { codeOf } from './helpers/errors.js';
import { serverPrefix, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

useTempCache('death');

let server: Server | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('the server dies under running modules', () => {
  it('reports it, refuses further calls with SERVER_GONE, cleans up, and works again on a restarted server', async () => {
    const name = `${serverPrefix()}death-${process.pid}`;
    server = await Server.start({ name, period: 256 });
    const probe: CompiledModule = await compile(await wat('probe'), { name: 'probe' });
    const before = native.runtimeStats();
    const client = await Client.open(uniqueName('death'), { serverName: name });
    client.activate();
    const mods = await Promise.all([1, 2, 3].map((i) => client.load(probe, { name: `p${i}` })));
    await until(() => mods.every((m) => m.cycles > 10), 5000, 'modules running');

    const shutdown = waitForEvent<[Status, string]>(client, 'shutdown');
    process.kill(server.pid, 'SIGKILL');
    const [status] = await shutdown;
    expect(status).toBeInstanceOf(Status);
    await server.stop();

    expect(codeOf(() => client.sampleRate)).toBe('SERVER_GONE');
    expect(codeOf(() => mods[0]!.setParam('value', 1))).toBe('SERVER_GONE');
    expect(codeOf(() => client.outports.register('x'))).toBe('SERVER_GONE');
    // Unloading needs no server: nothing runs the modules any more.
    await mods[0]!.unload();
    await client.close();
    expect(codeOf(() => mods[1]!.setParam('value', 1))).toBe('MODULE_UNLOADED');
    const after = native.runtimeStats();
    expect(after.memories).toBe(before.memories);

    server = await Server.start({ name, period: 256 });
    const again = await Client.open(uniqueName('death2'), { serverName: name });
    again.activate();
    const m = await again.load(probe, { name: 'again' });
    const rec = await again.record([m.outputs[1]!], { frames: 1024 });
    expect(rec.channels[0]!.every((x) => x === 0.25)).toBe(true);
    await again.close();
    await server.stop();
    server = undefined;
  });
});
