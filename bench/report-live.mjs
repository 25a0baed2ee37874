// Sections of docs/benchmarks.md for the live side: host overhead,
// polyphony, offline render, the compile pipeline and live coding, streams
// and buffers, netjack2. Same shape as report-sections.mjs.
import { median } from './common.mjs';
import { groupedBars, lines } from './report-charts.mjs';
import { f, measuredOn, missing, pct, table } from './report-sections.mjs';


export function hostOverhead(r) {
  if (!r) return missing('host-overhead');
  const rows = [];
  const chartRows = [];
  const targets = [];
  for (const p of r.results) {
    const periodNs = (p.period / 48000) * 1e9;
    for (const n of ['0', '1', '8', '32']) {
      const x = p.rows[n];
      rows.push([`${p.period} frames, ${n} stage${n === '1' ? '' : 's'}`, f(x.c, 0), f(x.cPrivate, 0), f(x.jackwasm, 0), f(x.ratio ?? x.jackwasm / x.c), `${f((x.jackwasm / periodNs) * 100, 3)}%`, pct(x.spread.jackwasm)]);
      for (const [peer, v] of [['native C client', x.c], ['C, private memories', x.cPrivate], ['jackwasm', x.jackwasm]]) chartRows.push({ x: Number(n), peer, value: v, period: `${p.period} frames` });
    }
    const share = p.rows['32'].jackwasm / periodNs;
    targets.push({ what: `Host overhead: 32 pass-through modules under 1% of the period at ${p.period} frames`, measured: `${f(share * 100, 2)}% (${f(p.rows['32'].jackwasm / 1000, 1)} µs; C ${f(p.rows['32'].c / 1000, 1)} µs)`, met: share < 0.01 });
  }
  const per = r.results.map((p) => `${p.period} frames: ${[1, 8, 32].map((n) => `${f(p.perStage.jackwasm[n], 0)} ns at ${n}`).join(', ')} (C: ${[1, 8, 32].map((n) => f(p.perStage.c[n], 0)).join(', ')}; C with private memories: ${[1, 8, 32].map((n) => f(p.perStage.cPrivate[n], 0)).join(', ')})`);
  return {
    markdown: `**What.** What the host costs per cycle: an empty pass-through chain of 0, 1, 8 and 32 stages, at 64 and 1024 frames, on a live dummy jackd2.

**How.** jackwasm's stages are modules whose \`jw_process\` does nothing (input and output share one buffer), so what is measured is the host: port
buffers, the copies into and out of each module's memory, the call, the scheduler. The peers are native C clients doing the same chain
(bench/peers/passthrough.c): one \`memcpy\` per stage, and (*C, private memories*) the least any sandboxed engine does: a copy into a private
wasm-like memory per stage, a call through a pointer, a copy out. All time their process callback with the CPU's cycle counter: the C clients
the whole callback, jackwasm its engine's part (everything but the transport query and \`jack_last_frame_time\` before it, a fraction of a
microsecond); mean ns per cycle, median of ${r.runs} runs of ${r.seconds} s (jackwasm/C: the median of per-round ratios, the peers running back to back). Per stage, (t(N) − t(0)) / N: ${per.join('; ')}.

**Reproduce.** \`npm run bench -- host-overhead\`.

${table(['case', 'C ns/cycle', 'C, private ns/cycle', 'jackwasm ns/cycle', 'jackwasm/C', 'share of the period', 'noise'], rows)}

![Host overhead](images/bench-host-overhead.png)

${measuredOn(r)}`,
    charts: [{ file: 'bench-host-overhead.png', spec: lines({ title: 'Host overhead: ns per cycle for a chain of N pass-through stages', subtitle: 'jackwasm modules vs native C clients doing the same copies, on a dummy jackd2', rows: chartRows, xTitle: 'stages', valueTitle: 'ns per cycle', peers: ['native C client', 'C, private memories', 'jackwasm'], width: 760, column: { field: 'period', title: null, sort: r.results.map((p) => `${p.period} frames`) } }) }],
    targets,
  };
}

