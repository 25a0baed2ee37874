// Builds what is out of date: the native addon (cmake-js) and the TypeScript
// host (tsc). Compares modification times, so a no-op build takes
// milliseconds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const force = process.argv.includes('--force');

function newest(paths) {
  let t = 0;
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) continue;
    const st = statSync(full);
    if (st.isDirectory()) {
      t = Math.max(t, newest(readdirSync(full).map((f) => join(p, f))));
    } else {
      t = Math.max(t, st.mtimeMs);
    }
  }
  return t;
}

function stale(output, inputs) {
  const out = join(root, output);
  return force || !existsSync(out) || statSync(out).mtimeMs < newest(inputs);
}

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

if (stale('build/Release/jackwasm.node', ['shim', 'test/rtcheck', 'CMakeLists.txt', 'package.json']) ||
  stale('build/Release/libjwrtcheck.so', ['test/rtcheck'])) {
  console.log('build: native addon (cmake-js)');
  run(bin('cmake-js'), ['compile', '--out', 'build', '--log-level', 'warn']);
}
if (stale('dist/host/index.js', ['host', 'examples', 'tsconfig.json'])) {
  console.log('build: TypeScript host (tsc)');
  run(bin('tsc'), ['-p', 'tsconfig.json']);
}

// The AssemblyScript SDK's own modules, compiled for its tests.
for (const f of readdirSync(join(root, 'dsp-asm')).filter((f) => f.endsWith('.ts'))) {
  const out = `build/dsp/${f.replace(/\.ts$/, '.wasm')}`;
  if (stale(out, ['dsp-asm', 'asconfig.json'])) {
    console.log(`build: dsp-asm/${f} (asc)`);
    run(bin('asc'), [`dsp-asm/${f}`, '-o', out, '--runtime', 'stub', '-O3', '--noAssert']);
  }
}
