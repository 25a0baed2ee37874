// npm pack / npm publish: builds everything, then puts the native addon and
// the shared WebAssembly runtime in prebuilds/<platform>-<arch>, which the
// package ships (scripts/install.mjs checks that they load where installed).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
const out = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const f of ['jackwasm.node', 'libjwrt.so']) copyFileSync(join(root, 'build', 'Release', f), join(out, f));
// Rationale: symbols are not needed to run, and halve the download.
execFileSync('strip', ['--strip-unneeded', join(out, 'jackwasm.node'), join(out, 'libjwrt.so')]);
console.log(`prepack: ${out}`);
