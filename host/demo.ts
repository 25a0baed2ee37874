/**
 * `npm run demo`: a guided tour of the client API on a live JACK server,
 * then the showcase (host/demo-live.ts): a MIDI piece through a synth and a
 * tempo-synced delay running as WebAssembly in the realtime thread, with the
 * synth's code hot-swapped mid-piece.
 */
import type { styleText } from 'node:util';
import { Client } from './client.js';
import type { OwnPort } from './port.js';
import { METADATA, getProperty } from './metadata.js';
import { versionString } from './jack.js';
import { join } from 'node:path';
import { packageRoot } from './native.js';
import { render } from './dsp/render.js';
import { compile } from './dsp/compile.js';
import { readFile } from 'node:fs/promises';
import { runLiveDemo, startVariantBuild } from './demo-live.js';

export interface DemoOptions {
  serverName: string;
  seconds: number;
  log: (line: string) => void;
  color: (style: Parameters<typeof styleText>[0], text: string) => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo({ serverName, seconds, log, color }: DemoOptions): Promise<void> {
  const t0 = Date.now();
  const variant = startVariantBuild(); // the showcase's edited synth, built meanwhile
  const stamp = () => color('dim', `[${((Date.now() - t0) / 1000).toFixed(2)}s]`);
  const heading = (s: string) => log(`\n${color('bold', s)}`);

  heading(`JACK ${versionString()} on server "${serverName}"`);

  // An observer client prints every notification the server sends it.
  await using observer = await Client.open(`jackwasm-observer-${process.pid}`, { serverName });
  // (The temporary ports of client.record, which the meters use, are not news.)
  const ev = (what: string) => {
    if (!/:record_\d+_\d+/.test(what)) log(`  ${stamp()} ${color('cyan', 'event')} ${what}`);
  };
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

  client.releaseTimebase();

  heading('WebAssembly DSP in the realtime thread (compiled ahead of time with wasm2c)');
  const example = async (name: string) => {
    const c = await compile(new Uint8Array(await readFile(join(packageRoot(), 'build', 'examples', `${name}.wasm`))), { name });
    log(`  ${name}.wasm: ${c.cached ? 'from the compile cache' : 'compiled'} in ${c.compileMs.toFixed(0)} ms`);
    return c;
  };
  const [sineWasm, filterWasm, synthWasm] = [await example('sine'), await example('biquad'), await example('synth')];
  const sine = await client.load(sineWasm, { name: 'sine', params: { frequency: 110, level: -6 } });
  const filter = await client.load(filterWasm, { name: 'filter', params: { cutoff: 200, q: 8 } });
  const [tone] = sine.outputs as [OwnPort];
  for (const input of filter.inputs) client.connect(tone, input);
  filter.outputs.forEach((p, i) => {
    const speaker = playback[i];
    if (speaker) client.connect(p, speaker);
  });
  log(`  ${sine.outputs[0]?.name} -> ${filter.inputs.map((p) => p.name).join(' + ')} -> ${playback.map((p) => p.name).join(', ')}`);
  const meter = (x: Float32Array) => {
    let sum = 0;
    for (const v of x) sum += v * v;
    const db = 10 * Math.log10(sum / Math.max(1, x.length) + 1e-12);
    const bars = Math.max(0, Math.min(30, Math.round((db + 60) / 2)));
    return `${'█'.repeat(bars)}${'░'.repeat(30 - bars)} ${db.toFixed(1).padStart(6)} dBFS`;
  };
  const sweep = [200, 400, 800, 1600, 3200, 110];
  for (const cutoff of sweep.slice(0, Math.max(2, Math.min(sweep.length, Math.round(seconds))))) {
    filter.setParam('cutoff', cutoff); // lock-free, applied at the next block
    const rec = await client.record([filter.outputs[0] as OwnPort], { seconds: 0.25 });
    log(`  ${stamp()} cutoff ${String(cutoff).padStart(5)} Hz  ${meter(rec.channels[0] as Float32Array)}`);
  }
  log(`  dsp load ${client.cpuLoad().toFixed(1)}%; the filter ran ${filter.cycles} cycles`);
  await filter.reset();
  log(`  ${stamp()} filter.reset(): a fresh instance was built off the audio thread and swapped in (cutoff kept: ${filter.getParam('cutoff')} Hz)`);
  // The synth, live, played from JS with sample-exact MIDI timing.
  const synth = await client.load(synthWasm, { name: 'synth', params: { cutoff: 1200, resonance: 3 } });
  synth.outputs.forEach((p, i) => {
    const speaker = playback[i];
    if (speaker) client.connect(p, speaker);
  });
  const beat = Math.round(client.sampleRate / 8);
  const t0frame = client.lastFrameTime + 4 * client.blockSize;
  [48, 55, 60, 63, 67, 72].forEach((note, i) => {
    synth.sendMidi([0x90, note, 100], { frame: t0frame + i * beat });
    synth.sendMidi([0x80, note, 0], { frame: t0frame + i * beat + Math.round(beat * 0.8) });
  });
  const played = await client.record([synth.outputs[0] as OwnPort], { seconds: 0.8 });
  log(`  ${stamp()} live synth, 6 notes sent from JS at exact frames   ${meter(played.channels[0] as Float32Array)}`);
  await synth.unload();
  const t1 = Date.now();
  const [synthOut] = await render(synthWasm, {
    seconds: 2,
    params: { cutoff: 900, resonance: 4 },
    midi: [48, 55, 60, 63].flatMap((note, i) => [
      { frame: i * 24000, bytes: [0x90, note, 100] },
      { frame: i * 24000 + 18000, bytes: [0x80, note, 0] },
    ]),
  });
  log(`  offline: rendered 2 s of the MIDI synth in ${Date.now() - t1} ms (same engine code as live)  ${meter(synthOut as Float32Array)}`);
  await sine.unload();
  await filter.unload();

  heading('Live DSP: a MIDI piece through a synth and a tempo-synced delay, the synth hot-swapped mid-piece');
  await runLiveDemo({ client, variant, seconds: Math.max(3, seconds), playback, log, color, stamp });

  heading('Cleaning up');
  client.removeProperties(outL);
  await client.close();
  await sleep(150);
  await observer.close();
  log('  done.');
}
