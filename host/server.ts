/**
 * Server: an embedded jackd2 process, for machines (CI, tests, headless
 * boxes) where no JACK server runs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { fail, require_ } from './errors.js';
import { addonPath, native, C } from './native.js';
import { conflictsWith } from './process-server.js';

/** Options for {@link Server.start}. */
export interface ServerOptions {
  /** Server name (jackd -n). Default: a unique "jackwasm-<pid>-<n>". */
  name?: string;
  /** Sample rate. Default 48000. */
  sampleRate?: number;
  /** Frames per period. Default 256. */
  period?: number;
  /** Backend driver. Default 'dummy' (no sound card needed). */
  driver?: string;
  /** Realtime scheduling (-R / -r). Default: jackd's default (realtime). */
  realtime?: boolean;
  /** Dummy driver: number of capture (input) ports. Default 2. */
  capture?: number;
  /** Dummy driver: number of playback (output) ports. Default 2. */
  playback?: number;
  /** Client timeout in ms (jackd -t). Default: jackd's default. */
  clientTimeoutMs?: number;
  /** More arguments for jackd itself, before `-d`. */
  serverArgs?: string[];
  /** More arguments for the driver, after the built-in ones. */
  driverArgs?: string[];
  /** Path of the jackd executable. Default "jackd" (from PATH). */
  jackd?: string;
  /** How long to wait for the server to become connectable, ms. Default 30000 (a loaded machine has needed more than 10 s). */
  timeoutMs?: number;
}

let counter = 0;
const running = new Set<Server>();

/** @internal The socket file a running server named `name` has in /dev/shm. */
export function serverSocketPath(name: string): string {
  return `/dev/shm/jack_${name}_${process.getuid?.() ?? 0}_0`;
}

/** Longest wait for one probe of a server (jack_client_open has no time limit of its own). */
const PROBE_TIMEOUT_MS = 10000;

/**
 * True if a JACK server with this name accepts clients now.
 * @throws SERVER_TIMEOUT when its jackd runs but does not answer within 10 s (stopped, or overloaded)
 */
export async function isServerRunning(serverName?: string): Promise<boolean> {
  const name = serverName ?? process.env.JACK_DEFAULT_SERVER ?? 'default';
  if (!existsSync(serverSocketPath(name))) return false;
  // Rationale: on a loaded machine a probe of a live server can fail (seen:
  // "Cannot open jwprobe-… client" while the server ran, so ensureServer
  // started another one). While jackd2's registry shows that server's jackd
  // alive, try again before answering no.
  // (jackd2 names its slot "jack-<uid>:<name>:")
  const slotName = `jack-${process.getuid?.() ?? 0}:${name}:`;
  const alive = () => readSlots().some((s) => (s.name === slotName || s.name === name) && s.pid !== 0 && isLiveJackd(s.pid));
  for (let attempt = 1; ; attempt++) {
    const r = await probe(name);
    if (r === true) return true;
    if (r === 'timeout' && alive()) fail('SERVER_TIMEOUT', `JACK server "${name}" runs but did not answer within ${PROBE_TIMEOUT_MS / 1000} s (stopped, or overloaded)`);
    if (r === 'timeout' || attempt === 4 || !alive()) return false;
    await new Promise((r) => setTimeout(r, 250 * attempt));
  }
}

