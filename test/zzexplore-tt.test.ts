import { it } from 'vitest';
import { Client } from '../host/index.js';
import { startServer, uniqueName, sleep } from './helpers/jack.js';

it('explore', async () => {
  const server = await startServer('explore');
  const a = await Client.open(uniqueName('ex'), { serverName: server.name });
  const b = await Client.open(uniqueName('ex'), { serverName: server.name });
  const log = (...x: unknown[]) => console.log(...x);
  a.activate(); b.activate();
  a.setTimebase({ bpm: 120 });
  await sleep(100);
  log('after tb', JSON.stringify(a.transportQuery()));
  a.setTimebase({ bpm: 90, beatsPerBar: 3 });
  await sleep(200);
  log('after update stopped', JSON.stringify(a.transportQuery()));
  a.transportStart(); await sleep(100);
  log('rolling', JSON.stringify(a.transportQuery()));
  a.setTimebase({ bpm: 60, beatsPerBar: 7 });
  await sleep(100);
  log('rolling upd', JSON.stringify(a.transportQuery()));
  a.transportStop(); await sleep(100);
  log('stopped', JSON.stringify(a.transportQuery()));
  log('b.cond', b.setTimebase({}, { conditional: true }), b.timebase);
  try { b.releaseTimebase(); } catch (e) { log((e as any).code, (e as Error).message); }
  log('b non-cond', b.setTimebase({bpm: 100}), b.timebase, a.timebase);
  await sleep(100);
  log('after takeover', JSON.stringify(a.transportQuery()));
  try { a.releaseTimebase(); log('a released ok'); } catch (e) { log((e as any).code, (e as Error).message); }
  await a.close(); await b.close(); await server.stop();
});
