// Helpers the benchmarks share: the median, an output hash to compare peers
// bit for bit, the deterministic noise every DSP benchmark feeds its peers,
// and the results file with the machine it was measured on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** FNV-1a over the bytes of a Float32Array (the C harnesses hash the same way). */
export function fnv(f32) {
  const b = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let h = 2166136261;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0;
  return h;
}

/** `frames` samples of deterministic noise in [-1, 1) (an LCG, as the C harnesses read it from a file). */
export function noise(frames) {
  const out = new Float32Array(frames);
  for (let i = 0, x = 1; i < frames; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x / 2 ** 32) * 2 - 1;
  }
  return out;
}

/**
 * The machine a result was measured on: CPU, cores, memory, OS, kernel, and
 * the versions of the tools the peers use, plus the commit measured.
 */
export function machine() {
  const first = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0].trim();
    } catch {
      return null;
    }
  };
  let osName = null;
  let cpusAllowed = null;
  try {
    cpusAllowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? null;
  } catch {}
  try {
    osName = /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
  } catch {}
  return {
    cpu: cpus()[0]?.model ?? null,
    cores: cpus().length,
    // The CPUs the benchmark could run on (one when bench/run.mjs pinned it).
    cpusAllowed,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: osName,
    kernel: release(),
    node: process.version,
    cc: first('cc', ['--version']),
    jackd: first('jackd', ['--version']),
    // -dirty: measured with changes not committed yet.
    commit: first('git', ['-C', new URL('..', import.meta.url).pathname, 'describe', '--always', '--dirty']),
  };
}

/** Writes a benchmark's results as JSON, with the date and the machine. */
export function writeResults(path, bench, fields) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ bench, date: new Date().toISOString(), machine: machine(), ...fields }, null, 2)}\n`);
}

/** (max - min) / median: the spread of repeated runs that results report as their noise. */
export const spread = (xs) => (xs.length ? (Math.max(...xs) - Math.min(...xs)) / median(xs) : 0);

/**
 * The ratio of two peers as the median of their per-round ratios (a[i] / b[i],
 * each round running the peers back to back). Rationale: these virtual
 * machines switch between a fast and a slow state every few tens of seconds
 * (measured: the same build's engine/C polyphony ratio read 1.0 or 1.3 minutes
 * apart); runs next to each other share the state, so their ratio holds.
 */
export function pairedRatio(a, b) {
  return median(a.map((x, i) => x / b[i]));
}

/**
 * A numeric command-line option (parseArgs gives strings): its value, or
 * `dflt` when not given; exits with a message naming the option when it is
 * not a number in [min, max] (or not an integer when `integer`).
 */
export function numberOption(values, name, dflt, { min = 0, max = Infinity, integer = false } = {}) {
  const raw = values[name];
  const v = raw === undefined ? dflt : Number(raw);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    console.error(`${process.argv[1].split('/').pop()}: --${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return v;
}

/** util.parseArgs for a benchmark script: a mistyped or unknown option exits 2 with the message, not a stack trace. */
export function parseOptions(options) {
  try {
    return parseArgs({ options });
  } catch (err) {
    console.error(`${process.argv[1].split('/').pop()}: ${err.message.split('\n')[0]} (its options are listed in its header comment)`);
    process.exit(2);
  }
}
