/**
 * OSC control over UDP (serveOsc, npm `osc`): parameters by id and by the
 * module's own path, MIDI notes, the transport, on IPv4 or IPv6; OSC's
 * numeric types as values; bad messages are counted and reported, never
 * thrown.
 */
import osc from 'osc';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client, serveOsc, type OscServer, type Server } from '../host/index.js';
import { rejection } from './helpers/errors.js';
import { startServer, uniqueName, until } from './helpers/jack.js';
import { useTempCache } from './helpers/temp.js';

// Faust compiles (faustwasm, asc, wasm-merge, cc) take tens of seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let server: Server;
let client: Client;
let oscServer: OscServer;
let sender: InstanceType<typeof osc.UDPPort>;
const dsp = (name: string) => join(import.meta.dirname, 'faust', name);

useTempCache('osc');

beforeAll(async () => {
  server = await startServer('osc', { period: 256 });
  client = await Client.open(uniqueName('osc'), { serverName: server.name });
  client.activate();
  await client.load(dsp('zita.dsp'), { name: 'verb' });
  await client.load(dsp('poly.dsp'), { name: 'synth' });
  oscServer = await serveOsc(client, { port: 0 });
  sender = new osc.UDPPort({ localAddress: '127.0.0.1', localPort: 0, remoteAddress: '127.0.0.1', remotePort: oscServer.port, metadata: true });
  await new Promise<void>((resolve) => {
    sender.on('ready', () => resolve());
    sender.open();
  });
}, 180_000);

afterAll(async () => {
  sender?.close();
  oscServer?.close();
  await client?.close();
  await server?.stop();
});

const send = (address: string, ...args: { type: string; value: unknown }[]) => sender.send({ address, args });
const mod = (name: string) => client.modules.find((m) => m.name === name)!;

