// The sections of docs/benchmarks.md, one per benchmark of bench/: each
// takes the results (bench/results/<name>.json, parsed; undefined when not
// measured yet) and returns its Markdown, its charts (Vega-Lite
// specifications) and its targets ({ what, measured, met }).
import { groupedBars } from './report-charts.mjs';
import { stabilityTarget } from './stability-stats.mjs';

export const f = (x, digits = 2) => (x === undefined || x === null || Number.isNaN(x) ? '–' : Number(x).toFixed(digits));
export const pct = (x) => (x === undefined || x === null ? '–' : `±${Math.round(x * 50)}%`); // spread (max-min)/median as ± half
const yes = (b) => (b === true ? 'yes' : b === false ? '**no**' : '–');

export function table(headers, rows) {
  // The first column names the row; the others hold figures.
  return [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function measuredOn(r) {
  const m = r.machine ?? {};
  const pinned = m.cpusAllowed && /^\d+$/.test(m.cpusAllowed) ? `pinned to CPU ${m.cpusAllowed}` : null;
  const parts = [m.cpu ?? m.model, m.cores ?? m.cpus ? `${m.cores ?? m.cpus} cores` : null, pinned, m.memoryGiB ? `${m.memoryGiB} GiB` : null, m.os, m.kernel ? `Linux ${m.kernel}` : null, m.node ? `Node ${m.node}` : null, m.jackd ? m.jackd.replace(/ tmpdir.*/, '') : null, m.cc, m.commit ? `commit ${m.commit}` : null].filter(Boolean);
  return `_Measured ${r.date ? r.date.slice(0, 16).replace('T', ' ') + ' UTC' : '(date not recorded)'} on ${parts.join(', ')}._`;
}

export const missing = (name) => ({ markdown: `Not measured yet: \`npm run bench -- ${name}\`.`, charts: [], targets: [] });

export function dspThroughput(r, faust) {
  if (!r) return missing('dsp-throughput');
  const peers = ['jackwasm engine', 'C (gcc -O2)', 'V8 (same .wasm)', 'plain JS', 'wabt interpreter'];
  const keys = ['engine', 'c', 'v8', 'js', 'interp'];
  const rows = r.results.map((k) => [`\`${k.kernel}\``, ...keys.map((p) => f(k.nsPerSample[p], p === 'interp' ? 0 : 2)), f(k.ratios.engineToC), f(k.ratios.engineToV8), f(k.ratios.engineToJs), f(k.ratios.engineToInterp, 4), yes(k.bitIdentical), `${pct(k.spread.engine)} / ${pct(k.spread.c)}`]);
  const chartRows = r.results.flatMap((k) => keys.map((p, i) => ({ case: k.kernel, peer: peers[i], value: k.nsPerSample[p] })));
  if (faust) {
    const n = faust.nsPerFrame;
    const q = faust.ratios;
    rows.push(['`zita_rev1` (Faust)', f(n.engine), f(n.native), f(n.v8), f(n.js), f(n.interp, 0), f(q.engineToNative), f(q.engineToV8), f(q.engineToJs), f(q.engineToInterp, 4), yes(faust.bitIdentical.engineV8 && faust.bitIdentical.engineJs && faust.bitIdentical.interpV8), `${pct(faust.spread.engine)} / ${pct(faust.spread.native)}`]);
    chartRows.push(...keys.map((p, i) => ({ case: 'zita_rev1', peer: peers[i], value: p === 'c' ? n.native : n[p] })));
  }
  const worst = r.results.reduce((a, k) => (k.ratios.engineToC > a.ratios.engineToC ? k : a));
  const targets = [
    { what: 'DSP kernels: the engine within 1.25× of C on every kernel', measured: `worst ${f(worst.ratios.engineToC)}× (\`${worst.kernel}\`)`, met: r.results.every((k) => k.ratios.engineToC <= 1.25) },
    { what: 'DSP kernels: the engine faster than V8 on every kernel', measured: `slowest ${f(Math.max(...r.results.map((k) => k.ratios.engineToV8)))}× V8`, met: r.results.every((k) => k.ratios.engineToV8 < 1) },
    { what: 'DSP kernels: every peer bit-identical', measured: r.results.every((k) => k.bitIdentical) ? 'all identical' : `differs: ${r.results.filter((k) => !k.bitIdentical).map((k) => k.kernel).join(', ')}`, met: r.results.every((k) => k.bitIdentical) },
  ];
  targets.push(
    faust?.nsPerFrame.native
      ? { what: 'zita_rev1: the engine within 1.15× of native C++ from the same Faust version', measured: `${f(faust.ratios.engineSameFaustToNative, 3)}×`, met: faust.ratios.engineSameFaustToNative <= 1.15 }
      : { what: 'zita_rev1: the engine within 1.15× of native C++ from the same Faust version', measured: faust ? `not measured: ${faust.native}` : 'not measured: npm run bench -- faust', met: false },
  );
  const markdown = `**What.** How fast each peer runs the same DSP algorithm: nanoseconds per sample (lower is better), for four kernels written for the
benchmark (bench/kernels/: a sawtooth through a biquad, a 16-voice synth, a 2-second feedback delay, an 8-line feedback-delay-network reverb)
and Faust's \`zita_rev1\` reverb from the Faust libraries.

**How.** The kernels are AssemblyScript against the module ABI; jackwasm's engine runs the \`.wasm\` compiled ahead of time (wasm2c, cc) through its
offline block loop, with its per-block copies; V8 runs the same \`.wasm\` with the same calls and copies; *C* is the same algorithm written in C,
operation for operation (\`gcc -O2 -ffp-contract=off\`); *plain JS* is the same again with \`Math.fround\` after every operation; wabt's
*interpreter* (\`wasm-interp\`) runs the same \`.wasm\` merged with a driver, over the first ${f(r.interpFrames / 48000, 2)} s only (its start-up, and the
driver's own work timed with a stand-in kernel, subtracted).
For \`zita_rev1\`, *C* is C++ from Debian's \`faust\` ${faust ? `(${faust.native})` : ''}, *plain JS* is binaryen's \`wasm2js\` of the same \`.wasm\` (Faust has no
JavaScript backend), and the engine runs faustwasm's \`.wasm\` (what \`.dsp\` files get); the engine on Debian Faust's own \`.wasm\` (the same version as
the C++) is the target's figure${faust?.nsPerFrame.engineSameFaust ? `: ${f(faust.nsPerFrame.engineSameFaust)} ns, ${f(faust.ratios.engineSameFaustToNative, 3)}× native` : ''}.
${r.frames / 48000} s of 48 kHz noise in blocks of ${r.block} (zita: ${faust ? `${faust.frames / 48000} s, blocks of ${faust.block}` : '–'}); median of ${r.runs} interleaved runs.
Ratios are medians of per-round ratios (each round runs the peers back to back: see the note at the top). Outputs are hashed (FNV-1a over the float bytes): *bit-identical* means every peer's hash is the same. Noise: the spread of the engine's runs.

**Reproduce.** \`npm run bench -- dsp-throughput faust\` (it pins them to one CPU with \`taskset\`; alone: \`node bench/dsp-throughput.mjs\`, \`node bench/faust.mjs\`).

${table(['kernel', 'engine ns', 'C ns', 'V8 ns', 'JS ns', 'interpreter ns', 'engine/C', 'engine/V8', 'engine/JS', 'engine/interp.', 'bit-identical', 'noise (engine / C)'], rows)}

![DSP throughput](images/bench-dsp-throughput.png)

${measuredOn(r)}${faust ? `\n${measuredOn(faust).replace('_Measured', '_zita_rev1 measured')}` : ''}`;
  return {
    markdown,
    charts: [{ file: 'bench-dsp-throughput.png', reproduce: 'dsp-throughput faust', spec: groupedBars({ title: 'DSP throughput: ns per sample (log scale, lower is better)', subtitle: 'The same algorithm per kernel: jackwasm engine vs C, V8, plain JS, wabt interpreter', rows: chartRows, caseTitle: 'kernel', valueTitle: 'ns per sample', peers, log: true, floor: 1, width: 760 }) }],
    targets,
  };
}

export function examples(r) {
  if (!r) return missing('examples');
  const rows = r.results.map((x) => [`\`${x.module}\``, `${x.inputs} in / ${x.outputs} out`, f(x.nsPerFrame.engine), f(x.nsPerFrame.v8), f(x.engineToV8), pct(x.spread.engine)]);
  const slow = r.results.filter((x) => x.engineToV8 >= 1);
  return {
    markdown: `**What.** Every example module of examples/dsp/, as a user loads it: jackwasm's engine against V8 running the same \`.wasm\`
(ns per frame, all channels; lower is better).

**How.** The same noise input and MIDI notes (four a second) for both; the engine's offline block loop against a JS loop making the same ABI calls
with the same copies; ${r.frames / 48000} s in blocks of ${r.block}, median of ${r.runs} interleaved runs.

**Reproduce.** \`npm run bench -- examples\`.

${table(['module', 'channels', 'engine ns/frame', 'V8 ns/frame', 'engine/V8', 'noise'], rows)}

![Examples: engine vs V8](images/bench-examples.png)

${measuredOn(r)}`,
    charts: [{ file: 'bench-examples.png', spec: groupedBars({ title: 'Example modules: ns per frame (lower is better)', subtitle: 'jackwasm engine vs V8 on the same .wasm, same input, same calls', rows: r.results.flatMap((x) => [{ case: x.module, peer: 'jackwasm engine', value: x.nsPerFrame.engine }, { case: x.module, peer: 'V8', value: x.nsPerFrame.v8 }]), caseTitle: 'module', valueTitle: 'ns per frame', peers: ['jackwasm engine', 'V8'], width: 760, format: '.2f' }) }],
    targets: [{ what: 'Example modules: the engine faster than V8 on every one', measured: slow.length ? `slower on ${slow.map((x) => `${x.module} (${f(x.engineToV8)}×)`).join(', ')}` : `slowest ${f(Math.max(...r.results.map((x) => x.engineToV8)))}× V8`, met: !slow.length }],
  };
}

export function stability(r) {
  if (!r) return missing('stability');
  const periodUs = (r.period / r.sampleRate) * 1e6;
  const ok = r.results.filter((x) => !x.error);
  const rows = r.results.map((x) =>
    x.error
      ? [x.label, 'not measured', '', '', '', '', '', '', x.error]
      : [x.label, x.xrunsPerRound.join(' + '), x.peer === 'c' ? '(floor)' : `${x.attributableXruns} (${x.aboveFloorPerRound.map((d) => (d > 0 ? `+${d}` : String(d))).join(', ')})`, String(x.callbacksOverPeriod), f(x.callbackUs.min, 2), f(x.callbackUs.median, 1), f(x.callbackUs.p99, 1), f(x.callbackUs.max, 1), x.gc ? `${x.gc.collections} GCs, ${f(x.gc.seconds, 1)} s` : ''],
  );
  const short = { c: 'C (floor)', jackwasmIdle: 'jackwasm, idle', jackwasmGc: 'jackwasm, GC loop', pythonIdle: 'Python, idle', pythonBusy: 'Python, busy' };
  const chartRows = ok.flatMap((x) => ['median', 'p99', 'max'].map((k) => ({ case: short[x.peer] ?? x.label, peer: k, value: Math.max(0.1, x.callbackUs[k]) })));
  const xrunRows = ok.map((x) => ({ case: short[x.peer] ?? x.label, peer: 'xruns', value: Math.max(0.5, x.xruns), label: String(x.xruns) }));
  const gc = r.results.find((x) => x.peer === 'jackwasmGc');
  const t = stabilityTarget(r.results);
  const busy = r.results.find((x) => x.peer === 'pythonBusy');
  const floorNoise = ok[0]?.floorNoise ?? 0;
  return {
    markdown: `Whether audio keeps going when the script side is busy: xruns and process-callback times at ${r.period} frames / ${r.sampleRate / 1000} kHz
(${f(periodUs, 0)} µs per period) on a dummy jackd2, ${r.seconds} s per peer${r.runs > 1 ? `, ${r.runs} rounds` : ''}.

**How.** Each peer applies a gain to \`system:capture_1\` and plays it on \`system:playback_1\`, alone on a fresh server: a native C client (the floor:
what the machine and the dummy driver do with a client that cannot be late); jackwasm (the example gain module) with Node's main thread idle, and
running a garbage-heavy loop in the same process (V8 spent ${gc?.gc ? `${f(gc.gc.seconds, 1)} s of the ${r.seconds * r.runs} s in ${gc.gc.collections} collections` : 'most of it collecting'});
Python JACK-Client with NumPy (${r.python ?? 'not installed'}) with its main thread idle, and running a pure-Python loop. *Xruns*: per round.
*Above floor*: xruns beyond the C client's in the same rounds, in total (per round); the dummy driver has xruns of its own, and the floor itself
varied by ${floorNoise} between rounds. *Over period*: callbacks that alone took longer than a period (each peer counts them exactly). Callback times run from
each peer's first cycle to its last: C times its whole callback, Python its callback's body (the wait for the GIL before it is not in it), jackwasm
its engine's part of the callback; percentiles from one histogram for all (eight buckets per octave, the upper end of the bucket), min and max exact.

**Reproduce.** \`npm run bench -- stability\` (\`node bench/stability.mjs --seconds 60 --runs 2\`; Debian packages python3-jack-client python3-numpy).

${table(['peer', 'xruns', 'above floor', 'over period', 'min µs', 'median µs', 'p99 µs', 'max µs', 'V8 GC'], rows)}

![Xruns per peer](images/bench-stability-xruns.png)

![Callback times per peer](images/bench-stability.png)

${measuredOn(r)}`,
    charts: [
      { file: 'bench-stability-xruns.png', spec: groupedBars({ title: `Xruns in ${r.seconds * r.runs} s at ${r.period} frames (log scale, lower is better)`, subtitle: 'each peer alone on a fresh dummy jackd2; the C client is the floor (the dummy driver\'s own xruns)', rows: xrunRows, caseTitle: null, valueTitle: 'xruns', peers: ['xruns'], log: true, floor: 0.5, width: 720, labelField: 'label' }) },
      { file: 'bench-stability.png', spec: groupedBars({ title: `Process callback time at ${r.period} frames (µs, log scale)`, subtitle: `median, p99 and max per peer; the dashed line is the period (${f(periodUs, 0)} µs)`, rows: chartRows, caseTitle: null, valueTitle: 'µs', peers: ['median', 'p99', 'max'], log: true, floor: 0.1, rule: { value: periodUs, label: 'period' }, width: 820, format: '.3~r' }) },
    ],
    targets: [{ what: `Stability: jackwasm with a garbage-heavy main thread never over the period, and no more xruns than the C floor beyond the floor's own variation (${r.period} frames)`, measured: gc && !gc.error ? `${gc.callbacksOverPeriod} over the period; ${gc.attributableXruns} xruns above the floor (its variation: ${t.floorNoise}); Python busy: ${busy?.callbacksOverPeriod ?? '–'} over, ${busy?.attributableXruns ?? '–'} above` : t.measured, met: t.met }],
  };
}
