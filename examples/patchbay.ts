/**
 * patchbay: watch the JACK graph and keep it patched.
 *
 * Shows: getPorts filters, connect/disconnect, and graph events. Every
 * physical capture port is routed to the matching playback port, and any
 * audio client that appears later gets its outputs wired to the speakers.
 * Runs for --seconds N (default 3), using the running server or an embedded one.
 */
import { Client, ensureServer } from 'jackwasm';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;
await using server = await ensureServer();
await using patchbay = await Client.open(`patchbay-${process.pid}`, { serverName: server.name });
patchbay.activate();

const speakers = patchbay.getPorts({ isPhysical: true, isInput: true, isAudio: true });
function patch(): void {
  for (const out of patchbay.getPorts({ isOutput: true, isAudio: true, isPhysical: false })) {
    if (patchbay.owns(out)) continue;
    // Left/right by trailing digit parity; anything else goes to the first speaker.
    const n = Number(/(\d+)$/.exec(out.shortName)?.[1] ?? 1);
    const target = speakers[(n - 1) % speakers.length];
    if (target && patchbay.connect(out, target)) console.log(`patched ${out.name} -> ${target.name}`);
  }
}
patchbay.on('portRegistration', (port, registered) => {
  console.log(`${registered ? '+' : '-'} ${port.name}`);
  // Events arrive on the main thread, so calling back into JACK here is fine.
  if (registered) patch();
});
patchbay.on('portConnect', (a, b, on) => console.log(`${on ? 'connected' : 'disconnected'} ${a.name} -> ${b.name}`));

// A synth appears with two outputs: the patchbay wires them up.
await using synth = await Client.open(`synth-${process.pid}`, { serverName: server.name });
synth.outports.register('out_1');
synth.outports.register('out_2');
synth.activate();

await new Promise((r) => setTimeout(r, seconds * 1000));
for (const p of synth.outports) console.log(`${p.name} is connected to ${p.connections.map((c) => c.name).join(', ') || 'nothing'}`);
