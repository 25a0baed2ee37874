/**
 * What jackwasm needs from the system, by Debian package: the shared
 * libraries the native addon links, and the tools that compile DSP modules
 * and run a server. Used at install (scripts/install.mjs) and when the
 * addon fails to load, so a missing piece is named with the command that
 * installs it. Loads nothing native.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Shared libraries of the addon and the Debian packages that provide them. */
export const RUNTIME_LIBRARIES: Readonly<Record<string, string>> = {
  'libjack.so.0': 'libjack-jackd2-0',
  'libsndfile.so.1': 'libsndfile1',
  'libsamplerate.so.0': 'libsamplerate0',
};

/** What a source build of the addon needs (scripts/native-build.mjs). */
export const BUILD_PACKAGES = ['cmake', 'make', 'g++', 'pkg-config', 'libjack-jackd2-dev', 'libsndfile1-dev', 'libsamplerate0-dev'] as const;

/** Tools jackwasm runs, and their packages: compiling modules needs cc, wasm2c and wasm-validate; a server needs jackd. */
export const TOOLS: readonly { tool: string; pkg: string; what: string }[] = [
  { tool: 'cc', pkg: 'gcc', what: 'compiling DSP modules' },
  { tool: 'wasm2c', pkg: 'wabt', what: 'compiling DSP modules' },
  { tool: 'wasm-validate', pkg: 'wabt', what: 'compiling DSP modules' },
  { tool: 'jackd', pkg: 'jackd2', what: 'starting a JACK server (Server.start, jackwasm server, the demo)' },
];

/** The Debian packages whose libraries a dlopen error message says are missing. */
export function packagesForLoadError(message: string): string[] {
  const pkgs = Object.entries(RUNTIME_LIBRARIES).filter(([lib]) => message.includes(lib)).map(([, pkg]) => pkg);
  return [...new Set(pkgs)];
}

/** The command that installs `pkgs`. */
export function aptCommand(pkgs: readonly string[]): string {
  return `sudo apt-get install -y --no-install-recommends ${[...new Set(pkgs)].join(' ')}`;
}

/** Whether `tool` is an executable on PATH. */
export function onPath(tool: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The tools of TOOLS that are not on PATH. */
export function missingTools(): { tool: string; pkg: string; what: string }[] {
  return TOOLS.filter((t) => !onPath(t.tool));
}
