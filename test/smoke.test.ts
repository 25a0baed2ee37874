import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Server } from '../host/index.js';
import { startServer, uniqueName } from './helpers/jack.js';

let server: Server;
beforeAll(async () => {
  server = await startServer('smoke');
});
afterAll(async () => {
  await server?.stop();
});

describe('smoke', () => {
  it('opens a client', async () => {
    const c = await Client.open(uniqueName('smoke'), { serverName: server.name });
    expect(c.sampleRate).toBe(48000);
    const p = c.outports.register('out');
    c.activate();
    expect(c.connect(p, 'system:playback_1')).toBe(true);
    expect(p.connections.map((x) => x.name)).toEqual(['system:playback_1']);
    await c.close();
  });
});
