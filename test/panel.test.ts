/**
 * The web control panel, in a real browser: headless Chromium (Debian's
 * package) driven over the DevTools protocol (puppeteer-core) loads the page,
 * moves a slider and the module's output changes; the page shows the
 * modules, keyboard, meters, scope, log and ports; the token and Host checks
 * keep other pages out. A screenshot is kept for the docs.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { Client, listPanels, servePanel, type Panel, type Server } from '../host/index.js';
import { startServer, uniqueName, until } from './helpers/jack.js';
import { useTempCache, useTempDir } from './helpers/temp.js';

// Faust compiles (faustwasm, asc, wasm-merge, cc) take tens of seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/chromium-headless-shell'].find((p) => existsSync(p));
let server: Server;
let client: Client;
let panel: Panel;
let browser: Browser | undefined;
const dsp = (name: string) => join(import.meta.dirname, 'faust', name);
const tmp = useTempDir('panel');

useTempCache('panel');

beforeAll(async () => {
  server = await startServer('panel', { period: 256 });
  client = await Client.open(uniqueName('panel'), { serverName: server.name });
  client.activate();
  await client.load(dsp('osc.dsp'), { name: 'osc' });
  await client.load(dsp('poly.dsp'), { name: 'synth' });
  panel = await servePanel(client);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await panel?.close();
  await client?.close();
  await server?.stop();
});

describe('the panel in headless Chromium', () => {
  it('is served only to 127.0.0.1 with its token', async () => {
    expect(panel.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
    const ok = await fetch(panel.url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(`<span id="client">${client.name}</span>`);
    expect((await fetch(panel.url.replace(/token=\w+/, 'token=0000'))).status).toBe(403);
    expect((await fetch(panel.url.replace(/\?token=\w+/, ''))).status).toBe(403);
    // Another Host (DNS rebinding) is refused even with the token.
    const rebound = await new Promise<number>((resolve) => {
      const ws = new WebSocket(panel.url.replace('http', 'ws').replace('/?', '/ws?'), { headers: { host: 'evil.example:80' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(-1));
    });
    expect(rebound).toBe(403);
    const wrongOrigin = await new Promise<number>((resolve) => {
      const ws = new WebSocket(panel.url.replace('http', 'ws').replace('/?', '/ws?'), { origin: 'http://evil.example' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(-1));
    });
    expect(wrongOrigin).toBe(403);
    expect((await listPanels()).some((p) => p.client === client.name && p.url === panel.url && p.pid === process.pid)).toBe(true);
  });

  it.skipIf(!CHROMIUM)('shows a control per parameter, moves a slider, and the module\'s output follows', async () => {
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(panel.url);
    await page.waitForSelector('[data-module="osc"] input[data-param="gain"]');
    // Generated from the descriptors: every parameter, with unit and range.
    const rows = await page.$$eval('[data-module="osc"] [data-row] label', (ls) => ls.map((l) => l.textContent));
    expect(rows).toEqual(['freq (Hz)', 'gain']);
    expect(await page.$$eval('[data-keyboard="synth"] .key', (ks) => ks.length)).toBe(25);
    expect(await page.$eval('[data-module="synth"] [data-row] label', (l) => l.textContent)).toBe('volume');

    const peakOf = async () => {
      const rec = await client.record([client.modules.find((m) => m.name === 'osc')!.outputs[0]!], { frames: 4800 }); // as soon as it can: the parameter changed before
      return Math.max(...rec.channels[0]!.map(Math.abs));
    };
    expect(await peakOf()).toBeCloseTo(0.5, 2);
    // Keyboard: focus the gain slider and press End, as a user would: gain goes to its max, 1.
    // (Focus again if the page rebuilt its controls in between: the state changes while taps open.)
    const osc = client.modules.find((m) => m.name === 'osc')!;
    for (let i = 0; i < 5 && osc.getParam('gain') !== 1; i++) {
      await page.focus('[data-module="osc"] input[data-param="gain"]');
      await page.keyboard.press('End');
      await until(() => osc.getParam('gain') === 1, 1000, 'the gain to reach 1').catch(() => {});
    }
    expect(osc.getParam('gain')).toBe(1);
    expect(await page.$eval('[data-module="osc"] [data-row="gain"] output', (o) => o.textContent)).toBe('1');
    expect(await peakOf()).toBeCloseTo(1, 2);
    // Mouse: drag the frequency slider to its left end: 20 Hz.
    const box = (await (await page.$('[data-module="osc"] input[data-param="freq"]'))!.boundingBox())!;
    await page.mouse.click(box.x + 1, box.y + box.height / 2);
    await until(() => client.modules.find((m) => m.name === 'osc')!.getParam('freq') < 40, 5000, 'freq to drop');
    // A key of the keyboard plays a note on the synth.
    const key = (await page.$('[data-keyboard="synth"] [data-note="60"]'))!;
    const kb = (await key.boundingBox())!;
    await page.mouse.move(kb.x + kb.width / 2, kb.y + kb.height - 5);
    await page.mouse.down();
    const synth = client.modules.find((m) => m.name === 'synth')!;
    const rec = await client.record([synth.outputs[0]!], { frames: 2400 }); // as soon as it can: the note is held until it ends
    await page.mouse.up();
    expect(Math.max(...rec.channels[0]!.map(Math.abs))).toBeGreaterThan(0.1);
    // Meters and scope move; the ports table lists the modules' ports.
    await page.waitForFunction(() => { const bar = document.querySelector('[data-meters="osc"] [data-level="0"]') as HTMLElement | null; return !!bar && parseFloat(bar.style.width) > 50; }, { timeout: 5000 });
    await page.waitForFunction(() => document.getElementById('scope-name')?.textContent === 'osc', { timeout: 5000 });
    const ports = await page.$eval('#ports', (t) => t.textContent ?? '');
    expect(ports).toContain('osc_out_1');
    expect(ports).toContain('synth_midi_in');
    expect(errors).toEqual([]);
    const shot = process.env.JACKWASM_UPDATE_DOCS ? join(import.meta.dirname, '..', 'docs', 'images', 'panel.png') : join(tmp.dir, 'panel.png');
    mkdirSync(join(shot, '..'), { recursive: true });
    await page.screenshot({ path: shot as `${string}.png` });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280); // width in the IHDR chunk
  });

  it('reports bad messages to the page instead of failing', async () => {
    const ws = new WebSocket(panel.url.replace('http', 'ws').replace('/?', '/ws?'));
    const msgs: { type: string; message?: string }[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as { type: string }));
    await new Promise((r) => ws.on('open', r));
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'set', module: 'nope', param: 'gain', value: 1 }));
    ws.send(JSON.stringify({ type: 'set', module: 'osc', param: 'gain', value: 'loud' }));
    await until(() => msgs.filter((m) => m.type === 'error').length >= 3, 5000, 'three errors');
    expect(msgs.filter((m) => m.type === 'error').map((m) => m.message)).toEqual([
      expect.stringMatching(/^bad message: /),
      '[INVALID_ARGUMENT] no module named "nope"',
      '[INVALID_ARGUMENT] set: param (string) and value (number)',
    ]);
    ws.close();
  });
});

describe('the panel against bad requests', () => {
  it('answers a malformed request target with 400 and a bad WebSocket frame by closing that socket, and keeps serving', async () => {
    const { connect } = await import('node:net');
    const raw = (text: string) => new Promise<string>((resolve) => {
      const s = connect(panel.port, '127.0.0.1', () => s.end(text));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(await raw(`GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1:${panel.port}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1:${panel.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    const ws = new WebSocket(panel.url.replace('http', 'ws').replace('/?', '/ws?'));
    await new Promise((r) => ws.on('open', r));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('error', () => {});
    ws.send('x'.repeat(70 << 10));
    expect(await closed).toBe(1009); // message too big: that socket only
    expect((await fetch(panel.url)).status).toBe(200);
  });

  it('refuses page sockets once its client is closed, without failing', async () => {
    const c = await Client.open(uniqueName('panelgone'), { serverName: server.name });
    const p = await servePanel(c, { register: false });
    await c.close();
    const ws = new WebSocket(p.url.replace('http', 'ws').replace('/?', '/ws?'));
    const code = await new Promise<number>((r) => ws.on('close', (c2) => r(c2)));
    expect(code).toBe(1011);
    await p.close();
  });
});
