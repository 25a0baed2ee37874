/**
 * Compiles the hand-written WAT modules of test/abi/ with wabt's wat2wasm.
 * A module that needs a post-MVP feature wat2wasm leaves off by default says
 * so in a header line `;; wat2wasm: --enable-threads` (flags are passed as is).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const abiDir = fileURLToPath(new URL('../abi/', import.meta.url));

/** Path of test/abi/<name>.wat. */
export const watPath = (name: string) => join(abiDir, `${name}.wat`);

/** The source text of test/abi/<name>.wat. */
export function watSource(name: string): Promise<string> {
  return readFile(watPath(name), 'utf8');
}

/** wat2wasm flags a source asks for in its `;; wat2wasm: ...` header lines. */
function flagsOf(source: string): string[] {
  return [...source.matchAll(/^;;\s*wat2wasm:\s*(.+)$/gm)].flatMap((m) => (m[1] as string).trim().split(/\s+/));
}

/** Assembles WAT source text (named `name` in error messages) into WebAssembly bytes. */
export async function watText(source: string, name = 'inline', extraFlags: string[] = []): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'jw-wat-'));
  try {
    const src = join(dir, `${name}.wat`);
    const out = join(dir, `${name}.wasm`);
    await writeFile(src, source);
    await new Promise<void>((resolve, reject) => {
      execFile('wat2wasm', [...flagsOf(source), ...extraFlags, src, '-o', out], (err, stdout, stderr) => {
        if (err) reject(new Error(`wat2wasm ${name}.wat failed: ${stdout}${stderr}`));
        else resolve();
      });
    });
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Assembles test/abi/<name>.wat into WebAssembly bytes. */
export async function wat(name: string): Promise<Uint8Array> {
  return watText(await watSource(name), name);
}
