// Benchmark: the compile pipeline. For each example module: a cache miss
// (validation, wasm2c, cc) and a cache hit in a fresh process (a new node
// process doing one compile() of a cached module, the package already
// imported), median of `runs`. Peers, in a fresh process each: V8 compiling
// the same module whole with its optimising compiler (TurboFan, as jackwasm
// compiles ahead of time), and V8's default (Liftoff, lazily).
// Targets: hit < 3 ms, miss < 400 ms.
//
//   node bench/compile.mjs [--runs 3] [--json out.json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../dist/host/index.js';
import { median, numberOption, parseOptions, writeResults } from './common.mjs';

const { values } = parseOptions({ runs: { type: 'string' }, json: { type: 'string' } });
const runs = numberOption(values, 'runs', 3, { min: 1, max: 1000, integer: true });
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'build', 'examples');
const results = [];

/** ms V8 takes to compile the module (synchronously, whole), in a fresh node with `flags`. */
function v8Compile(path, flags) {
  const script = `const b = require('fs').readFileSync(${JSON.stringify(path)});
    const t = process.hrtime.bigint(); new WebAssembly.Module(b); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }).trim());
}
console.log(`Compile pipeline, median of ${runs}\n`);
console.log('module       wasm bytes   miss ms   hit ms   V8 TurboFan  V8 default (ms; each in a fresh process)');
for (const f of readdirSync(dir).filter((f) => f.endsWith('.wasm')).sort()) {
  const bytes = new Uint8Array(readFileSync(join(dir, f)));
  const miss = [], hit = [], turbofan = [], liftoff = [];
  for (let r = 0; r < runs; r++) {
    const cache = mkdtempSync(join(tmpdir(), 'jw-bench-compile-'));
    miss.push((await compile(bytes, { cacheDir: cache, name: f })).compileMs);
    const script = `import { compile } from ${JSON.stringify(join(root, 'dist', 'host', 'index.js'))};
      import { readFileSync } from 'node:fs';
      const b = new Uint8Array(readFileSync(${JSON.stringify(join(dir, f))}));
      const c = await compile(b, { cacheDir: ${JSON.stringify(cache)} });
      if (!c.cached) throw new Error('not cached');
      console.log(c.compileMs);`;
    hit.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()));
    rmSync(cache, { recursive: true, force: true });
    turbofan.push(v8Compile(join(dir, f), ['--no-liftoff', '--no-wasm-lazy-compilation']));
    liftoff.push(v8Compile(join(dir, f), []));
  }
  results.push({ module: f, bytes: bytes.length, missMs: median(miss), hitMs: median(hit), v8TurbofanMs: median(turbofan), v8DefaultMs: median(liftoff), miss, hit, v8Turbofan: turbofan, v8Default: liftoff });
  console.log(`${f.replace('.wasm', '').padEnd(12)} ${String(bytes.length).padStart(10)} ${median(miss).toFixed(0).padStart(9)} ${median(hit).toFixed(2).padStart(8)} ${median(turbofan).toFixed(1).padStart(12)} ${median(liftoff).toFixed(1).padStart(11)}`);
}
if (values.json) writeResults(values.json, 'compile', { runs, results });
