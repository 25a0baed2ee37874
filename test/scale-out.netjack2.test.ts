/**
 * Scale-out over netjack2: a jackwasm module runs on a slave server
 * (`jackd -d net`) that follows a master (dummy driver, netmanager loaded)
 * over UDP on the loopback interface, and its output is recorded on the
 * master with Client.record.
 *
 * The signals make every sample name its origin:
 * - master: test/abi/probe.wat counts frames (-> to_slave_1) and
 *   test/abi/noise.wat makes 24-bit noise in [-1, 1) (-> to_slave_2);
 * - slave (a child process: one process holds clients of one server only):
 *   its own probe counts the slave's frames (-> from_slave_1),
 *   test/abi/shaper.wat turns the master's count into full-mantissa floats
 *   y = x (0.7 + 0.1 x^2) (-> from_slave_2), and capture_2 is wired straight
 *   to playback_3, so the noise comes back untouched (-> from_slave_3).
 * Recording all five on the master in one call gives the round trip exactly:
 * what comes back at master frame i is what the master sent at frame i - D.
 *
 * Measured here (jackd2 1.9.21, float format): D = (l + 1) periods with a
 * synchronous slave (jackd -S), and with jackd's default asynchronous mode
 * (l + 2) through a client on the slave, (l + 1) for a wire from capture to
 * playback there; for l = 1..5 and periods 64..1024. An xrun on either server loses
 * whole periods (silence) and moves the slave's timeline by a period, so a
 * trial that saw one is tried again, as in the other frame-exact tests.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, type DspModule, type OwnPort, type Server } from '../host/index.js';
import { killChild, runChild, type Child } from './helpers/child.js';
import { frameAhead, serverPrefix, startServer, uniqueName, until, withoutXruns } from './helpers/jack.js';
import { freeUdpPort, loadNetmanager, netjackUnavailable, removeServerLeftovers, startNetSlave, type NetSlave } from './helpers/netjack.js';
import { useTempCache, useTempDir } from './helpers/temp.js';
import { wat } from './helpers/wat.js';

const unavailable = netjackUnavailable();
const tmp = useTempDir('netjack2');
useTempCache('netjack2');

const PERIOD = 256;
const f32 = Math.fround;
/** shaper.wat in f32, rounding where it does. */
const shaper = (x: number) => f32(x * f32(f32(0.7) + f32(f32(0.1) * f32(x * x))));
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** The slave side: its modules and connections, in a child process. Prints "xrun" lines, then a JSON line when ready. */
const SLAVE_SCRIPT = `
const c = await JW.Client.open(process.env.JW_NAME, { serverName: process.env.JW_SERVER });
c.on('xrun', () => process.stdout.write('xrun\\n'));
c.activate();
const probe = await c.load(process.env.JW_PROBE, { name: 'probe' });
const shaper = await c.load(process.env.JW_SHAPER, { name: 'shaper' });
probe.outputs[0].connect('system:playback_1');
c.connect('system:capture_1', shaper.inputs[0]);
shaper.outputs[0].connect('system:playback_2');
c.connect('system:capture_2', 'system:playback_3');
const ports = c.getPorts({ namePattern: '^system:' }).map((p) => ({ name: p.name, input: p.isInput, aliases: p.aliases }));
process.stdout.write(JSON.stringify({ ready: true, rate: c.sampleRate, blockSize: c.blockSize, ports }) + '\\n');
process.stdin.once('data', async () => { await c.close(); process.exit(0); });`;

interface Setup {
  master: Server;
  slave: NetSlave;
  client: Client;
  child: Child;
  node: string;
  masterXruns: () => number;
  slaveXruns: () => number;
  probe: DspModule;
  noise: DspModule;
  slaveInfo: { rate: number; blockSize: number; ports: { name: string; input: boolean; aliases: string[] }[] };
}

