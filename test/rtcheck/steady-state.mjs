// Child process for test/realtime.safety.test.ts, run with the checker
// preloaded. Drives every realtime callback the client has (timebase master,
// slow-sync) in steady state and prints the checker's counts as JSON.
import { createRequire } from 'node:module';
import { Client } from '../../dist/host/index.js';

const require = createRequire(import.meta.url);
const native = require('../../build/Release/jackwasm.node');
const serverName = process.env.JW_SERVER;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));

const result = { canary: {} };
for (const kind of ['malloc', 'lock', 'syscall']) {
  const before = native.rtcheck();
  native.rtcheckCanary(kind);
  result.canary[kind] = diff(before, native.rtcheck());
}

const client = await Client.open(`rtcheck-${process.pid}`, { serverName });
client.activate();
client.setTimebase({ bpm: 133, beatsPerBar: 5 });
let syncRequests = 0;
client.setSyncHandler(async () => {
  syncRequests++;
  await sleep(5);
});

async function exercise(ms) {
  const end = Date.now() + ms;
  let frame = 0;
  while (Date.now() < end) {
    client.transportFrame = (frame += 12345);
    client.transportStart();
    await sleep(40);
    client.setTimebase({ bpm: 100 + (frame % 50) });
    client.transportStop();
    await sleep(20);
  }
}

await exercise(500); // warm-up: first-use allocations happen here
const before = native.rtcheck();
await exercise(Number(process.env.JW_SECONDS ?? 1.5) * 1000);
result.steady = diff(before, native.rtcheck());
result.timebaseCalls = client.stats.timebaseCalls;
result.syncRequests = syncRequests;
client.transportStop();
await client.close();
console.log(JSON.stringify(result));
