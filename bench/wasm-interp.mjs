// wabt's interpreter (wasm-interp) as a benchmark peer. It runs a module's
// exported functions and cannot be driven from JavaScript, so the module is
// merged (binaryen's wasm-merge) with a small driver written here in WAT:
// `bench()` calls jw_init, then for each block writes the benchmarks'
// deterministic noise (common.mjs, the same LCG and rounding) into every
// input, calls jw_process and hashes output 0 with FNV-1a, and returns the
// hash, which must equal the other peers' hash of the same frames.
// Imports the module has beyond env.abort and env.seed come from `extra`, a
// module merged in as "env" (the Faust math functions).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileSync } from 'node:fs';

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
  const out = execFileSync('wasm-interp', [path, '--run-all-exports', '--dummy-import-func', '--enable-multi-memory'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /^bench\(\) => i32:(\d+)$/m.exec(out);
  if (!m) throw new Error(`wasm-interp: no result from bench(): ${out.slice(-300)}`);
  return { ms, hash: Number(m[1]) >>> 0 };
}

/**
 * One timed run: the module of `frames` and the one of none (start-up,
 * parsing, jw_init), so the difference is the processing. { ns, hash }.
 */
export function interpRun({ full, empty }) {
  const a = runInterp(full);
  const b = runInterp(empty);
  return { ns: (a.ms - b.ms) * 1e6, hash: a.hash };
}