export function polyphony(r) {
  if (!r) return missing('polyphony');
  const rows = r.results.map((x) => [`${x.voices} voices`, f(x.engineNsPerVoiceBlock, 1), f(x.cNsPerVoiceBlock, 1), f(x.ratio), String(x.voicesAt50.engine), String(x.voicesAt50.c), `${f(100 / x.ratio, 0)}%`, pct(x.spread?.engine), f(x.rms.engine, 4)]);
  const worst = Math.min(...r.results.map((x) => 1 / x.ratio));
  return {
    markdown: `**What.** How many voices of a synth fit in 50% of a 64-frame period at 48 kHz (667 µs): the SDK's poly synth (examples/dsp/poly.ts) against the
same voice DSP in native C (bench/peers/poly.c, same output level). The voice counts are the 667 µs budget divided by the cost of a voice
measured with 8, 32 and 64 voices sounding (an extrapolation, not a run with that many voices).

**How.** The example is built with N voices, N notes held; the engine runs it through its offline block loop (the live scheduler's code), C through
the same loop shape; ns per voice per 64-frame block, and the voices that fit in 667 µs. ${r.seconds} s per run, medians of ${r.runs}; engine/C
is the median of per-round ratios (the two run back to back).

**Reproduce.** \`npm run bench -- polyphony\`.

${table(['case', 'engine ns/voice/block', 'C ns/voice/block', 'engine/C', 'engine voices in 50%', 'C voices in 50%', 'engine voices / C voices', 'noise', 'RMS'], rows)}

![Polyphony](images/bench-polyphony.png)

${measuredOn(r)}`,
    charts: [{ file: 'bench-polyphony.png', spec: groupedBars({ title: 'Polyphony: voices that fit in 50% of a 64-frame period (higher is better)', subtitle: 'the SDK poly synth in jackwasm vs the same voice DSP in native C', rows: r.results.flatMap((x) => [{ case: `built with ${x.voices} voices`, peer: 'jackwasm (SDK poly synth)', value: x.voicesAt50.engine }, { case: `built with ${x.voices} voices`, peer: 'native C', value: x.voicesAt50.c }]), caseTitle: null, valueTitle: 'voices', peers: ['jackwasm (SDK poly synth)', 'native C'], format: 'd' }) }],
    targets: [{ what: 'Polyphony: at least 90% of native C’s voices at 64 frames', measured: `${f(worst * 100, 0)}% at worst`, met: worst >= 0.9 }],
  };
}

export function render(r) {
  if (!r) return missing('render');
  const keys = ['render', 'engine', 'v8', 'webAudio'];
  const peers = ['jackwasm render()', 'engine block loop', 'V8 loop (same .wasm)', 'OfflineAudioContext + AudioWorklet'];
  const rows = r.results.map((x) => [x.module, ...keys.map((k) => f(x.xRealtime[k], 0)), f(x.ratios.renderToEngine), f(x.ratios.renderToWebAudio, 1)]);
  const minOf = (k) => Math.min(...r.results.map((x) => x.ratios[k]));
  return {
    markdown: `**What.** Offline rendering speed, in multiples of realtime (higher is better): the demo piece (examples/midi/demo.mid through the poly synth
with the settings \`npm run demo\` plays it with, looped to the length), the SDK's example synth playing four notes a second, and the 16-voice synth
kernel.

**How.** jackwasm's public \`render()\` (instantiation included), the engine's own block loop inside it, a direct V8 loop over the same \`.wasm\`, and
node-web-audio-api's \`OfflineAudioContext\` with an \`AudioWorklet\` running the same \`.wasm\` (bench/peers/wasm-worklet.js). ${r.seconds} s of audio
at 48 kHz in 128-frame blocks, the same notes and parameter values for all; median of ${r.runs} interleaved runs. Every peer writes into
freshly allocated output arrays, as \`render()\` does (${f((r.seconds * 48000 * 4) / 2 ** 20, 0)} MiB per channel): on these VMs the first-touch page
faults of those arrays are a large share of every figure, which is why the V8 loop can come out ahead of the engine loop here. The DSP alone
is compared in sections 1 and 1b.

**Reproduce.** \`npm run bench -- render\`.

${table(['module', 'render() ×', 'engine loop ×', 'V8 loop ×', 'OfflineAudioContext ×', 'render/engine', 'render/OAC'], rows)}

![Offline render](images/bench-render.png)

${measuredOn(r)}`,
    charts: [{ file: 'bench-render.png', spec: groupedBars({ title: 'Offline render: × realtime (log scale, higher is better)', subtitle: 'the same .wasm through jackwasm render(), V8, and Web Audio (node-web-audio-api)', rows: r.results.flatMap((x) => keys.map((k, i) => ({ case: x.module, peer: peers[i], value: x.xRealtime[k] }))), caseTitle: null, valueTitle: '× realtime', peers, log: true, floor: 10, format: '.0f', width: 760 }) }],
    targets: [
      { what: 'Render: render() at least 95% of the engine loop', measured: `${f(minOf('renderToEngine') * 100, 0)}% at worst`, met: minOf('renderToEngine') >= 0.95 },
      { what: 'Render: render() at least 2× OfflineAudioContext', measured: `${f(minOf('renderToWebAudio'), 1)}× at worst`, met: minOf('renderToWebAudio') >= 2 },
    ],
  };
}