describe('serveOsc', () => {
  it('sets a parameter by its id and by its Faust path', async () => {
    send('/verb/Level', { type: 'f', value: 3.5 });
    await until(() => mod('verb').getParam('Level') === 3.5, 5000, 'Level to be 3.5');
    send('/verb/Zita_Rev1/Output/Wet_Dry_Mix', { type: 'f', value: -0.25 });
    await until(() => mod('verb').getParam('Wet_Dry_Mix') === -0.25, 5000, 'the mix to be -0.25');
    // Clamped to the range like any setParam.
    send('/verb/Level', { type: 'i', value: 1000 });
    await until(() => mod('verb').getParam('Level') === 40, 5000, 'Level clamped to 40');
    // OSC booleans are 1 and 0 (checkboxes, buttons).
    send('/verb/Level', { type: 'F', value: false });
    await until(() => mod('verb').getParam('Level') === 0, 5000, 'Level set to 0 by F');
  });

  it('plays notes into a module\'s MIDI input', async () => {
    const synth = mod('synth');
    // From as soon as it can (a planned start can be missed under load), a second: room for late timers.
    const rec = client.record([synth.outputs[0]!], { frames: 48000 });
    await new Promise((r) => setTimeout(r, 120));
    send('/synth/note', { type: 'i', value: 69 }, { type: 'i', value: 127 });
    await new Promise((r) => setTimeout(r, 60));
    send('/synth/note', { type: 'i', value: 69 }, { type: 'i', value: 0 });
    const out = (await rec).channels[0]!;
    expect(Math.max(...out.map(Math.abs))).toBeGreaterThan(0.5);
    expect(Math.abs(out.at(-1)!)).toBe(0); // released and quiet again
  });

  it('starts, locates and stops the transport', async () => {
    send('/transport/locate', { type: 'i', value: 48000 });
    send('/transport/start');
    await until(() => client.transportQuery().state === 'rolling', 5000, 'the transport to roll');
    expect(client.transportQuery().position.frame).toBeGreaterThanOrEqual(48000);
    send('/transport/stop');
    await until(() => client.transportQuery().state === 'stopped', 5000, 'the transport to stop');
  });

  it('counts and reports messages it cannot apply', async () => {
    const errors: string[] = [];
    oscServer.on('error', (m) => errors.push(m));
    const before = oscServer.stats.refused;
    send('/nope/gain', { type: 'f', value: 1 });
    send('/verb/NoSuchControl', { type: 'f', value: 1 });
    send('/verb/Level', { type: 's', value: 'loud' });
    await until(() => oscServer.stats.refused === before + 3, 5000, 'three refusals');
    expect(errors).toEqual([
      '/nope/gain: no module named "nope" (modules: verb, synth)',
      '/verb/NoSuchControl: module "verb" has no parameter "NoSuchControl"',
      '/verb/Level: the value must be a number (got OSC type s)',
    ]);
    expect(oscServer.addresses()).toContain('/verb/Eq1_Freq f');
    expect(oscServer.addresses()).toContain('/synth/note i i');
  });

  it('lists the parameters of a module named transport as /transport/param/<id>, which set them, while /transport/start stays the transport', async () => {
    const t = await client.load(fileURLToPath(new URL('../build/examples/gain.wasm', import.meta.url)), { name: 'transport' });
    try {
      const transportAddresses = oscServer.addresses().filter((a) => a.startsWith('/transport/'));
      expect(transportAddresses.sort()).toEqual(['/transport/locate i', '/transport/param/gain f', '/transport/start', '/transport/stop']);
      send('/transport/param/gain', { type: 'f', value: -6 });
      await until(() => t.getParam('gain') === -6, 5000, 'gain -6');
    } finally {
      await t.unload();
    }
  });

  it('addresses a parameter named note or midi as /<module>/param/<id>, while /<module>/note and /<module>/midi stay MIDI', async () => {
    const keys = await client.load(fileURLToPath(new URL('../build/dsp/osc-keys.wasm', import.meta.url)), { name: 'keys' });
    /** The key of the last note-on (the module's output). */
    const heard = async (key: number) => {
      for (let i = 0; i < 100; i++) {
        const rec = await client.record([keys.outputs[0]!], { frames: 256 });
        if (rec.channels[0]!.every((v) => v === key)) return;
      }
      throw new Error(`the module never played key ${key}`);
    };
    try {
      send('/keys/param/note', { type: 'f', value: 64 });
      send('/keys/param/midi', { type: 'f', value: 1 });
      await until(() => keys.getParam('note') === 64 && keys.getParam('midi') === 1, 5000, 'note 64 and midi 1');
      send('/keys/note', { type: 'i', value: 60 }, { type: 'i', value: 100 });
      await heard(60);
      send('/keys/midi', { type: 'i', value: 0x90 }, { type: 'i', value: 61 }, { type: 'i', value: 100 });
      await heard(61);
      expect([keys.getParam('note'), keys.getParam('midi')]).toEqual([64, 1]);
      expect(oscServer.addresses()).toEqual(expect.arrayContaining(['/keys/param/note f', '/keys/param/midi f', '/keys/note i i', '/keys/midi i i i']));
      // The long form names any parameter, by id or by its own path.
      send('/verb/param/Level', { type: 'f', value: 1.5 });
      await until(() => mod('verb').getParam('Level') === 1.5, 5000, 'Level to be 1.5');
      send('/verb/param/Zita_Rev1/Output/Wet_Dry_Mix', { type: 'f', value: 0.5 });
      await until(() => mod('verb').getParam('Wet_Dry_Mix') === 0.5, 5000, 'the mix to be 0.5');
    } finally {
      await keys.unload();
    }
  });

  it('takes 64-bit integers, doubles and impulses as numbers, and refuses other types naming them', async () => {
    const level = (value: number) => until(() => mod('verb').getParam('Level') === value, 5000, `Level to be ${value}`);
    send('/verb/Level', { type: 'h', value: { high: 0, low: 12 } });
    await level(12);
    send('/verb/Level', { type: 'h', value: { high: -1, low: -5 } });
    await level(-5);
    send('/verb/Level', { type: 'd', value: 2.25 });
    await level(2.25);
    send('/verb/Level', { type: 'I', value: 1 });
    await level(1);
    send('/verb/Level', { type: 'h', value: { high: 1, low: 0 } }); // 2^32: clamped
    await level(40);
    const errors: string[] = [];
    const onError = (m: string) => errors.push(m);
    oscServer.on('error', onError);
    try {
      const before = oscServer.stats.refused;
      send('/verb/Level', { type: 'c', value: 'x' });
      send('/verb/Level', { type: 'N', value: null });
      send('/verb/Level', { type: 't', value: { raw: [0, 1] } });
      send('/verb/Level');
      await until(() => oscServer.stats.refused === before + 4, 5000, 'four refusals');
      expect(errors).toEqual([
        '/verb/Level: the value must be a number (got OSC type c)',
        '/verb/Level: the value must be a number (got OSC type N)',
        '/verb/Level: the value must be a number (got OSC type t)',
        '/verb/Level: the value must be a number',
      ]);
      expect(mod('verb').getParam('Level')).toBe(40);
    } finally {
      oscServer.off('error', onError);
    }
  });

  it('listens on an IPv6 address (a udp6 socket)', async () => {
    const v6 = await serveOsc(client, { host: '::1', port: 0 });
    const socket = createSocket('udp6');
    await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
    const from = new osc.UDPPort({ socket, remoteAddress: '::1', remotePort: v6.port, metadata: true });
    try {
      from.send({ address: '/verb/Level', args: [{ type: 'f', value: -7.5 }] });
      await until(() => mod('verb').getParam('Level') === -7.5, 5000, 'Level set over IPv6');
      expect(v6.stats.applied).toBe(1);
      const e = await rejection(serveOsc(client, { host: '::1', port: v6.port }));
      expect([e.code, e.message]).toEqual(['INVALID_ARGUMENT', expect.stringContaining(`cannot listen on udp [::1]:${v6.port}`)]);
    } finally {
      from.close();
      v6.close();
    }
  });

  it('refuses a port that is in use with INVALID_ARGUMENT naming it', async () => {
    const e = await rejection(serveOsc(client, { port: oscServer.port }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain(`cannot listen on udp 127.0.0.1:${oscServer.port}`);
    const other = await serveOsc(client, { port: 0 });
    other.close();
    expect(() => other.close()).not.toThrow(); // closing twice is no error
  });
});
