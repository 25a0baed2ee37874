// Benchmark: the compile pipeline. For each example module: a cache miss
// (validation, wasm2c, cc) and a cache hit in a fresh process (a new node
// process doing one compile() of a cached module, the package already
// imported), median of `runs`. Targets: hit < 3 ms, miss < 400 ms.
//
//   node bench/compile.mjs [--runs 3] [--json out.json]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '../dist/host/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, json: { type: 'string' } } });
const runs = Number(values.runs ?? 3);
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'build', 'examples');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
console.log(`Compile pipeline, median of ${runs}\n`);
console.log('module       wasm bytes   miss ms   hit ms (fresh process)');
for (const f of readdirSync(dir).filter((f) => f.endsWith('.wasm')).sort()) {
  const bytes = new Uint8Array(readFileSync(join(dir, f)));
  const miss = [], hit = [];
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
  }
  results.push({ module: f, bytes: bytes.length, missMs: median(miss), hitMs: median(hit), miss, hit });
  console.log(`${f.replace('.wasm', '').padEnd(12)} ${String(bytes.length).padStart(10)} ${median(miss).toFixed(0).padStart(9)} ${median(hit).toFixed(2).padStart(8)}`);
}
if (values.json) {
  mkdirSync(join(values.json, '..'), { recursive: true });
  writeFileSync(values.json, JSON.stringify({ bench: 'compile', date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, runs, results }, null, 2));
}