export function compileAndLive(c, live) {
  if (!c && !live) return missing('compile live-coding');
  const parts = [];
  const charts = [];
  const targets = [];
  if (c) {
    const rows = c.results.map((x) => [`\`${x.module.replace('.wasm', '')}\``, String(x.bytes), f(x.missMs, 0), f(x.hitMs, 2), f(x.v8TurbofanMs, 1), f(x.v8DefaultMs, 1)]);
    parts.push(`### Compile cache

**What.** What loading a module costs: a cache miss (validation, wasm2c, the C compiler) and a hit (the cached shared object, in a fresh process),
per example module by size; against V8 compiling the same module whole with its optimising compiler (TurboFan, as jackwasm compiles ahead of
time) and V8's default (Liftoff, lazily: most code compiled later, on first call), each in a fresh process. Median of ${c.runs}.

**Reproduce.** \`npm run bench -- compile\`.

${table(['module', 'wasm bytes', 'miss ms', 'hit ms', 'V8 TurboFan ms', 'V8 default ms'], rows)}

![Compile cache](images/bench-compile.png)

${measuredOn(c)}`);
    charts.push({ file: 'bench-compile.png', reproduce: 'compile', spec: lines({ title: 'Compile time by module size (ms, log scale)', subtitle: 'jackwasm cache miss and hit vs V8 (TurboFan whole module; default lazy Liftoff)', rows: c.results.flatMap((x) => [['jackwasm miss', x.missMs], ['jackwasm hit', x.hitMs], ['V8 TurboFan', x.v8TurbofanMs], ['V8 default', x.v8DefaultMs]].filter(([, v]) => v !== undefined).map(([peer, value]) => ({ x: x.bytes / 1024, peer, value }))).sort((a, b) => a.x - b.x), xTitle: 'module size, KiB', valueTitle: 'ms', peers: ['jackwasm miss', 'jackwasm hit', 'V8 TurboFan', 'V8 default'], logY: true }) });
    const missMed = median(c.results.map((x) => x.missMs));
    const hitMax = Math.max(...c.results.map((x) => x.hitMs));
    targets.push({ what: 'Compile: a cache hit under 3 ms in a fresh process', measured: `${f(hitMax, 2)} ms at worst`, met: hitMax < 3 });
    targets.push({ what: 'Compile: a cache miss under 400 ms (median over the examples)', measured: `${f(missMed, 0)} ms`, met: missMed < 400 });
  }
  if (live) {
    const e = live.editToAudibleMs;
    const row = (name, x) => [name, f(x.miss.median, 0), f(x.hit.median, 0), x.singleTier ? f(x.singleTier.median, 0) : '–', f(x.missOptimized.median, 0), f(x.handOverMs, 1), f(x.compileMs.miss, 0)];
    parts.push(`### Live coding

**What.** Edit-to-audible time of \`jackwasm dev\` (watchModule): from a saved edit to the audio thread running the new code, with the compilers warm,
on an embedded dummy server; and the swap's hand-over alone.

**How.** Each edit changes a constant in a copy of the example and saves it; the time runs from the file's modification time until the engine reports
the new code playing. *Miss*: new code (AssemblyScript -O0, wasm2c, the C compiler on the pieces the edit changed: the fast tier); *hit*: alternating
between two versions already built (undo); the peer is the same edits with one tier (the optimised build only); *optimised*: when the optimised
build, made behind the fast one, is swapped in. *Hand-over*: load and swap alone. Median of ${live.runs} edits.

**Reproduce.** \`npm run bench -- live-coding\`.

${table(['module', 'miss ms', 'hit (undo) ms', 'one tier ms', 'optimised build in ms', 'hand-over ms', 'compile ms'], [row('examples/dsp/synth.ts', e.synth), row('examples/dsp/poly.ts', e.poly)])}

![Live coding](images/bench-live-coding.png)

${measuredOn(live)}`);
    const peers = ['fast tier (miss)', 'cache hit (undo)', 'one tier (peer)'];
    charts.push({ file: 'bench-live-coding.png', reproduce: 'live-coding', spec: groupedBars({ title: 'Edit-to-audible time of jackwasm dev (ms, lower is better)', subtitle: 'a saved edit until the audio thread runs it; the dashed line is the 500 ms target', rows: [['synth', e.synth], ['poly', e.poly]].flatMap(([m, x]) => [{ case: m, peer: peers[0], value: x.miss.median }, { case: m, peer: peers[1], value: x.hit.median }, ...(x.singleTier ? [{ case: m, peer: peers[2], value: x.singleTier.median }] : [])]), caseTitle: null, valueTitle: 'ms', peers, rule: { value: 500, label: 'target' }, format: '.0f' }) });
    targets.push({ what: 'Live coding: edit-to-audible under 500 ms (example synth, median)', measured: `${f(e.synth.miss.median, 0)} ms (poly ${f(e.poly.miss.median, 0)} ms; one tier ${e.synth.singleTier ? f(e.synth.singleTier.median, 0) : '–'} ms)`, met: e.synth.miss.median < 500 });
  }
  return { markdown: parts.join('\n\n'), charts, targets };
}

