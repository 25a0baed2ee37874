/**
 * Audio between JS and the graph when the server goes away: every call and
 * stream ends with SERVER_GONE (not a normal end, not an internal message),
 * and nothing hangs.
 */
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, type Server } from '../host/index.js';
import { rejection } from './helpers/errors.js';
import { startServer, uniqueName, until } from './helpers/jack.js';

let server: Server | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('when the server goes away', () => {
  it('play rejects, streams fail and meters close, each with SERVER_GONE', async () => {
    server = await startServer('server-gone', { period: 256 });
    const client = await Client.open(uniqueName('server-gone'), { serverName: server.name });
    const src = client.outports.register('src');
    const dst = client.inports.register('dst');
    client.activate();
    const playing = client.play([dst], [new Float32Array(256)], { loop: true });
    const reading = client.createReadStream([src]);
    reading.resume();
    const writing = client.createWriteStream([dst]);
    writing.write([new Float32Array(48000 * 5)]);
    const meter = client.meter(src);
    await once(meter, 'level');
    const playFailed = rejection(playing);
    const readFailed = once(reading, 'error');
    const writeFailed = once(writing, 'error');
    await server.stop();
    server = undefined;
    const p = await playFailed;
    expect([p.code, p.message]).toEqual(['SERVER_GONE', `Client.play: the JACK server shut down client "${client.name}"`]);
    const [r] = (await readFailed) as [{ code: string }];
    expect(r.code).toBe('SERVER_GONE');
    const [w] = (await writeFailed) as [{ code: string }];
    expect(w.code).toBe('SERVER_GONE');
    await until(() => !meter.open, 5000, 'the meter to close');
    meter.close();
    await client.close();
  });
});
