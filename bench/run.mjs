// Runs the benchmarks of bench/, writes each one's results to
// bench/results/<name>.json, and regenerates docs/benchmarks.md and its
// charts from all the results (bench/report.mjs).
//   npm run bench                  every benchmark, then the report
//   npm run bench -- <name> ...    only these (the report still shows all results)
//   npm run bench -- --quick       every benchmark briefly: a smoke test whose
//                                  figures are printed, not kept
//   npm run bench -- --list        the names
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
// [full arguments, quick arguments, what it measures]
const all = {
  // Rationale for long inputs: at 2-50 ns a sample, 5 s of audio is done in
  // 0.5-12 ms, a window one preemption on these shared machines doubles.
  'dsp-throughput': [['--seconds', '60', '--runs', '15'], ['--seconds', '1', '--runs', '3', '--interp-seconds', '0.1'], 'DSP kernels: engine vs C, V8, JS, wabt interpreter'],
  examples: [['--seconds', '60', '--runs', '15'], ['--seconds', '1', '--runs', '3'], 'every example module: engine vs V8'],
  faust: [['--seconds', '30', '--runs', '15'], ['--seconds', '1', '--runs', '3', '--interp-seconds', '0.05'], "Faust's zita_rev1: engine vs native C++, V8, wasm2js, interpreter"],
  stability: [['--seconds', '60', '--runs', '2'], ['--seconds', '3', '--runs', '1'], 'xruns and callback times at 64 frames: jackwasm vs C vs Python JACK-Client'],
  'host-overhead': [['--seconds', '4', '--runs', '3'], ['--seconds', '1', '--runs', '1'], 'cost per cycle and per module vs a native C client'],
  polyphony: [['--seconds', '5', '--runs', '15'], ['--seconds', '1', '--runs', '1'], 'voices in half a 64-frame period vs C'],
  render: [['--seconds', '300', '--runs', '5'], ['--seconds', '10', '--runs', '3'], 'offline render vs V8 and OfflineAudioContext'],
  compile: [['--runs', '3'], ['--runs', '1'], 'compile cache miss and hit vs V8'],
  'live-coding': [['--runs', '9'], ['--runs', '2'], 'edit-to-audible time of jackwasm dev, swap time'],
  streams: [['--seconds', '3', '--runs', '3'], ['--seconds', '1', '--runs', '1'], 'read/write streams, play() latency, WAV speed vs npm wavefile'],
  buffers: [['--runs', '9'], ['--runs', '3'], 'loadBuffer and module rings vs plain JS'],
  netjack2: [[], ['--periods', '256', '--latencies', '1', '--seconds', '0.25'], 'netjack2 round trip through a jackwasm module'],
};
// Single-threaded throughput benchmarks run pinned to one CPU (the last), so
// every peer of a run computes on the same core. Rationale: unpinned, the
// engine/C ratio of one program moved by 20% between runs minutes apart on
// these 2-CPU virtual machines; pinned, by a few percent.
const pinned = new Set(['dsp-throughput', 'examples', 'faust', 'polyphony']);
const pinCpu = cpus().length > 1 && hasTaskset() ? cpus().length - 1 : null;
function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (args.includes('--list')) {
  for (const [name, [, , what]] of Object.entries(all)) console.log(`${name.padEnd(16)} ${what}`);
  process.exit(0);
}
const usage = (message) => {
  console.error(`bench: ${message}\nusage: npm run bench [-- --quick] [-- <name> ...]; npm run bench -- --list`);
  process.exit(2);
};
const unknownFlag = args.find((a) => a.startsWith('-') && a !== '--quick');
if (unknownFlag) usage(`unknown option ${unknownFlag} (options: --quick, --list; run one with its own options as node bench/<name>.mjs; they are listed in its header comment)`);
const names = args.filter((a) => !a.startsWith('-'));
for (const name of names) if (!all[name]) usage(`unknown benchmark "${name}" (known: ${Object.keys(all).join(', ')})`);

const started = Date.now();
const failed = [];
for (const name of names.length ? names : Object.keys(all)) {
  const [full, brief] = all[name];
  console.log(`\n=== ${name}${quick ? ' (quick)' : ''}`);
  const t0 = Date.now();
  try {
    const argv = [process.execPath, join(root, 'bench', `${name}.mjs`), ...(quick ? brief : full), ...(quick ? [] : ['--json', join(root, 'bench', 'results', `${name}.json`)])];
    const [cmd, ...rest] = pinned.has(name) && pinCpu !== null ? ['taskset', '-c', String(pinCpu), ...argv] : argv;
    // A benchmark that hangs (a wedged server) is stopped; the others still run.
    execFileSync(cmd, rest, { stdio: 'inherit', timeout: 45 * 60 * 1000, killSignal: 'SIGTERM' });
  } catch (err) {
    // One benchmark failing (a missing peer, a busy machine) does not lose the others' results.
    failed.push(name);
    console.error(`bench: ${name} failed: ${err.message.split('\n')[0]}`);
  }
  console.log(`(${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
if (!quick) execFileSync(process.execPath, [join(root, 'bench', 'report.mjs')], { stdio: 'inherit' });
console.log(`\nbench: done in ${((Date.now() - started) / 60000).toFixed(1)} min${quick ? ' (quick: no results kept)' : '; docs/benchmarks.md regenerated'}`);
if (failed.length) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
