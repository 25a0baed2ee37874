/**
 * netjack2 on one machine for tests: the netmanager internal client loaded
 * into a master server, and a slave jackd (`-d net`) that reaches it over
 * UDP on the loopback interface.
 *
 * Facts this relies on (jackd2 1.9.21, measured here; see docs/scale-out.md):
 * - Unicast to 127.0.0.1 works with no change to the machine. Multicast (the
 *   default 225.3.19.154) does not on one host: both ends turn
 *   IP_MULTICAST_LOOP off, so the slave's announcements never reach a master
 *   on the same machine.
 * - The netmanager binds its UDP port with SO_REUSEADDR, so two masters on
 *   one port would both hear a slave: each test takes a port the kernel
 *   hands out as free.
 * - The slave takes its sample rate and period from the master: the net
 *   driver refuses `-r` (which Server.start always passes), so the slave is
 *   spawned here rather than with Server.start.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, unlinkSync } from 'node:fs';

const jackEnv = () => ({ ...process.env, JACK_NO_START_SERVER: '1', JACK_NO_AUDIO_RESERVATION: '1' });

/** Why netjack2 cannot run on this machine (no jackd, no net driver, no jack_load), or undefined when it can. */
export function netjackUnavailable(): string | undefined {
  const jackd = spawnSync('jackd', ['-d', 'net', '--help'], { encoding: 'utf8', env: jackEnv(), timeout: 10000 });
  if (jackd.error) return `jackd cannot run (${jackd.error.message}): install Debian's jackd2`;
  if (!/udp-net-port/.test(`${jackd.stdout}${jackd.stderr}`)) return 'this jackd has no "net" driver (netjack2 slave backend)';
  const load = spawnSync('jack_load', ['--help'], { encoding: 'utf8', timeout: 10000 });
  if (load.error) return `jack_load cannot run (${load.error.message}): install Debian's jackd2`;
  return undefined;
}

/** A UDP port on 127.0.0.1 that nothing uses right now (the kernel's choice). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Loads netmanager into `serverName`, listening on 127.0.0.1:`port`.
 * Rationale for the retries: jack_load is a client named "jack_load", and
 * jackd2 client names must be unique across all servers on the machine.
 */
export async function loadNetmanager(serverName: string, port: number, tries = 3): Promise<void> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('jack_load', ['-s', serverName, 'netmanager', '-i', `-a 127.0.0.1 -p ${port}`], { env: jackEnv(), timeout: 10000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
      );
    });
    if (r.code === 0 && r.out.includes('netmanager is running')) return;
    last = r.out;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`jack_load netmanager into "${serverName}" failed ${tries} times:\n${last}`);
}

/**
 * Removes the files a stopped jackd named `serverName` left in /dev/shm:
 * semaphores of clients still connected, and its socket when it died by a
 * signal (a master with netmanager loaded usually needs 0.3-1.2 s to stop;
 * once, on a loaded machine, it outlasted Server.stop's 5 s and was killed,
 * which leaves the socket behind).
 */
export function removeServerLeftovers(serverName: string): void {
  const uid = process.getuid?.() ?? 0;
  for (const f of readdirSync('/dev/shm')) {
    if (f === `jack_${serverName}_${uid}_0` || f.startsWith(`jack_sem.${uid}_${serverName}_`)) {
      try {
        unlinkSync(`/dev/shm/${f}`);
      } catch {
        /* gone */
      }
    }
  }
}

export interface NetSlaveOptions {
  /** The slave's server name (jackd -n). */
  name: string;
  /** The name the slave has on the master (net driver -n): its ports there are `<node>:to_slave_N` / `<node>:from_slave_N`. */
  node: string;
  /** The master's netmanager UDP port. */
  port: number;
  /** Audio channels from the master (slave's system:capture_N). */
  capture: number;
  /** Audio channels to the master (slave's system:playback_N). */
  playback: number;
  /** Network latency in cycles (net driver -l). */
  latency: number;
  /** Run the slave in synchronous mode (jackd -S): one period less round trip. */
  sync: boolean;
}

/** A slave jackd with the net driver. */
export interface NetSlave {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly log: string[];
  readonly running: boolean;
  /** SIGTERM, wait for exit (SIGKILL after `timeoutMs`), remove the files jackd leaves in /dev/shm. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts `jackd [-S] -n NAME -d net -a 127.0.0.1 -p PORT -n NODE -C c -P p -l L` and waits for its server socket. */
export async function startNetSlave(o: NetSlaveOptions, timeoutMs = 10000): Promise<NetSlave> {
  const args = [...(o.sync ? ['-S'] : []), '-n', o.name, '-d', 'net', '-a', '127.0.0.1', '-p', String(o.port), '-n', o.node];
  args.push('-C', String(o.capture), '-P', String(o.playback), '-l', String(o.latency));
  // Rationale: as in Server.start, the kernel stops jackd if this process dies first.
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  const [cmd, cmdArgs] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', 'jackd', ...args]] : ['jackd', args];
  const proc = spawn(cmd, cmdArgs, { env: jackEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const collect = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim()) log.push(line);
    if (log.length > 300) log.splice(0, log.length - 300);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    proc.on('error', () => ((exited = true), resolve()));
    proc.on('exit', () => ((exited = true), resolve()));
  });
  const uid = process.getuid?.() ?? 0;
  const socket = `/dev/shm/jack_${o.name}_${uid}_0`;
  let stopping: Promise<void> | undefined;
  const slave: NetSlave = {
    name: o.name,
    proc,
    log,
    get running() {
      return !exited;
    },
    stop(ms = 5000) {
      stopping ??= (async () => {
        if (!exited) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
          await exit;
          clearTimeout(timer);
        }
        removeServerLeftovers(o.name);
      })();
      return stopping;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(socket)) {
    if (exited || Date.now() > deadline) {
      await slave.stop();
      throw new Error(`the net slave "${o.name}" ${exited ? 'exited' : 'did not start'} (jackd ${args.join(' ')}):\n${log.slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return slave;
}
