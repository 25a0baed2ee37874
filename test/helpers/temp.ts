/** Per-file temporary directories, created before the file's tests and removed after. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** A temporary directory for this file; `.dir` is valid inside tests and hooks registered after this call. */
export function useTempDir(tag: string): { readonly dir: string } {
  const state = { dir: '' };
  beforeAll(() => {
    state.dir = mkdtempSync(join(tmpdir(), `jw-${tag}-`));
  });
  afterAll(() => {
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}

/**
 * A temporary compile cache (JACKWASM_CACHE) for this file, so tests neither
 * depend on nor pollute ~/.cache/jackwasm. Call before the hooks that compile.
 */
export function useTempCache(tag: string): { readonly dir: string } {
  const cache = useTempDir(`${tag}-cache`);
  beforeAll(() => {
    process.env.JACKWASM_CACHE = cache.dir;
  });
  afterAll(() => {
    delete process.env.JACKWASM_CACHE;
  });
  return cache;
}
