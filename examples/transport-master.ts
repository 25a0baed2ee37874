/**
 * transport-master: be JACK's timebase master and follow the song position.
 *
 * Shows: setTimebase (BBT computed natively in the realtime thread, no JS
 * there), tempo changes from JS, transportStart/Stop, relocation, and
 * transportQuery. Runs for --seconds N (default 3).
 */
import { Client, ensureServer } from 'jackwasm';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;
await using server = await ensureServer();
await using client = await Client.open(`transport-master-${process.pid}`, { serverName: server.name });
client.activate();

client.setTimebase({ bpm: 140, beatsPerBar: 7, beatType: 8, ticksPerBeat: 960 });
client.transportFrame = 0;
client.transportStart();

const print = () => {
  const { state, position: p } = client.transportQuery();
  console.log(`${state} ${p.bar}:${p.beat}:${p.tick} (${p.beatsPerBar}/${p.beatType} @ ${p.beatsPerMinute} bpm, frame ${p.frame})`);
};
const timer = setInterval(print, 250);
await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
client.setTimebase({ bpm: 70 }); // tempo change, applied at the next cycle
client.transportFrame = 8 * client.sampleRate; // jump to 8 s
await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
clearInterval(timer);
client.transportStop();
client.releaseTimebase();
print();
