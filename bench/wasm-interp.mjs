// wabt's interpreter (wasm-interp) as a benchmark peer. It runs a module's
// exported functions and cannot be driven from JavaScript, so the module is
// merged (binaryen's wasm-merge) with a small driver written here in WAT:
// `bench()` calls jw_init, then for each block writes the benchmarks'
// deterministic noise (common.mjs, the same LCG and rounding) into every
// input, calls jw_process and hashes output 0 with FNV-1a, and returns the
// hash, which must equal the other peers' hash of the same frames. The
// driver's own work (noise, hashing, start-up) is timed with a stand-in
// kernel whose jw_process does nothing, and subtracted.
// Imports the module has beyond env.abort and env.seed come from `extra`, a
// module merged in as "env" (the Faust math functions).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';

const binaryen = join(dirname(createRequire(import.meta.url).resolve('binaryen/package.json')), 'bin');
const features = ['--enable-multimemory', '--enable-bulk-memory', '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-mutable-globals'];

function driverWat(frames, block, sampleRate) {
  return `(module
  (import "k" "memory" (memory 0))
  (import "k" "jw_init" (func $init (param f32 i32) (result i32)))
  (import "k" "jw_process" (func $proc (param i32)))
  (import "k" "jw_inputs" (func $nin (result i32)))
  (import "k" "jw_input" (func $in (param i32) (result i32)))
  (import "k" "jw_output" (func $out (param i32) (result i32)))
  (func (export "bench") (result i32)
    (local $x i32) (local $h i32) (local $start i32) (local $i i32) (local $c i32) (local $nin i32) (local $o i32) (local $p i32) (local $v f32)
    (if (call $init (f32.const ${sampleRate}) (i32.const ${block})) (then unreachable))
    (local.set $x (i32.const 1)) (local.set $h (i32.const -2128831035))
    (local.set $nin (call $nin))
    (local.set $o (call $out (i32.const 0)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $start) (i32.const ${frames})))
      (local.set $i (i32.const 0))
      (block $nd (loop $noise
        (br_if $nd (i32.ge_u (local.get $i) (i32.const ${block})))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (local.set $v (f32.demote_f64 (f64.sub (f64.mul (f64.div (f64.convert_i32_u (local.get $x)) (f64.const 4294967296)) (f64.const 2)) (f64.const 1))))
        (local.set $c (i32.const 0))
        (block $cd (loop $chans
          (br_if $cd (i32.ge_u (local.get $c) (local.get $nin)))
          (f32.store (i32.add (call $in (local.get $c)) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $chans)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $noise)))
      (call $proc (i32.const ${block}))
      (local.set $p (i32.const 0))
      (block $hd (loop $hash
        (br_if $hd (i32.ge_u (local.get $p) (i32.const ${block * 4})))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (i32.add (local.get $o) (local.get $p)))) (i32.const 16777619)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $hash)))
      (local.set $start (i32.add (local.get $start) (i32.const ${block})))
      (br $blocks)))
    (local.get $h)))`;
}

/**
 * Builds the merged module for `frames` (a multiple of `block`) in `dir`;
 * returns its path. `extra`: the bytes of a module to merge as "env".
 */
export function interpModule(wasm, { frames, block, sampleRate = 48000, dir, tag, extra }) {
  if (frames % block) throw new Error(`interpModule: ${frames} frames is not a multiple of ${block}`);
  const k = join(dir, `${tag}-k.wasm`), d = join(dir, `${tag}-d.wasm`), m = join(dir, `${tag}-${frames}.wasm`);
  writeFileSync(k, wasm);
  writeFileSync(join(dir, `${tag}-d.wat`), driverWat(frames, block, sampleRate));
  execFileSync('wat2wasm', [join(dir, `${tag}-d.wat`), '-o', d]);
  const inputs = [k, 'k', d, 'd'];
  if (extra) {
    writeFileSync(join(dir, `${tag}-env.wasm`), extra);
    inputs.unshift(join(dir, `${tag}-env.wasm`), 'env');
  }
  execFileSync(join(binaryen, 'wasm-merge'), [...inputs, '-o', m, ...features]);
  return m;
}

/** Runs bench() in wasm-interp: { ms (wall time of the process), hash }. */
export function runInterp(path) {
  const t0 = process.hrtime.bigint();
  const out = execFileSync('wasm-interp', [path, '--run-all-exports', '--dummy-import-func', '--enable-multi-memory'], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 600000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /^bench\(\) => i32:(\d+)$/m.exec(out);
  if (!m) throw new Error(`wasm-interp: no result from bench(): ${out.slice(-300)}`);
  return { ms, hash: Number(m[1]) >>> 0 };
}

/**
 * A kernel that does nothing, with the real one's channels and buffer
 * offsets (read from it in V8 after jw_init), for timing the driver alone.
 */
export async function standInKernel(wasm, { block, sampleRate = 48000, imports = {} }) {
  const { instance } = await WebAssembly.instantiate(wasm, { env: { abort: () => {}, seed: () => 0x6a77, ...imports }, jw_host: { log: () => {}, midi_out: () => {} } });
  const x = instance.exports;
  if (x.jw_init(sampleRate, block) !== 0) throw new Error('standInKernel: jw_init failed');
  const nin = x.jw_inputs();
  const ins = Array.from({ length: nin }, (_, c) => x.jw_input(c));
  const out = x.jw_output(0);
  const pages = x.memory.buffer.byteLength / 65536;
  const inputCases = ins.map((off, c) => `(if (i32.eq (local.get 0) (i32.const ${c})) (then (return (i32.const ${off}))))`).join(' ');
  const wat = `(module (memory (export "memory") ${pages})
    (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
    (func (export "jw_inputs") (result i32) (i32.const ${nin}))
    (func (export "jw_input") (param i32) (result i32) ${inputCases} (i32.const 0))
    (func (export "jw_output") (param i32) (result i32) (i32.const ${out}))
    (func (export "jw_process") (param i32)))`;
  return wat;
}

/** Builds the four modules interpRun times: the kernel and the stand-in, for `frames` and for none. */
export async function interpModules(wasm, { frames, block, dir, tag, extra, imports }) {
  const wat = await standInKernel(wasm, { block, imports });
  writeFileSync(join(dir, `${tag}-standin.wat`), wat);
  execFileSync('wat2wasm', [join(dir, `${tag}-standin.wat`), '-o', join(dir, `${tag}-standin.wasm`)]);
  const standIn = readFileSync(join(dir, `${tag}-standin.wasm`));
  return {
    full: interpModule(wasm, { frames, block, dir, tag, extra }),
    empty: interpModule(wasm, { frames: 0, block, dir, tag, extra }),
    driverFull: interpModule(standIn, { frames, block, dir, tag: `${tag}-standin` }),
    driverEmpty: interpModule(standIn, { frames: 0, block, dir, tag: `${tag}-standin` }),
  };
}

/**
 * One timed run: the kernel's time for `frames` minus its time for none
 * (start-up, parsing, jw_init), minus the same difference for the stand-in
 * (the driver's noise and hashing). { ns, hash }.
 */
export function interpRun({ full, empty, driverFull, driverEmpty }) {
  const a = runInterp(full);
  const b = runInterp(empty);
  const c = runInterp(driverFull);
  const d = runInterp(driverEmpty);
  return { ns: (a.ms - b.ms - (c.ms - d.ms)) * 1e6, hash: a.hash };
}