/** Master + netmanager + slave + the modules on both; `fn` runs with all of it, which is then stopped whatever happens. */
async function withNetjack(latency: number, sync: boolean, fn: (s: Setup) => Promise<void>): Promise<void> {
  const port = await freeUdpPort();
  let master: Server | undefined;
  let slave: NetSlave | undefined;
  let client: Client | undefined;
  let child: Child | undefined;
  try {
    master = await startServer('nj-master', { period: PERIOD });
    await loadNetmanager(master.name, port);
    client = await Client.open(uniqueName('nj-rec'), { serverName: master.name });
    let mx = 0;
    client.on('xrun', () => mx++);
    client.activate();
    const node = uniqueName('nj-node');
    slave = await startNetSlave({ name: `${serverPrefix()}nj-slave-${process.pid}-${port}`, node, port, capture: 2, playback: 3, latency, sync });
    const c = client;
    const s = slave;
    await until(() => c.getPorts({ namePattern: `^${node}:` }).length === 5 || !s.running, 10000, `the slave "${node}" on the master`);
    expect(slave.running, `the slave exited:\n${slave.log.slice(-15).join('\n')}`).toBe(true);

    const probe = await client.load(await wat('probe'), { name: 'probe' });
    const noise = await client.load(await wat('noise'), { name: 'noise' });
    // Rationale: netjack2 sends only the channels connected at the far end,
    // so a port connected just now stays silent for a few cycles. Hold
    // every return channel connected for the whole test.
    const holds = [1, 2, 3].map((i) => c.inports.register(`hold_${i}`));
    const wires: [OwnPort, string][] = [
      [probe.outputs[0] as OwnPort, `${node}:to_slave_1`],
      [noise.outputs[0] as OwnPort, `${node}:to_slave_2`],
      ...holds.map((h, i): [OwnPort, string] => [h, `${node}:from_slave_${i + 1}`]),
    ];
    // Rationale: the master's netjack client registers its ports before it
    // activates, and jackd2 refuses connections to an inactive client's ports.
    let refused: unknown;
    const connected = () => {
      try {
        for (const [own, other] of wires) own.connect(other);
        return true;
      } catch (err) {
        refused = err;
        return false;
      }
    };
    await until(connected, 5000, 'connections to the slave ports on the master').catch((err: Error) => {
      throw new Error(`${err.message}: ${String(refused)}`);
    });

    const probePath = join(tmp.dir, 'probe.wasm');
    const shaperPath = join(tmp.dir, 'shaper.wasm');
    await writeFile(probePath, await wat('probe'));
    await writeFile(shaperPath, await wat('shaper'));
    const ch = runChild(SLAVE_SCRIPT, { JW_NAME: uniqueName('nj-dsp'), JW_SERVER: slave.name, JW_PROBE: probePath, JW_SHAPER: shaperPath }, 60000);
    child = ch;
    const line = await until(() => ch.stdout.join('').split('\n').find((l) => l.startsWith('{')) ?? (ch.proc.exitCode !== null && 'exited'), 30000, 'the slave-side client');
    expect(line, `the slave-side client exited: ${ch.stderr.join('')}`).not.toBe('exited');
    const slaveXruns = () => (ch.stdout.join('').match(/^xrun$/gm) ?? []).length;
    await fn({ master, slave, client, child: ch, node, masterXruns: () => mx, slaveXruns, probe, noise, slaveInfo: JSON.parse(line as string) });
  } finally {
    if (child && child.proc.exitCode === null) {
      child.proc.stdin?.write('close\n');
      await Promise.race([child.exited, new Promise((r) => setTimeout(r, 5000))]);
      await killChild(child);
    }
    await client?.close();
    await slave?.stop();
    if (master) {
      await master.stop(15000);
      removeServerLeftovers(master.name);
    }
  }
}

/** The smallest d in [0, max] with got[i] === sent[i - d] bit for bit over the whole overlap, or -1. */
function delayOf(got: Uint32Array, sent: Uint32Array, max: number): number {
  for (let d = 0; d <= max; d++) {
    let ok = true;
    for (let i = d; i < got.length && ok; i++) ok = got[i] === sent[i - d];
    if (ok) return d;
  }
  return -1;
}