export function streams(s, b) {
  if (!s && !b) return missing('streams buffers');
  const parts = [];
  const charts = [];
  const targets = [];
  if (s) {
    const ch = s.read.map((x) => x.channels);
    const rows = ch.map((n) => {
      const rd = s.read.find((x) => x.channels === n), wr = s.write.find((x) => x.channels === n);
      return [`${n} channel${n > 1 ? 's' : ''}`, f(rd.realtime48k, 0), f(rd.c?.realtime48k, 0), f(rd.ratioToC), f(wr?.realtime48k, 0), f(wr?.c?.realtime48k, 0), f(wr?.ratioToC)];
    });
    const play = s.playLatency.map((p) => [`period ${p.period} (${p.periodMs} ms)`, String(p.toFirstFrame.cyclesAfterCall), String(p.toFirstFrame.frames), f(p.toFirstFrame.ms, 2), `${p.toFirstFrame.minFrames} … ${p.toFirstFrame.maxFrames}`, f(p.toResolvedMs, 1)]);
    const files = s.files.map((x) => [`${x.format === 'f32' ? 'float' : '16-bit'} stereo WAV, ${x.audioSeconds} s`, String(x.writeX), x.wavefile ? String(x.wavefile.writeX) : '–', String(x.readX), x.wavefile ? String(x.wavefile.readX) : '–']);
    parts.push(`### Streams and sound files

**What.** Audio between JavaScript and the graph, and sound files: how fast a read stream takes audio from the graph (and a write stream feeds it
in), as a multiple of realtime at 48 kHz, with the server freewheeling as fast as it can (so the server drops, and counts, what a reader does
not take in time: the rate is what arrived); how soon \`play()\` is heard; how fast WAV files are written and read.

**How.** Streams run with the server freewheeling, so JavaScript is the only limit (a period of 1024), for ${s.seconds} s, median of ${s.runs}. The
peer is a native C client moving the same audio through a \`jack_ringbuffer\` to and from its main thread in the same blocks of 8192 frames
(bench/peers/stream.c, on the same server, interleaved): the floor of what a client can do with a consumer thread. \`play()\` latency: from the call to the first
frame at the port, and to its promise resolving after the last frame, median of ${s.runs}. *Cycles after the call* counts from the cycle running
at the call; *frames after the call* from JACK's estimate of the current frame (\`frameTime\`), which runs ahead of the cycles when the server
is behind (after xruns), so it can read negative. Sound files: libsndfile through \`SoundFileWriter\` /
\`SoundFileReader\` in 64k-frame chunks (memory stays constant), against npm \`wavefile\` (pure JS, the whole file in memory) on the same samples.

**Reproduce.** \`npm run bench -- streams\`.

${table(['channels', 'read stream ×', 'C peer read ×', 'read/C', 'write stream ×', 'C peer write ×', 'write/C'], rows)}

${table(['play()', 'first frame: cycles after the call', 'frames after the call', 'ms', 'range (frames)', 'ms to resolved'], play)}

${table(['file', 'jackwasm write ×', 'wavefile write ×', 'jackwasm read ×', 'wavefile read ×'], files)}

![Streams](images/bench-streams.png)

${measuredOn(s)}`);
    const peers = ['jackwasm read stream', 'C peer, read', 'jackwasm write stream', 'C peer, write'];
    const at = (list, n) => list.find((x) => x.channels === n);
    charts.push({ file: 'bench-streams.png', spec: groupedBars({ title: 'Streams: × realtime at 48 kHz (log scale, higher is better)', subtitle: 'JS streams vs a native C client with a jack_ringbuffer, the server freewheeling, by channel count', rows: ch.flatMap((n) => [[peers[0], at(s.read, n)?.realtime48k], [peers[1], at(s.read, n)?.c?.realtime48k], [peers[2], at(s.write, n)?.realtime48k], [peers[3], at(s.write, n)?.c?.realtime48k]].filter(([, v]) => v !== undefined).map(([peer, value]) => ({ case: `${n} ch`, peer, value }))), caseTitle: null, valueTitle: '× realtime', peers, log: true, floor: 1, format: '.0f', width: 760 }) });
    const min64 = Math.min(...[...s.read, ...s.write].map((x) => x.realtime48k));
    targets.push({ what: 'Streams: every channel count up to 64 faster than realtime, read and write', measured: `${f(min64, 0)}× at worst`, met: min64 > 1 });
    const wf = s.files.filter((x) => x.wavefile);
    if (wf.length) {
      const worst = Math.min(...wf.flatMap((x) => [x.writeX / x.wavefile.writeX, x.readX / x.wavefile.readX]));
      targets.push({ what: 'Sound files: jackwasm faster than npm wavefile, writing and reading', measured: `${f(worst, 1)}× wavefile at worst`, met: worst > 1 });
    }
  }
  if (b) {
    const rows = b.loadBuffer.map((x) => [x.what, `${x.bytes}`, f(x.loadMs, 2), f(x.copyMs, 2), f(x.periodMs, 2)]);
    parts.push(`### Module buffers and rings

**What.** Audio from JavaScript into a module's memory (\`loadBuffer\`): from the call until the module has it (copied at the call, written where the
module is not reading, handed over at the next cycle start), against the part that is no hand-over, a plain copy of the same samples in JS; and one
module-ring call against the same call on a JS \`RingBuffer\`.

**Reproduce.** \`npm run bench -- buffers\`.

${table(['loadBuffer', 'bytes', 'until the module has it, ms', 'plain JS copy, ms', 'period, ms'], rows)}

${table(['ring call', 'module ring µs', 'JS RingBuffer µs'], [['readSpace', f(b.ring.readSpaceUs, 3), f(b.ring.jsReadSpaceUs, 3)], ['read a block (readFloat32)', f(b.ring.readBlockUs, 3), f(b.ring.jsReadBlockUs, 3)]])}

${measuredOn(b)}`);
  }
  return { markdown: parts.join('\n\n'), charts, targets };
}

