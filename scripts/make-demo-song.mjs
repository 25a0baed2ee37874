// Writes examples/midi/demo.mid: the short piece `npm run demo` and the
// README play (8 bars at 112 bpm, then 4 at 132: chords and an arpeggio on
// channel 1). Run it again after changing it: node scripts/make-demo-song.mjs
import { writeFileSync } from 'node:fs';
import { writeMidi } from 'midi-file';

const ppq = 480;
const events = []; // [tick, event]
const note = (tick, len, n, vel = 96) => {
  events.push([tick, { type: 'noteOn', channel: 0, noteNumber: n, velocity: vel }]);
  events.push([tick + len, { type: 'noteOff', channel: 0, noteNumber: n, velocity: 0 }]);
};
const chords = [[57, 60, 64], [53, 57, 60], [48, 52, 55], [55, 59, 62]]; // Am F C G
let bar = 0;
for (let rep = 0; rep < 3; rep++) {
  for (const c of chords) {
    const t = bar * 4 * ppq;
    for (const n of c) note(t, 4 * ppq - 60, n - 12, 70);
    // An arpeggio over it in eighths.
    const up = [...c, c[0] + 12, c[1] + 12, c[2] + 12, c[0] + 24, c[2] + 12];
    up.forEach((n, i) => note(t + i * (ppq / 2), ppq / 2 - 40, n, 90 + (i % 2) * 20));
    bar++;
  }
}
events.push([8 * 4 * ppq, { type: 'setTempo', microsecondsPerBeat: Math.round(60e6 / 132) }]);
events.push([0, { type: 'setTempo', microsecondsPerBeat: Math.round(60e6 / 112) }]);
events.sort((a, b) => a[0] - b[0] || (a[1].type === 'noteOff' ? -1 : 1));
let last = 0;
const track = [{ deltaTime: 0, meta: true, type: 'trackName', text: 'jackwasm demo' }];
for (const [tick, e] of events) {
  track.push({ deltaTime: tick - last, ...e });
  last = tick;
}
track.push({ deltaTime: ppq, meta: true, type: 'endOfTrack' });
const bytes = writeMidi({ header: { format: 0, numTracks: 1, ticksPerBeat: ppq }, tracks: [track] });
writeFileSync(new URL('../examples/midi/demo.mid', import.meta.url), Buffer.from(bytes));
console.log(`wrote examples/midi/demo.mid: ${events.length} events, ${bytes.length} bytes`);