/** Index of the first sample where `got` differs from `want` bit for bit, or -1. */
function firstMismatch(got: Uint32Array, want: Uint32Array): number {
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

/**
 * Records master and slave signals together and checks them: 'xrun' when a
 * server reported one during the trial (or the recording skipped frames).
 */
async function roundTrip(s: Setup, latency: number, periods: { wire: number; module: number }, seconds: number): Promise<'xrun' | void> {
  const mx = s.masterXruns();
  const sx = s.slaveXruns();
  const rec = await s.client.record(
    [s.probe.outputs[0]!, s.noise.outputs[0]!, `${s.node}:from_slave_1`, `${s.node}:from_slave_2`, `${s.node}:from_slave_3`],
    { seconds, startAt: frameAhead(s.client) },
  );
  // Rationale: the xrun events reach JS a little after the cycle; let them.
  await new Promise((r) => setTimeout(r, 100));
  if (rec.discontinuities.length > 0 || s.masterXruns() !== mx || s.slaveXruns() !== sx) return 'xrun';
  const [count, noise, slaveCount, shaped, noiseBack] = rec.channels as Float32Array[];
  const n = count!.length;
  expect(n).toBe(Math.round(seconds * 48000));

  // The master's counter is contiguous: index i is master frame count[0] + i.
  expect(count![n - 1]! - count![0]!).toBe(n - 1);
  // Every frame the slave's module made arrives once and in order.
  const s0 = slaveCount![0]!;
  const ramp = Float32Array.from({ length: n }, (_, i) => s0 + i);
  const rampAt = firstMismatch(bits(slaveCount!), bits(ramp));
  expect(rampAt, `slave frame counter broken at ${rampAt}: ${slaveCount![rampAt]} after ${slaveCount![rampAt - 1]}`).toBe(-1);

  // Round trip through the network alone: the noise, bit for bit, a constant delay later.
  const wire = delayOf(bits(noiseBack!), bits(noise!), 16 * PERIOD);
  expect(wire, `noise came back after ${wire} frames (-1: never bit-exact); expected ${periods.wire} periods at -l ${latency}`).toBe(periods.wire * PERIOD);

  // Through the jackwasm module on the slave: shaper(master count D frames ago), bit for bit.
  const D = periods.module * PERIOD;
  const want = Float32Array.from({ length: n }, (_, i) => shaper(count![i]! - D));
  const at = firstMismatch(bits(shaped!), bits(want));
  expect(at, at < 0 ? '' : `module output differs at ${at}: got ${shaped![at]}, want ${want[at]} (shaper of master frame ${count![at]! - D})`).toBe(-1);
}

describe.skipIf(unavailable !== undefined)(`netjack2 scale-out${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('carries a module on a synchronous slave (jackd -S, -l 1) to the master bit-exactly, two periods round trip', async () => {
    await withNetjack(1, true, async (s) => {
      // The slave appears on the master as a client named after its -n, and
      // takes the master's sample rate and period.
      const names = (re: RegExp) => s.client.getPorts({ namePattern: re }).map((p) => p.name);
      expect(names(new RegExp(`^${s.node}:to_slave_`))).toEqual([1, 2].map((i) => `${s.node}:to_slave_${i}`));
      expect(names(new RegExp(`^${s.node}:from_slave_`))).toEqual([1, 2, 3].map((i) => `${s.node}:from_slave_${i}`));
      expect(s.client.getPortByName(`${s.node}:to_slave_1`).isInput).toBe(true);
      expect(s.client.getPortByName(`${s.node}:from_slave_1`).isOutput).toBe(true);
      expect([s.slaveInfo.rate, s.slaveInfo.blockSize]).toEqual([48000, PERIOD]);
      // On the slave, the network is its "system" device.
      expect(s.slaveInfo.ports).toEqual([
        { name: 'system:capture_1', input: false, aliases: ['net_pcm:from_master_:out1'] },
        { name: 'system:capture_2', input: false, aliases: ['net_pcm:from_master_:out2'] },
        { name: 'system:playback_1', input: true, aliases: ['net_pcm:to_master_:in1'] },
        { name: 'system:playback_2', input: true, aliases: ['net_pcm:to_master_:in2'] },
        { name: 'system:playback_3', input: true, aliases: ['net_pcm:to_master_:in3'] },
      ]);
      expect(s.slave.log.join('\n')).toContain('SampleEncoder : Float');
      await withoutXruns(() => roundTrip(s, 1, { wire: 2, module: 2 }, 1));
    });
  }, 120000);

  // Rationale: in asynchronous mode the slave's driver sends what its clients
  // wrote in the previous cycle (it writes before the graph runs), so a
  // module's output comes back a period later than a straight wire from
  // capture to playback on the slave.
  it("adds a period for modules with jackd's default asynchronous slave (-l 2: four periods round trip, three for a wire)", async () => {
    await withNetjack(2, false, async (s) => {
      await withoutXruns(() => roundTrip(s, 2, { wire: 3, module: 4 }, 0.5));
    });
  }, 120000);
});
