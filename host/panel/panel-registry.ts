/**
 * Where running panels are recorded, so `jackwasm panel` (another process)
 * can list them: one file per panel in a private per-user folder
 * ($XDG_RUNTIME_DIR/jackwasm/panels, else /tmp/jackwasm-<uid>/panels, mode
 * 0700; files 0600, since they hold the panel's token). A file whose process
 * has gone is ignored and removed.
 */
import { chmod, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A panel some process serves. */
export interface PanelEntry {
  client: string;
  url: string;
  pid: number;
  started: string;
}

export function panelDir(): string {
  const base = process.env.XDG_RUNTIME_DIR ? join(process.env.XDG_RUNTIME_DIR, 'jackwasm') : join(tmpdir(), `jackwasm-${process.getuid?.() ?? 0}`);
  return join(base, 'panels');
}

/**
 * The folder, created private; undefined when it or its parent is not ours
 * (another user made it first, in /tmp) or either is a symlink.
 */
async function ownDir(): Promise<string | undefined> {
  const dir = panelDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  for (const d of [dirname(dir), dir]) {
    const st = await lstat(d);
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) return undefined;
    await chmod(d, 0o700);
  }
  return dir;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Records a panel; returns what removes the record. A registry that cannot be written only means `jackwasm panel` will not list it. */
export async function registerPanel(client: string, url: string): Promise<() => Promise<void>> {
  try {
    const dir = await ownDir();
    if (!dir) return async () => {};
    const file = join(dir, `${process.pid}-${encodeURIComponent(client)}.json`);
    const entry: PanelEntry = { client, url, pid: process.pid, started: new Date().toISOString() };
    // 'wx' (O_EXCL): never through a symlink or into a file someone put there.
    await rm(file, { force: true });
    await writeFile(file, JSON.stringify(entry), { mode: 0o600, flag: 'wx' });
    return () => rm(file, { force: true });
  } catch {
    return async () => {};
  }
}

/** The panels of running processes (records of dead ones are removed). */
export async function listPanels(): Promise<PanelEntry[]> {
  const dir = await ownDir().catch(() => undefined);
  if (!dir) return [];
  const out: PanelEntry[] = [];
  for (const f of await readdir(dir)) {
    if (!f.endsWith('.json')) continue;
    try {
      const e = JSON.parse(await readFile(join(dir, f), 'utf8')) as PanelEntry;
      if (typeof e.pid === 'number' && alive(e.pid) && typeof e.url === 'string' && typeof e.client === 'string') out.push(e);
      else await rm(join(dir, f), { force: true });
    } catch {
      /* a record being written, or not one of ours */
    }
  }
  return out.sort((a, b) => a.client.localeCompare(b.client));
}
