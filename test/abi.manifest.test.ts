/**
 * The ABI, trap kinds, error codes and versions are described once
 * (shim/manifest.json); the C header, the TypeScript module and the doc
 * tables are generated from it and must be current, and the native side must
 * agree with the TypeScript side.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ABI_EXPORTS, ERROR_CODES, TRAP_KINDS, VERSIONS } from '../host/generated/manifest.js';
import { REQUIRED_EXPORTS, OPTIONAL_EXPORTS } from '../host/dsp/validate.js';
import { native } from '../host/native.js';
import { packageRoot } from '../host/paths.js';

describe('the manifest', () => {
  it('has every generated file up to date', async () => {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = execFile(process.execPath, [join(packageRoot(), 'scripts', 'gen-manifest.mjs'), '--check'], (_e, _o, err) => resolve({ code: child.exitCode, err }));
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('gives the native trap table the same kinds and texts', () => {
    for (const t of TRAP_KINDS) expect(native.trapInfo(t.code), t.id).toEqual({ kind: t.id, text: t.text });
    expect(native.trapInfo(9999)).toEqual({ kind: 'unknown', text: 'unknown trap' });
  });

  it('drives the validator: every export, with its signature, required or optional', () => {
    for (const e of ABI_EXPORTS) {
      const table = e.required ? REQUIRED_EXPORTS : OPTIONAL_EXPORTS;
      expect(table[e.name], e.name).toEqual({ params: [...e.params], results: [...e.results] });
    }
    expect(Object.keys(REQUIRED_EXPORTS).length + Object.keys(OPTIONAL_EXPORTS).length).toBe(ABI_EXPORTS.length);
  });

  it('lists the same error codes in C (by enum order) and TypeScript', () => {
    const header = readFileSync(join(packageRoot(), 'shim', 'generated', 'manifest.h'), 'utf8');
    const c = [...header.matchAll(/^\s+JW_E_([A-Z_]+) = (\d+),$/gm)].map((m) => [m[1], Number(m[2])]);
    expect(c).toEqual(ERROR_CODES.map((code, i) => [code, i + 1]));
    expect(header).toContain(`#define JW_ABI_VERSION ${VERSIONS.abi}`);
  });
});
