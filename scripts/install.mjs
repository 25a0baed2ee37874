// npm's install step for jackwasm as a dependency (`npm install jackwasm`).
// The package ships its native addon and the shared WebAssembly runtime
// prebuilt for linux-x64 (Node-API: one binary for every Node version). This
// checks that the addon loads here; if it does not (another platform, other
// system libraries), it builds it from the shipped sources with CMake. Then it
// names, with the apt command, anything else jackwasm will need: the tools
// that compile DSP modules and run a JACK server. It never fails the install:
// what is missing is also reported, the same way, when it is first used.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// A development checkout builds with `npm run build` (scripts/setup.sh).
if (existsSync(join(root, 'test')) || process.env.JACKWASM_SKIP_INSTALL) process.exit(0);

const { aptCommand, BUILD_PACKAGES, missingTools, onPath, packagesForLoadError } = await import('../dist/host/system-check.js');
const say = (line) => console.log(`jackwasm: ${line}`);

/** Loads an addon in a child process: null when it loads, else the error. */
function tryLoad(path) {
  if (!existsSync(path)) return `${path} does not exist`;
  const r = spawnSync(process.execPath, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(path)})`], { encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr.split('\n').find((l) => /Error/.test(l)) ?? r.stderr).trim();
}

const platform = `${process.platform}-${process.arch}`;
const prebuilt = join(root, 'prebuilds', platform, 'jackwasm.node');
let error = tryLoad(prebuilt);
if (error === null) {
  say(`the prebuilt native addon for ${platform} loads`);
} else {
  const libs = packagesForLoadError(error);
  if (libs.length) {
    say(`the prebuilt native addon needs system libraries: ${aptCommand(libs)}`);
  } else {
    say(`no usable prebuilt native addon for ${platform} (${error}); building it from source`);
    const tools = ['cmake', 'make', 'c++', 'pkg-config'].filter((t) => !onPath(t));
    if (tools.length) {
      say(`cannot build: ${tools.join(', ')} not found; install the build dependencies: ${aptCommand(BUILD_PACKAGES)}`);
    } else {
      try {
        const { buildNative } = await import('./native-build.mjs');
        buildNative(root, { rtcheck: false, quiet: true });
        error = tryLoad(join(root, 'build', 'Release', 'jackwasm.node'));
        say(error === null ? 'built the native addon from source' : `the addon built from source does not load: ${error}`);
      } catch (err) {
        const out = `${err.stderr ?? ''}${err.stdout ?? ''}`.trim().split('\n').slice(-8).join('\n');
        say(`building the native addon failed (install the build dependencies: ${aptCommand(BUILD_PACKAGES)}):\n${out || err.message}`);
      }
    }
  }
}
const missing = missingTools();
for (const t of missing) say(`${t.tool} is not installed; it is needed for ${t.what}: ${aptCommand([t.pkg])}`);
if (!missing.length && error === null) say('ready');
