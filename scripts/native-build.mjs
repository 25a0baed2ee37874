// Builds the native addon and the shared WebAssembly runtime with CMake into
// build/Release: from a checkout (scripts/build.mjs) and, when the prebuilt
// addon cannot load, from an installed package (scripts/install.mjs).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** Configures (once) and builds; throws when cmake fails. `rtcheck`: also the tests' realtime checker. */
export function buildNative(root, { rtcheck = true, quiet = false } = {}) {
  const build = join(root, 'build');
  const stdio = quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit';
  execFileSync('cmake', ['-S', root, '-B', build, '-DCMAKE_BUILD_TYPE=Release', `-DJW_RTCHECK=${rtcheck ? 'ON' : 'OFF'}`, `-DNODE_EXECUTABLE=${process.execPath}`, '--log-level=WARNING'],
    { cwd: root, stdio });
  execFileSync('cmake', ['--build', build, '--parallel', String(Math.max(1, availableParallelism()))], { cwd: root, stdio });
}