export function netjack2(r) {
  if (!r) return missing('netjack2');
  const rows = r.rows.map((x) => [`period ${x.period}, -l ${x.latency}, ${x.mode}`, x.module === null ? '–' : String(x.module), x.module === null ? '–' : f((x.module / 48000) * 1000, 2), x.wire === null ? '–' : String(x.wire), x.bitExact === null ? '–' : x.bitExact ? 'yes' : 'no', String(x.tries), String(x.connectMs), x.note ?? '']);
  const ok = r.rows.filter((x) => x.module !== null);
  return {
    markdown: `**What.** A jackwasm module on a netjack2 slave (\`jackd -d net\`) over UDP on 127.0.0.1: the round trip from the master through the module and
back, by period, network latency (\`-l\`) and sync or async slave; whether float samples come back bit-exact; how long a slave takes to appear.

**How.** The master sends noise; the slave's module copies it to an output; the master records what it sent and what came back in one call, and the
delay is found by matching samples bit for bit (the wire, a direct capture-to-playback connection on the slave, is the peer). A trial with an xrun
on either server is tried again. See docs/scale-out.md.

**Reproduce.** \`npm run bench -- netjack2\`.

${table(['setting', 'round trip frames (module)', 'ms', 'frames (wire)', 'bit-exact', 'tries', 'slave appears, ms', 'note'], rows)}

![netjack2](images/bench-netjack2.png)

${measuredOn(r)}`,
    charts: [{ file: 'bench-netjack2.png', spec: lines({ title: 'netjack2 round trip through a jackwasm module (ms)', subtitle: 'by network latency (-l), one line per period and mode', rows: ok.map((x) => ({ x: x.latency, peer: `period ${x.period}, ${x.mode}`, value: (x.module / 48000) * 1000 })), xTitle: 'jackd -d net -l', valueTitle: 'round trip, ms', peers: [...new Set(ok.map((x) => `period ${x.period}, ${x.mode}`))], logY: true }) }],
    targets: [],
  };
}