/** Whether a client can open on the server: true, false, or 'timeout' (no answer within PROBE_TIMEOUT_MS). */
async function probe(serverName: string): Promise<boolean | 'timeout'> {
  if (conflictsWith(serverName)) return probeInChild(serverName);
  const n = new native.NativeClient(() => {});
  // A probe that outlives the time limit closes its client when it ends.
  const opened = n.open(`jwprobe-${process.pid}-${++counter}`, C.NoStartServer | C.UseExactName, serverName, null).then(async (r) => {
    if (r.ok) await n.close();
    return r.ok;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([opened, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The same probe, in a child process (see process-server.ts). */
function probeInChild(serverName: string): Promise<boolean | 'timeout'> {
  const script = `const n = require(${JSON.stringify(addonPath())});
const c = new n.NativeClient(() => {});
c.open(${JSON.stringify(`jwprobe-${process.pid}-${++counter}`)}, ${C.NoStartServer | C.UseExactName}, ${JSON.stringify(serverName)}, null)
  .then(async (r) => { if (r.ok) await c.close(); process.exit(r.ok ? 0 : 1); });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { timeout: PROBE_TIMEOUT_MS, env: { ...process.env, JACK_NO_START_SERVER: '1' } }, (err) => resolve(!err ? true : err.killed ? 'timeout' : false));
  });
}

/** An embedded jackd2 server started by this process. */
export class Server implements AsyncDisposable {
  /** The server name; pass it as `serverName` to Client.open. */
  readonly name: string;
  readonly sampleRate: number;
  readonly period: number;
  readonly driver: string;
  /** The jackd process id. */
  readonly pid: number;
  #proc: ChildProcess;
  #log: string[];
  #exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(name: string, opts: Required<Pick<ServerOptions, 'sampleRate' | 'period' | 'driver'>>, proc: ChildProcess, log: string[], exited: Promise<number | null>) {
    this.name = name;
    this.sampleRate = opts.sampleRate;
    this.period = opts.period;
    this.driver = opts.driver;
    this.pid = proc.pid as number;
    this.#proc = proc;
    this.#log = log;
    this.#exited = exited;
    exited.then((code) => {
      this.#exitCode = code;
      running.delete(this);
    });
  }

  /**
   * Starts jackd and waits until a client can connect.
   * @throws JackError JACKD_NOT_FOUND, SERVER_NAME_IN_USE, SERVER_START_FAILED, SERVER_TIMEOUT
   */
  static async start(options: ServerOptions = {}): Promise<Server> {
    require_(typeof options === 'object' && options !== null, 'Server.start: options must be an object');
    const {
      name = `jackwasm-${process.pid}-${++counter}`,
      sampleRate = 48000,
      period = 256,
      driver = 'dummy',
      realtime,
      capture = 2,
      playback = 2,
      clientTimeoutMs,
      serverArgs = [],
      driverArgs = [],
      jackd = 'jackd',
      timeoutMs = 30000,
    } = options;
    require_(typeof name === 'string' && /^[A-Za-z0-9_.-]+$/.test(name), `Server.start: name "${name}" must be letters, digits, '_', '.' or '-'`);
    require_(Number.isInteger(sampleRate) && sampleRate >= 1000 && sampleRate <= 384000, `Server.start: sampleRate must be an integer in [1000, 384000], got ${sampleRate}`);
    require_(Number.isInteger(period) && period >= 16 && period <= 8192 && (period & (period - 1)) === 0, `Server.start: period must be a power of two in [16, 8192], got ${period}`);
    require_(Number.isInteger(capture) && capture >= 0 && Number.isInteger(playback) && playback >= 0, 'Server.start: capture and playback must be non-negative integers');
    require_(Number.isInteger(timeoutMs) && timeoutMs > 0, 'Server.start: timeoutMs must be a positive integer');

    if (existsSync(serverSocketPath(name)) && (await probe(name)) !== false) {
      fail('SERVER_NAME_IN_USE', `Server.start: a JACK server named "${name}" is already running`);
    }

    try {
      return await Server.#spawn(name, { sampleRate, period, driver, realtime, capture, playback, clientTimeoutMs, serverArgs, driverArgs, jackd, timeoutMs });
    } catch (err) {
      // Rationale: jackd2 allows 8 servers per machine and its registry keeps
      // the slot of a server that died without cleaning up (SIGKILL, crash).
      // Slots are only reused for the same server name, so with unique names
      // they leak for good. Reclaim dead servers' slots and try once more.
      if (!(err instanceof Error && /Too many servers already active/.test(err.message))) throw err;
      const reclaimed = reclaimStaleServerSlots();
      if (reclaimed.length === 0) {
        fail('SERVER_START_FAILED', `Server.start: jackd2 allows at most 8 JACK servers per machine, and 8 are running: ${liveServerSlots().join(', ')}`);
      }
      return Server.#spawn(name, { sampleRate, period, driver, realtime, capture, playback, clientTimeoutMs, serverArgs, driverArgs, jackd, timeoutMs });
    }
  }

  static async #spawn(
    name: string,
    o: Required<Omit<ServerOptions, 'name' | 'realtime' | 'clientTimeoutMs'>> & Pick<ServerOptions, 'realtime' | 'clientTimeoutMs'>,
  ): Promise<Server> {
    const { sampleRate, period, driver, realtime, capture, playback, clientTimeoutMs, serverArgs, driverArgs, jackd, timeoutMs } = o;
    const args = ['-n', name];
    if (realtime === true) args.push('-R');
    if (realtime === false) args.push('-r');
    if (clientTimeoutMs !== undefined) args.push('-t', String(clientTimeoutMs));
    args.push(...serverArgs, '-d', driver, '-r', String(sampleRate), '-p', String(period));
    if (driver === 'dummy') args.push('-C', String(capture), '-P', String(playback));
    args.push(...driverArgs);

    // Rationale: setpriv --pdeathsig makes the kernel stop jackd if this
    // process dies without cleaning up (SIGKILL, crash), so no orphaned
    // servers are left behind.
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
    const [cmd, cmdArgs] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', jackd, ...args]] : [jackd, args];
    const env = { ...process.env, JACK_NO_START_SERVER: '1', JACK_NO_AUDIO_RESERVATION: '1' };
    const log: string[] = [];
    const proc = spawn(cmd, cmdArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log.push(line);
      if (log.length > 200) log.splice(0, log.length - 200);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    let spawnError: Error | undefined;
    const exited = new Promise<number | null>((resolve) => {
      proc.on('error', (err) => {
        spawnError = err;
        resolve(null);
      });
      proc.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
    });
    let done = false;
    exited.then(() => (done = true));

    const deadline = Date.now() + timeoutMs;
    const tail = () => log.slice(-15).join('\n');
    while (true) {
      await new Promise((r) => setTimeout(r, 20));
      if (spawnError || done) {
        await new Promise((r) => setTimeout(r, 50)); // let stderr drain
        if (spawnError && (spawnError as NodeJS.ErrnoException).code === 'ENOENT') {
          fail('JACKD_NOT_FOUND', `Server.start: cannot run "${jackd}": not found (install Debian's jackd2 package)`);
        }
        // setpriv reports a missing jackd by exiting 127 with a message.
        if (/No such file or directory|failed to execute/.test(tail())) {
          fail('JACKD_NOT_FOUND', `Server.start: cannot run "${jackd}": not found (install Debian's jackd2 package)\n${tail()}`);
        }
        fail('SERVER_START_FAILED', `Server.start: jackd exited while starting server "${name}"${spawnError ? ` (${spawnError.message})` : ''}. jackd said:\n${tail()}`);
      }
      if (existsSync(serverSocketPath(name)) && (await probe(name).catch(() => false)) === true) break;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        await exited;
        fail('SERVER_TIMEOUT', `Server.start: server "${name}" did not accept clients within ${timeoutMs} ms. jackd said:\n${tail()}`);
      }
    }
    const server = new Server(name, { sampleRate, period, driver }, proc, log, exited);
    running.add(server);
    return server;
  }

  /** True until the jackd process has exited. */
  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** jackd's recent output (last 200 lines). */
  get log(): readonly string[] {
    return this.#log;
  }

  /**
   * Stops jackd with SIGTERM and waits for it to exit (SIGKILL after
   * `timeoutMs`). Close your clients first: JACK shuts down clients that are
   * still open (they get a `shutdown` event). Safe to call twice.
   */
  stop(timeoutMs = 5000): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      if (this.#exitCode === undefined) {
        this.#proc.kill('SIGTERM');
        const timer = setTimeout(() => this.#proc.kill('SIGKILL'), timeoutMs);
        await this.#exited;
        clearTimeout(timer);
      }
      removeSemaphoreFiles(this.name);
      // Killed by a signal (exit code -1, see start): its control files are still there.
      if (this.#exitCode === -1 || this.#exitCode === null) removeServerFiles(this.name);
    })();
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Throws SERVER_NOT_RUNNING unless jackd is still running. */
  assertRunning(): void {
    if (!this.running) fail('SERVER_NOT_RUNNING', `server "${this.name}" is not running`);
  }
}

// Stop embedded servers when the process exits normally.
process.on('exit', () => {
  for (const s of running) {
    try {
      process.kill(s.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
});

/** What {@link ensureServer} returns. */
export interface EnsuredServer extends AsyncDisposable {
  /** The server name to pass to Client.open. */
  readonly name: string;
  /** The embedded server, when one had to be started. */
  readonly embedded: Server | undefined;
  /** Stops the embedded server, if one was started (no-op otherwise). */
  stop(): Promise<void>;
}

/**
 * Uses the running server `options.name` (default: $JACK_DEFAULT_SERVER or
 * "default"), or starts an embedded dummy server when none runs.
 */
export async function ensureServer(options: ServerOptions = {}): Promise<EnsuredServer> {
  const wanted = options.name ?? process.env.JACK_DEFAULT_SERVER ?? 'default';
  const embedded = (await isServerRunning(wanted)) ? undefined : await Server.start(options);
  const stop = async () => {
    await embedded?.stop();
  };
  return { name: embedded ? embedded.name : wanted, embedded, stop, [Symbol.asyncDispose]: stop };
}

// --- jackd2's server registry (/dev/shm/jack-shm-registry) ---------------
// Layout (jackd2 common/shm.h, packed): magic u32 "JACK", protocol u16 (+2),
// type u32, size u32, hdr_len u32, entry_len u32, then 8 server slots of
// { pid i32; name char[257] } padded to (hdr_len - 24) / 8 bytes each.
const REGISTRY = '/dev/shm/jack-shm-registry';
const REGISTRY_MAGIC = 0x4a41434b; // 'JACK'
const MAX_SERVERS = 8;

interface Slot {
  offset: number;
  pid: number;
  name: string;
}

function readSlots(): Slot[] {
  let buf: Buffer;
  try {
    buf = readFileSync(REGISTRY);
  } catch {
    return [];
  }
  if (buf.length < 24 || buf.readUInt32LE(0) !== REGISTRY_MAGIC) return [];
  const hdrLen = buf.readUInt32LE(16);
  const slotLen = (hdrLen - 24) / MAX_SERVERS;
  if (!Number.isInteger(slotLen) || slotLen < 8 || hdrLen > buf.length) return [];
  const slots: Slot[] = [];
  for (let i = 0; i < MAX_SERVERS; i++) {
    const offset = 24 + i * slotLen;
    const raw = buf.subarray(offset + 4, offset + slotLen);
    const end = raw.indexOf(0);
    slots.push({ offset, pid: buf.readInt32LE(offset), name: raw.subarray(0, end < 0 ? raw.length : end).toString() });
  }
  return slots;
}

function isLiveJackd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => /(^|\/)jackd(mp)?$/.test(a));
  } catch {
    return false;
  }
}

function liveServerSlots(): string[] {
  return readSlots()
    .filter((s) => s.pid !== 0)
    .map((s) => `${s.name} (pid ${s.pid})`);
}

/** Frees registry slots of servers whose jackd no longer runs; returns their names. */
function reclaimStaleServerSlots(): string[] {
  const stale = readSlots().filter((s) => s.pid !== 0 && !isLiveJackd(s.pid));
  if (stale.length === 0) return [];
  const fd = openSync(REGISTRY, 'r+');
  try {
    for (const s of stale) {
      // Re-check the slot still holds the same dead pid, then clear it.
      const cur = Buffer.alloc(4);
      readSync(fd, cur, 0, 4, s.offset);
      if (cur.readInt32LE(0) === s.pid) writeSync(fd, Buffer.alloc(4), 0, 4, s.offset);
    }
  } finally {
    closeSync(fd);
  }
  return stale.map((s) => s.name);
}

/** The control files jackd leaves in /dev/shm when it is killed (it removes them when it exits normally). */
function removeServerFiles(serverName: string): void {
  const uid = process.getuid?.() ?? 0;
  for (const f of [`jack_${serverName}_${uid}_0`, `jack_${serverName}_0_0`]) {
    try {
      unlinkSync(`/dev/shm/${f}`);
    } catch {
      /* not there */
    }
  }
}

/**
 * Removes the semaphore files of a stopped server.
 * Rationale: jackd2 leaves /dev/shm/jack_sem.<uid>_<server>_<client> behind
 * for clients still connected when it stops (measured).
 */
function removeSemaphoreFiles(serverName: string): void {
  const prefix = `jack_sem.${process.getuid?.() ?? 0}_${serverName}_`;
  for (const f of readdirSync('/dev/shm')) {
    if (!f.startsWith(prefix)) continue;
    try {
      unlinkSync(`/dev/shm/${f}`);
    } catch {
      /* already gone */
    }
  }
}

/** Names of JACK servers with a socket in /dev/shm for this user (may include stale ones). */
export function listServerNames(): string[] {
  const uid = process.getuid?.() ?? 0;
  const re = new RegExp(`^jack_(.+)_${uid}_0$`);
  const names: string[] = [];
  for (const f of readdirSync('/dev/shm')) {
    const m = re.exec(f);
    if (m && existsSync(`/dev/shm/jack_sem.${uid}_${m[1]}_system`)) names.push(m[1] as string);
  }
  return names;
}
