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

/** The native build output: the addon, libjwrt.so (the shared wasm runtime). */
export function nativeLibDir(): string {
  return join(packageRoot(), 'build', 'Release');
}

/** Where the native addon is loaded from. */
export function addonPath(): string {
  return process.env.JACKWASM_ADDON ?? join(nativeLibDir(), 'jackwasm.node');
}

/** The runtime headers and sources compiled modules include. */
export function runtimeDir(): string {
  return join(packageRoot(), 'shim', 'wasm-rt');
}
