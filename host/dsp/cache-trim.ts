/**
 * Keeps a cache folder bounded: past `max` files, the least recently
 * modified half goes. Rationale: the live-coding loop adds a build on every
 * save; a day of it must not fill the disk, and what was used last is what
 * comes back (undo, switching between versions).
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function trimOldest(dir: string, max: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  if (names.length <= max) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }));
  aged.sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, aged.length >> 1)) rmSync(join(dir, n), { force: true, recursive: true });
}
