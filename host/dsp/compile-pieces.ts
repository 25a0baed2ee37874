/**
 * The fast compile tier (compile option `tier: 'fast'`): wasm2c's C cut into
 * pieces of a few functions each, every piece compiled once at -O1 and kept
 * in the cache by its content, then linked. An edit that changes one
 * function recompiles one piece and links; the rest comes from the cache.
 *
 * Rationale: the C compiler is most of a cache miss (gcc -O2 on a synth's
 * 300 KB of generated C: 0.8-0.9 s of the 1.3-1.5 s), while an edit changes
 * one or two functions of a module that AssemblyScript built without
 * inlining (-O0). The code runs slower than the optimised tier (no inlining
 * across pieces, -O1), so live coding swaps the optimised build in behind
 * it (host/dsp/watch.ts).
 *
 * The split relies on the shape of wasm2c's output (declarations, then the
 * initialisers, then one definition per function, then the exports and
 * instantiation). Output of another shape, or a piece that does not compile
 * on its own (a function using memory.init or table.init refers to the
 * initialisers' segment data), gives `undefined`: the caller builds the
 * whole file instead. Sandbox properties do not change: the same code, the
 * same fixed flags (stack probes, no sibling calls, no FP contraction), the
 * stack-usage report of every piece.
 */
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trimOldest } from './cache-trim.js';
import type { RunResult } from './limited-run.js';

/** Functions per piece. Rationale: small enough that an edit rebuilds little, large enough that the per-file cost (headers, process start) stays small. */
const FUNCTIONS_PER_PIECE = 8;
/** Most pieces a module is cut into (bigger pieces past that): a module of 20,000 functions must not start 2,500 compilers. */
const MAX_PIECES = 64;

/** Pieces kept in the cache; past this the least recently used half goes. */
const MAX_CACHED_PIECES = 4000;

/** wasm2c's output cut for the fast tier. */
export interface SplitSource {
  /** Declarations every piece includes (runtime helpers, types, function prototypes). */
  prelude: string;
  /** Function definitions, FUNCTIONS_PER_PIECE to a piece (more in a module of over MAX_PIECES pieces). */
  pieces: string[];
  /** The rest (initialisers, exports, instantiation), compiled with the glue. */
  rest: string;
}

