// Runs every benchmark of bench/ and writes each one's results to
// bench/results/<name>.json (not with --quick: a quick run is a smoke test,
// not a measurement to keep).
//   npm run bench [-- --quick] [-- <name> ...]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const all = {
  'dsp-throughput': quick ? ['--seconds', '2', '--runs', '3'] : ['--seconds', '5', '--runs', '9'],
  'host-overhead': quick ? ['--seconds', '1', '--runs', '1'] : ['--seconds', '4', '--runs', '3'],
  render: quick ? ['--seconds', '10', '--runs', '3'] : ['--seconds', '60', '--runs', '5'],
  compile: quick ? ['--runs', '1'] : ['--runs', '3'],
  'engine-vs-v8': quick ? ['--seconds', '2', '--runs', '3'] : ['--seconds', '5', '--runs', '7'],
  polyphony: quick ? ['--seconds', '1', '--runs', '1'] : ['--seconds', '5', '--runs', '5'],
  'live-coding': quick ? ['--runs', '2'] : ['--runs', '9'],
  streams: quick ? ['--seconds', '1', '--runs', '1'] : ['--seconds', '3', '--runs', '3'],
  buffers: quick ? ['--runs', '3'] : ['--runs', '9'],
  faust: quick ? ['--seconds', '1', '--runs', '3'] : ['--seconds', '5', '--runs', '9'],
  netjack2: quick ? ['--periods', '256', '--latencies', '1', '--seconds', '0.25'] : [],
};
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
for (const name of names.length ? names : Object.keys(all)) {
  if (!all[name]) throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(all).join(', ')})`);
  console.log(`\n=== ${name}`);
  execFileSync(process.execPath, [join(root, 'bench', `${name}.mjs`), ...all[name], ...(name === 'engine-vs-v8' || quick ? [] : ['--json', join(root, 'bench', 'results', `${name}.json`)])], { stdio: 'inherit' });
}
