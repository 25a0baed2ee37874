// Builds what is out of date: the native addon (CMake), the TypeScript
// host (tsc) and the AssemblyScript DSP modules (asc). Compares modification
// times, so a no-op build takes milliseconds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildNative } from './native-build.mjs';

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

// Generated sources (shim/manifest.json -> C header, TS module, doc tables).
if (stale('shim/generated/manifest.h', ['shim/manifest.json', 'scripts/gen-manifest.mjs']) ||
  stale('host/generated/manifest.ts', ['shim/manifest.json', 'scripts/gen-manifest.mjs'])) {
  run(process.execPath, [join(root, 'scripts', 'gen-manifest.mjs')]);
}
if (stale('build/Release/jackwasm.node', ['shim', 'test/rtcheck', 'CMakeLists.txt', 'package.json']) ||
  stale('build/Release/libjwrtcheck.so', ['test/rtcheck']) ||
  stale('build/Release/libjwrt.so', ['shim/wasm-rt'])) {
  console.log('build: native addon (cmake)');
  buildNative(root);
}
if (stale('dist/host/index.js', ['host', 'examples', 'tsconfig.json'])) {
  console.log('build: TypeScript host (tsc)');
  run(bin('tsc'), ['-p', 'tsconfig.json']);
}

// AssemblyScript DSP modules: examples/dsp/*.ts -> build/examples/<name>.wasm
// and the SDK's test modules test/dsp/*.ts -> build/dsp/<name>.wasm. The SDK
// itself (dsp-asm/) is only compiled as part of them. Stub runtime, -O3,
// --noAssert (the flags host/dsp/asc.ts uses), no SIMD (asc leaves it off
// unless --enable simd).
const ascJobs = [];
for (const [srcDir, outDir] of [['examples/dsp', 'build/examples'], ['test/dsp', 'build/dsp']]) {
  if (!existsSync(join(root, srcDir))) continue;
  const entries = readdirSync(join(root, srcDir), { withFileTypes: true });
  // Shared sources in subdirectories (if any) count as inputs of every module.
  const subdirs = entries.filter((e) => e.isDirectory()).map((e) => `${srcDir}/${e.name}`);
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) continue;
    const src = `${srcDir}/${e.name}`;
    const out = `${outDir}/${e.name.replace(/\.ts$/, '.wasm')}`;
    if (stale(out, [src, ...subdirs, 'dsp-asm', 'asconfig.json', 'scripts/build.mjs'])) ascJobs.push([src, out]);
  }
}
if (ascJobs.length) {
  const { default: asc } = await import('assemblyscript/asc');
  for (const [src, out] of ascJobs) {
    console.log(`build: ${src} (asc)`);
    mkdirSync(dirname(join(root, out)), { recursive: true });
    // Write next to the target and rename, so a concurrent reader never sees half a file.
    const tmp = join(dirname(out), `.${basename(out, '.wasm')}.${process.pid}.wasm`);
    const { error } = await asc.main(
      [src, '--baseDir', root, '--config', 'asconfig.json', '--target', 'release', '--runtime', 'stub', '-O3', '--noAssert', '--outFile', tmp],
      { stdout: process.stdout, stderr: process.stderr },
    );
    if (error) {
      rmSync(join(root, tmp), { force: true });
      console.error(`build: ${src}: ${error.message}`);
      process.exit(1);
    }
    renameSync(join(root, tmp), join(root, out));
  }
}