// A wasm function's definition; wasm2c marks them static, and wraps a long
// parameter list onto more lines (a parameter list has no brackets or ';').
const HEAD = /^static [\w ]+? w2c_\w+\(\w+_instance_t\* restrict instance[^(){};]*\) \{$/gm;
// Its prototype.
const PROTO = /^static ([\w ]+? w2c_\w+\(\w+_instance_t\*[^(){};]*\);)$/gm;

/** Cuts `c` (wasm2c's output after the pipeline's edits; `header` its module.h) into a prelude, pieces and the rest; undefined if it has an unexpected shape. */
export function splitSource(c: string, header: string): SplitSource | undefined {
  const defs: { at: number; end: number }[] = [];
  for (let m = HEAD.exec(c); m; m = HEAD.exec(c)) {
    const end = c.indexOf('\n}\n', m.index);
    if (end < 0) return undefined;
    defs.push({ at: m.index, end: end + 3 });
  }
  HEAD.lastIndex = 0;
  if (defs.length === 0) return undefined;
  for (let i = 1; i < defs.length; i++) {
    const gap = c.slice((defs[i - 1] as { end: number }).end, (defs[i] as { at: number }).at);
    if (gap.trim() !== '') return undefined; // something between two functions
  }
  const first = defs[0] as { at: number };
  const pre = c.slice(0, first.at);
  // The prelude ends after the last prototype; the initialisers follow.
  let cut = -1;
  for (let m = PROTO.exec(pre); m; m = PROTO.exec(pre)) cut = m.index + m[0].length;
  PROTO.lastIndex = 0;
  if (cut < 0) return undefined;
  // The module's header (the instance struct: globals, memories, tables) goes
  // into the prelude, so everything that decides a piece's code is in its key.
  const include = '#include "module.h"\n';
  if (pre.indexOf(include) < 0 || pre.indexOf(include) > cut) return undefined;
  let prelude = pre.slice(0, cut + 1).replace(include, `${header}\n`);
  const init = pre.slice(cut + 1);
  // Shared mutable state must exist once: the function type ids (call_indirect
  // compares them); s_module_initialized is used only by the rest. Any other
  // static variable is a shape this does not know.
  const statics = [...prelude.matchAll(/^static (?!inline\b)(?!const\b)[^(\n]*[;=][^\n]*$/gm)].map((m) => m[0]);
  for (const s of statics) if (!/^static (u32 func_types\[\d+\];|bool s_module_initialized = false;)$/.test(s)) return undefined;
  const types = /^static (u32 func_types\[\d+\];)$/m.exec(prelude);
  let rest = init;
  if (types) {
    prelude = prelude.replace(types[0], `extern ${types[1]}`);
    rest = `${types[1]}\n${rest}`;
  }
  prelude = prelude.replace(PROTO, '$1');
  const bodies = defs.map((d) => c.slice(d.at + 'static '.length, d.end));
  const pieces: string[] = [];
  const per = Math.max(FUNCTIONS_PER_PIECE, Math.ceil(bodies.length / MAX_PIECES));
  for (let i = 0; i < bodies.length; i += per) pieces.push(bodies.slice(i, i + per).join('\n'));
  rest += c.slice((defs[defs.length - 1] as { end: number }).end);
  return { prelude, pieces, rest };
}

export interface PieceBuild {
  /** The split source. */
  split: SplitSource;
  /** Source of the glue translation unit; it includes "module.c", which is written as prelude + rest. */
  glue: string;
  /** Build directory (written to, removed by the caller). */
  work: string;
  /** Where compiled pieces are kept (created by the caller, private, absolute). */
  pieceDir: string;
  /** Everything besides the source that decides a piece's object code (compiler identity, flags, runtime). */
  salt: string;
  /** The C compiler command. */
  cc: string;
  /** Runs a shell script file in `work` (under the step limits). */
  sh: (script: string) => Promise<RunResult>;
  /** Flags for compiling one translation unit (-c added here). */
  compileFlags: string[];
  /** Flags for linking the objects into module.so. */
  linkFlags: string[];
}

export interface PieceResult {
  /** A failed compile or link (the caller reports it, or builds the whole file). */
  failed?: RunResult;
  /** The -fstack-usage reports of every piece and the glue. */
  stackUsage: string;
  /** Pieces compiled now (the rest came from the cache). */
  compiled: number;
  pieces: number;
}

/** Precompiled preludes kept (about 5 MB each). */
const MAX_CACHED_HEADERS = 6;

const sha = (...parts: string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
};

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Compiles the pieces not in the cache and the glue, and links module.so in
 * `work`: one shell script, so one process start from Node (each costs
 * 6-15 ms of the main thread). The prelude is precompiled once per prelude
 * (a GCC precompiled header; GCC parses the header itself if it cannot use it).
 */
export async function buildPieces(b: PieceBuild): Promise<PieceResult> {
  const preKey = sha(b.salt, b.split.prelude).slice(0, 32);
  const preName = `jwpre-${preKey}.h`;
  const preHeader = join(b.pieceDir, preName);
  const gch = `${preHeader}.gch`;
  const header = `#include "${preName}"\n`;
  await writeFile(join(b.work, 'module.c'), b.split.prelude + b.split.rest);
  const units = [
    ...b.split.pieces.map((p, i) => ({ file: `piece${i}.c`, source: header + p, key: sha(b.salt, b.split.prelude, p) })),
    { file: 'glue.c', source: b.glue, key: sha(b.salt, b.split.prelude, b.split.rest, b.glue) },
  ];
  // A cached piece is its object and a record of the object's SHA-256 and
  // stack-usage report; one that does not match is compiled again.
  const found = await Promise.all(
    units.map(async (u) => {
      const obj = join(b.pieceDir, `${u.key}.o`);
      const entry = await readPiece(b.pieceDir, u.key);
      if (entry) {
        const now = new Date();
        await utimes(obj, now, now).catch(() => {}); // most recently used
      }
      return { ...u, obj, su: entry?.su };
    }),
  );
  const todo = found.filter((u) => u.su === undefined);
  const cc = [quote(b.cc), ...b.compileFlags.map(quote), quote(`-I${b.pieceDir}`)].join(' ');
  const lines = ['set -e'];
  if (todo.some((u) => u.file !== 'glue.c')) {
    const text = `#include "jw-runtime.h"\n${b.split.prelude}`;
    if ((await readFile(preHeader, 'utf8').catch(() => undefined)) !== text) {
      const tmp = `${preHeader}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, preHeader);
    }
    if (await intactHeader(gch)) {
      const now = new Date();
      await utimes(gch, now, now).catch(() => {});
    } else {
      await rm(gch, { force: true });
      // Optional: without it each piece parses the header.
      lines.push(`${cc} -x c-header ${quote(preHeader)} -o pre.gch 2>/dev/null && mv -f pre.gch ${quote(gch)} || true`);
    }
  }
  // As many compilers at a time as there are cores.
  const width = Math.max(1, availableParallelism());
  for (let i = 0; i < todo.length; i += width) {
    const batch = todo.slice(i, i + width);
    batch.forEach((u, k) => lines.push(`${cc} -c ${u.file} -o ${u.file.replace(/\.c$/, '.o')} & p${k}=$!`));
    lines.push(batch.map((_, k) => `wait $p${k}`).join('; '));
  }
  const objects = found.map((u) => (u.su === undefined ? u.file.replace(/\.c$/, '.o') : u.obj));
  lines.push([quote(b.cc), '-shared', ...objects.map(quote), '-o', 'module.so', ...b.linkFlags.map(quote)].join(' '));
  for (const u of todo) await writeFile(join(b.work, u.file), u.source);
  await writeFile(join(b.work, 'build.sh'), `${lines.join('\n')}\n`);
  const r = await b.sh('build.sh');
  if (!r.ok) return { failed: r, stackUsage: '', compiled: 0, pieces: units.length };
  const reports = found.filter((u) => u.su !== undefined).map((u) => u.su as string);
  for (const u of todo) {
    const base = u.file.replace(/\.c$/, '');
    const su = await readFile(join(b.work, `${base}.su`), 'utf8');
    reports.push(su);
    // Publish atomically (same file system): the record last, as the mark of a complete entry.
    const object = await readFile(join(b.work, `${base}.o`));
    await rename(join(b.work, `${base}.o`), u.obj);
    const tmp = join(b.pieceDir, `${u.key}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, JSON.stringify({ sha256: createHash('sha256').update(object).digest('hex'), su }));
    await rename(tmp, join(b.pieceDir, `${u.key}.json`));
  }
  if (lines.some((l) => l.includes('-x c-header'))) await recordHeader(gch);
  if (todo.length > 0) {
    trimOldest(b.pieceDir, 2 * MAX_CACHED_PIECES); // an object and its record each
    trimHeaders(b.pieceDir);
  }
  return { stackUsage: reports.join('\n'), compiled: todo.length, pieces: units.length };
}

/** A cached piece's stack-usage report, if its object is there and hashes to what its record says. */
async function readPiece(dir: string, key: string): Promise<{ su: string } | undefined> {
  try {
    const rec = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as { sha256?: unknown; su?: unknown };
    if (typeof rec.sha256 !== 'string' || typeof rec.su !== 'string') return undefined;
    const object = await readFile(join(dir, `${key}.o`));
    return createHash('sha256').update(object).digest('hex') === rec.sha256 ? { su: rec.su } : undefined;
  } catch {
    return undefined;
  }
}

// Precompiled headers checked in this process: path -> identity (size, mtime, inode) when it hashed right.
const checkedHeaders = new Map<string, string>();
const identity = (st: { size: number; mtimeMs: number; ino: number }) => `${st.size}:${st.mtimeMs}:${st.ino}`;

/** Whether the precompiled header `gch` hashes to the SHA-256 recorded for it (checked once per process while unchanged). */
async function intactHeader(gch: string): Promise<boolean> {
  const st = await stat(gch).catch(() => undefined);
  if (!st?.isFile()) return false;
  if (checkedHeaders.get(gch) === identity(st)) return true;
  const want = await readFile(`${gch}.sha256`, 'utf8').catch(() => undefined);
  const ok = want !== undefined && createHash('sha256').update(await readFile(gch)).digest('hex') === want.trim();
  if (ok) checkedHeaders.set(gch, identity(st));
  return ok;
}

/** Records the SHA-256 of the precompiled header the build made (if it made one). */
async function recordHeader(gch: string): Promise<void> {
  const bytes = await readFile(gch).catch(() => undefined);
  if (!bytes) return;
  const tmp = `${gch}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, createHash('sha256').update(bytes).digest('hex'));
  await rename(tmp, `${gch}.sha256`);
  const st = await stat(gch).catch(() => undefined);
  if (st) checkedHeaders.set(gch, identity(st));
}

/** Keeps the MAX_CACHED_HEADERS most recently used precompiled preludes. */
function trimHeaders(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.h.gch'));
  if (names.length <= MAX_CACHED_HEADERS) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((x, y) => y.t - x.t);
  for (const { n } of aged.slice(MAX_CACHED_HEADERS)) {
    rmSync(join(dir, n), { force: true });
    rmSync(join(dir, `${n}.sha256`), { force: true });
    rmSync(join(dir, n.replace(/\.gch$/, '')), { force: true });
  }
}
