// CI: the package as a user gets it. Packs this checkout (npm pack: the
// prepack step builds and puts the prebuilt addon in the tarball), installs
// the tarball in a new project in a temporary directory, and there, as a
// user would: checks the system (jackwasm doctor), compiles and renders an
// AssemblyScript module that imports the SDK the documented way
// ("jackwasm/dsp-asm"), runs it live on an embedded server, and runs the
// demo from the installed package, and a Faust effect under `jackwasm dev
// --ui` whose panel sets a parameter while it plays; then removes the prebuilt addon and
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
  // A Faust effect under `jackwasm dev --ui`: its panel controls it while it plays.
  writeFileSync(join(proj, 'dsp', 'drive.dsp'), `// A Faust effect: gain, then a soft clipper.
import("stdfaust.lib");
gain = hslider("gain[unit:dB]", -12, -40, 0, 0.1) : ba.db2linear;
process = _ * gain : ma.tanh;
`);
  writeFileSync(join(proj, 'check-panel.mjs'), `import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { Client, ensureServer } from 'jackwasm';
const server = await ensureServer();
const client = await Client.open('try-jackwasm-panel', { serverName: server.name });
const dev = spawn('npx', ['jackwasm', 'dev', 'dsp/drive.dsp', '--ui', '--json', '--server', server.name, '--name', 'drive-dev', '--seconds', '120'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  let out = '';
  dev.stdout.on('data', (d) => (out += d));
  const running = await new Promise((resolve, reject) => {
    const t = setInterval(() => { const l = out.split('\\n').find((x) => x.includes('"running"')); if (l) { clearInterval(t); resolve(JSON.parse(l)); } }, 100);
    dev.on('exit', (c) => reject(new Error('jackwasm dev exited ' + c + ': ' + out)));
  });
  client.activate();
  const tone = new Float32Array(48000).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 441 * i) / 48000));
  const stop = new AbortController();
  const playing = client.play([running.inputs[0]], [tone], { loop: true, signal: stop.signal });
  const level = async () => { const r = await client.record([running.outputs[0]], { frames: 4800 }); return Math.max(...r.channels[0].map(Math.abs)); };
  const before = await level();
  const ws = new WebSocket(running.panel.replace('http', 'ws').replace('/?', '/ws?'));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  ws.send(JSON.stringify({ type: 'set', module: 'drive', param: 'gain', value: 0 }));
  await new Promise((r) => setTimeout(r, 300));
  const after = await level();
  ws.close();
  stop.abort();
  await playing;
  const expect = (x) => Math.tanh(0.5 * 10 ** (x / 20));
  if (Math.abs(before - expect(-12)) > 0.01 || Math.abs(after - expect(0)) > 0.01) throw new Error('panel: levels ' + before + ' -> ' + after);
  console.log('jackwasm dev --ui plays a Faust effect and its panel controls it: peak ' + before.toFixed(3) + ' at -12 dB, ' + after.toFixed(3) + ' at 0 dB');
} finally {
  dev.kill('SIGINT');
  await new Promise((r) => dev.on('exit', r));
  await client.close();
  await server.stop();
}
`);
  const tf = performance.now();
  console.log(sh(process.execPath, ['check-panel.mjs'], proj).trim(), `(${((performance.now() - tf) / 1000).toFixed(1)} s with the Faust compile)`);
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
