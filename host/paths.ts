/**
 * Where the package's files are: the package root, the native build and the
 * WebAssembly runtime sources. Loads nothing native, so the compile pipeline
 * works without libjack.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (works from host/ in the source tree and dist/host/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'CMakeLists.txt'))) return dir;
    dir = resolve(dir, '..');
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

/**
 * Where the addon and libjwrt.so (the shared wasm runtime) are: a build from
 * source (a checkout, or an installed package whose prebuilt addon could not
 * load) in build/Release, else the prebuilt ones the package ships in
 * prebuilds/<platform>-<arch>.
 */
export function nativeLibDir(): string {
  const built = join(packageRoot(), 'build', 'Release');
  if (existsSync(join(built, 'jackwasm.node'))) return built;
  const pre = join(packageRoot(), 'prebuilds', `${process.platform}-${process.arch}`);
  return existsSync(join(pre, 'jackwasm.node')) ? pre : built;
}

/** Where the native addon is loaded from. */
export function addonPath(): string {
  return process.env.JACKWASM_ADDON ?? join(nativeLibDir(), 'jackwasm.node');
}

/** The runtime headers and sources compiled modules include. */
export function runtimeDir(): string {
  return join(packageRoot(), 'shim', 'wasm-rt');
}
