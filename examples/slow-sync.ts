/**
 * slow-sync: make the transport wait until JS is ready.
 *
 * Shows: setSyncHandler. When the transport starts or relocates, JACK asks
 * every slow-sync client whether it is ready; the realtime callback only reads
 * an atomic flag, which the async handler sets when its promise resolves (here
 * after pretending to load 500 ms of audio from disk).
 */
import { Client, ensureServer } from 'jackwasm';

await using server = await ensureServer();
await using client = await Client.open(`slow-sync-${process.pid}`, { serverName: server.name });
client.activate();

const t0 = Date.now();
client.setSyncHandler(async (state, position) => {
  console.log(`sync request: ${state} at frame ${position.frame}; loading...`);
  await new Promise((r) => setTimeout(r, 500));
  console.log(`ready after ${Date.now() - t0} ms`);
});

client.transportFrame = 48000;
client.transportStart();
while (client.transportState !== 'rolling') {
  console.log(`transport is ${client.transportState}`);
  await new Promise((r) => setTimeout(r, 150));
}
console.log(`rolling after ${Date.now() - t0} ms, frame ${client.transportFrame}`);
client.transportStop();
client.setSyncHandler(null);
