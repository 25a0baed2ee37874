/**
 * `jackwasm doctor`: what this system has and lacks for jackwasm, each
 * missing piece with the apt command that installs it. The same checks as
 * the package's install step (scripts/install.mjs), for when npm did not run
 * it (npm 11 runs a dependency's install script only once it is approved).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nativeLibDir } from './paths.js';
import { aptCommand, BUILD_PACKAGES, missingTools, packagesForLoadError, TOOLS } from './system-check.js';

export interface DoctorReport {
  addon: { path: string; loads: boolean; error?: string; fix?: string };
  jack?: string;
  tools: { tool: string; pkg: string; what: string; found: boolean }[];
  ok: boolean;
}

/** Runs the checks (loading the addon if it can). */
export async function doctor(): Promise<DoctorReport> {
  const path = join(nativeLibDir(), 'jackwasm.node');
  const report: DoctorReport = { addon: { path, loads: false }, tools: [], ok: false };
  if (!existsSync(path)) {
    report.addon.error = 'not built';
    report.addon.fix = `npm rebuild jackwasm (needs ${aptCommand(BUILD_PACKAGES)})`;
  } else {
    try {
      const { versionString } = await import('./jack.js');
      report.jack = versionString();
      report.addon.loads = true;
    } catch (err) {
      const message = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
      report.addon.error = message;
      const pkgs = packagesForLoadError(message);
      report.addon.fix = pkgs.length ? aptCommand(pkgs) : `npm rebuild jackwasm (needs ${aptCommand(BUILD_PACKAGES)})`;
    }
  }
  const missing = new Set(missingTools().map((t) => t.tool));
  report.tools = TOOLS.map((t) => ({ ...t, found: !missing.has(t.tool) }));
  report.ok = report.addon.loads && report.tools.every((t) => t.found);
  return report;
}

/** The report as lines for a terminal. */
export function doctorLines(r: DoctorReport): string[] {
  const lines = [r.addon.loads ? `ok       native addon ${r.addon.path} (JACK library ${r.jack})` : `MISSING  native addon ${r.addon.path}: ${r.addon.error}\n         fix: ${r.addon.fix}`];
  for (const t of r.tools) lines.push(t.found ? `ok       ${t.tool}` : `MISSING  ${t.tool}, for ${t.what}\n         fix: ${aptCommand([t.pkg])}`);
  lines.push(r.ok ? 'jackwasm is ready.' : 'jackwasm lacks what is marked MISSING above.');
  return lines;
}
