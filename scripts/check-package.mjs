// CI: the package as a user gets it. Packs this checkout (npm pack: the
// prepack step builds and puts the prebuilt addon in the tarball), installs
// the tarball in a new project in a temporary directory, and there, as a
// user would: checks the system (jackwasm doctor), compiles and renders an
// AssemblyScript module that imports the SDK the documented way
// ("jackwasm/dsp-asm"), runs it live on an embedded server, and runs the
// demo from the installed package; then removes the prebuilt addon and
// checks that the install step builds it from source. Prints the times.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'jackwasm-package-'));
const sh = (cmd, args, cwd, opts = {}) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 600000, ...opts });
try {
  sh('npm', ['pack', '--pack-destination', work, '--loglevel=error'], root, { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));
  const proj = join(work, 'project');
  mkdirSync(join(proj, 'dsp'), { recursive: true });
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'try-jackwasm', version: '1.0.0', type: 'module', private: true }));
  const t0 = performance.now();
  // The package's dependencies come from the registry (or npm's cache).
  sh('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], proj, { stdio: ['ignore', 'inherit', 'inherit'] });
  const installMs = performance.now() - t0;

  console.log(sh('npx', ['jackwasm', 'doctor'], proj).trim());
  writeFileSync(join(proj, 'dsp', 'tone.ts'), `// A module written against the installed SDK.
import { Processor, register } from "jackwasm/dsp-asm";

class Tone extends Processor {
  constructor() {
    super("tone", 0, 1);
    this.addParam("level", "Level", 0, 1, 0.25);
  }
  process(frames: i32): void {
    const out = this.output(0);
    for (let i = 0; i < frames; i++) unchecked((out[i] = this.param(0)));
  }
}
register(new Tone());
export * from "jackwasm/dsp-asm/abi";
`);
  writeFileSync(join(proj, 'check.mjs'), `import { render, Client, ensureServer } from 'jackwasm';
const [out] = await render('./dsp/tone.ts', { frames: 512, params: { level: 0.5 } });
if (out.length !== 512 || out.some((v) => v !== 0.5)) throw new Error('render: unexpected samples');
const server = await ensureServer();
const client = await Client.open('try-jackwasm', { serverName: server.name });
try {
  client.activate();
  const m = await client.load('./dsp/tone.ts', { params: { level: 0.75 } });
  const rec = await client.record([m.outputs[0]], { frames: 256 });
  if (rec.channels[0].some((v) => v !== 0.75)) throw new Error('live: unexpected samples');
  await m.unload();
} finally {
  await client.close();
  await server.stop();
}
console.log('the installed package compiles, renders and runs a module that imports "jackwasm/dsp-asm"');
`);
  console.log(sh(process.execPath, ['check.mjs'], proj).trim());
  console.log(sh('npx', ['jackwasm', 'demo', '--seconds', '2'], proj).trim().split('\n').slice(-3).join('\n'));
  // Where the prebuilt addon cannot load, the install step builds it from the shipped sources.
  rmSync(join(proj, 'node_modules', 'jackwasm', 'prebuilds'), { recursive: true, force: true });
  const t1 = performance.now();
  const built = sh(process.execPath, [join('node_modules', 'jackwasm', 'scripts', 'install.mjs')], proj);
  if (!built.includes('built the native addon from source')) throw new Error(`the source build did not happen:\n${built}`);
  const buildMs = performance.now() - t1;
  console.log(sh(process.execPath, ['check.mjs'], proj).trim(), '(addon built from source)');
  console.log(`check-package: npm install of the tarball took ${(installMs / 1000).toFixed(1)} s; the source build of the addon ${(buildMs / 1000).toFixed(1)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
