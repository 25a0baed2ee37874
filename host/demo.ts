/**
 * `npm run demo`: a guided tour of the client API on a live JACK server.
 * (Grows into the DSP demo once the engine lands.)
 */
import type { styleText } from 'node:util';
import { Client } from './client.js';
import { METADATA, getProperty } from './metadata.js';
import { versionString } from './jack.js';

export interface DemoOptions {
  serverName: string;
  seconds: number;
  log: (line: string) => void;
  color: (style: Parameters<typeof styleText>[0], text: string) => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo({ serverName, seconds, log, color }: DemoOptions): Promise<void> {
  const t0 = Date.now();
  const stamp = () => color('dim', `[${((Date.now() - t0) / 1000).toFixed(2)}s]`);
  const heading = (s: string) => log(`\n${color('bold', s)}`);

  heading(`JACK ${versionString()} on server "${serverName}"`);

  // An observer client prints every notification the server sends it.
  await using observer = await Client.open(`jackwasm-observer-${process.pid}`, { serverName });
  const ev = (what: string) => log(`  ${stamp()} ${color('cyan', 'event')} ${what}`);
  observer
    .on('clientRegistration', (name, reg) => ev(`client ${reg ? 'registered' : 'unregistered'}: ${name}`))
    .on('portRegistration', (port, reg) => ev(`port ${reg ? 'registered' : 'unregistered'}: ${port.name}`))
    .on('portConnect', (a, b, on) => ev(`${on ? 'connected' : 'disconnected'}: ${a.name} -> ${b.name}`))
    .on('portRename', (_p, oldName, newName) => ev(`port renamed: ${oldName} -> ${newName}`))
    .on('propertyChange', (subject, key, change) => ev(`property ${change}: ${key || '(all keys)'} on subject ${subject}`))
    .on('blockSize', (n) => ev(`block size ${n}`))
    .on('xrun', (us) => ev(`xrun (${us.toFixed(0)} us late)`))
    .on('shutdown', (_s, reason) => ev(`server shut down: ${reason}`));
  observer.activate();

  heading('A client with ports');
  await using client = await Client.open(`jackwasm-demo-${process.pid}`, { serverName });
  log(`  opened "${client.name}" (uuid ${client.uuid}), ${client.sampleRate} Hz, ${client.blockSize} frames/cycle, realtime: ${client.realtime}`);
  const inL = client.inports.register('in_L');
  const outL = client.outports.register('out_L');
  const midiIn = client.midiInports.register('midi_in');
  client.activate();
  await sleep(100);

  const capture = client.getPorts({ isPhysical: true, isOutput: true, isAudio: true });
  const playback = client.getPorts({ isPhysical: true, isInput: true, isAudio: true });
  if (capture[0]) client.connect(capture[0], inL);
  if (playback[0]) outL.connect(playback[0]);
  await sleep(100);

  outL.shortName = 'out_left';
  outL.setAlias('demo:left');
  client.setProperty(outL, METADATA.PRETTY_NAME, 'Left output');
  await sleep(100);

  heading('The graph');
  for (const p of client.getPorts()) {
    const conns = client.getAllConnections(p).map((c) => c.name);
    const kind = `${p.isAudio ? 'audio' : 'midi'} ${p.isInput ? 'in ' : 'out'}`;
    const pretty = getProperty(p, METADATA.PRETTY_NAME)?.value;
    log(`  ${color('bold', p.name.padEnd(34))} ${color('dim', kind)}${p.isPhysical ? color('dim', ' physical') : ''}${pretty ? ` "${pretty}"` : ''}${conns.length ? ` -> ${conns.join(', ')}` : ''}`);
  }
  log(`  ${outL.name}: aliases ${JSON.stringify(outL.aliases)}, playback latency ${JSON.stringify(outL.getLatencyRange('playback'))} frames`);
  log(`  ${midiIn.name}: ${midiIn.type}, ${midiIn.numberOfConnections} connections`);

  heading('Transport with a native timebase master (BBT computed in the realtime thread)');
  client.setTimebase({ bpm: 120, beatsPerBar: 4, beatType: 4, ticksPerBeat: 1920 });
  client.transportFrame = 0;
  client.transportStart();
  const steps = Math.max(2, Math.round(seconds * 2));
  for (let i = 0; i < steps; i++) {
    await sleep(500);
    if (i === Math.floor(steps / 2)) {
      client.setTimebase({ bpm: 90, beatsPerBar: 3 });
      log(`  ${stamp()} tempo change -> 90 bpm, 3/4`);
    }
    const { state, position: p } = client.transportQuery();
    log(`  ${stamp()} ${state.padEnd(8)} frame ${String(p.frame).padStart(8)}  bar ${p.bar}|${p.beat}|${String(p.tick).padStart(4, '0')}  ${p.beatsPerMinute} bpm ${p.beatsPerBar}/${p.beatType}   dsp load ${client.cpuLoad().toFixed(1)}%`);
  }
  client.transportStop();
  const t = client.getCycleTimes();
  log(`  cycle: frame ${t.currentFrames}, period ${t.periodUsecs.toFixed(0)} us`);

  heading('Cleaning up');
  client.removeProperties(outL);
  client.releaseTimebase();
  await client.close();
  await sleep(150);
  await observer.close();
  log('  done.');
}
