/**
 * What jackwasm needs from the system (host/system-check.ts) and
 * `jackwasm doctor`: a missing library or tool is named with the Debian
 * package and the apt command that installs it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { aptCommand, packagesForLoadError } from '../host/system-check.js';

const cli = fileURLToPath(new URL('../dist/host/cli.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, encoding: 'utf8' }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

describe('system check', () => {
  it('maps a dynamic loader error to the Debian package of the missing library', () => {
    expect(packagesForLoadError('libjack.so.0: cannot open shared object file: No such file or directory')).toEqual(['libjack-jackd2-0']);
    expect(packagesForLoadError('libsamplerate.so.0: cannot open shared object file')).toEqual(['libsamplerate0']);
    expect(packagesForLoadError('invalid ELF header')).toEqual([]);
    expect(aptCommand(['wabt', 'gcc', 'wabt'])).toBe('sudo apt-get install -y --no-install-recommends wabt gcc');
  });

  it('jackwasm doctor names each missing tool with its package and exits 1', async () => {
    // Only node on PATH: no compiler, no wabt, no jackd.
    const bin = mkdtempSync(join(tmpdir(), 'jw-path-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    try {
      const r = await run(['doctor', '--json'], { ...process.env, PATH: bin });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.out) as { addon: { loads: boolean }; tools: { tool: string; pkg: string; found: boolean }[]; ok: boolean };
      expect(report.addon.loads).toBe(true);
      expect(report.ok).toBe(false);
      expect(report.tools.filter((t) => !t.found).map((t) => `${t.tool}:${t.pkg}`)).toEqual(['cc:gcc', 'wasm2c:wabt', 'wasm-validate:wabt', 'jackd:jackd2']);
      const text = await run(['doctor'], { ...process.env, PATH: bin });
      expect(text.out).toContain('MISSING  wasm2c, for compiling DSP modules\n         fix: sudo apt-get install -y --no-install-recommends wabt');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('jackwasm doctor passes on this machine', async () => {
    const r = await run(['doctor'], process.env);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/ok {7}native addon .*jackwasm\.node \(JACK library \d/);
  });

  it('says which package is missing when the addon cannot load', async () => {
    const r = await run(['info'], { ...process.env, JACKWASM_ADDON: '/nonexistent/jackwasm.node' });
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe("jackwasm: [NATIVE_LOAD_FAILED] cannot load the jackwasm native addon from /nonexistent/jackwasm.node: Cannot find module '/nonexistent/jackwasm.node'. Fix: build it from source with `npm rebuild jackwasm` (in a checkout: `npm run build`); that needs sudo apt-get install -y --no-install-recommends cmake make g++ pkg-config libjack-jackd2-dev libsndfile1-dev libsamplerate0-dev");
  });
});
