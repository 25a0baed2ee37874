// The math functions a Faust module imports (float versions), for the
// interpreter peer of bench/faust.mjs, which cannot call JavaScript: merged
// into the module as "env". Computed in f64 and rounded, as V8 computes them
// when JavaScript's Math gives them (Math.cos of an f32 argument).
// Compiled with: asc faust-math.ts --runtime stub --use abort= -O3 --noExportMemory
// (its own memory holds the tables of exp, log and pow: the merged module has
// two memories, which wasm-interp runs with --enable-multi-memory).
export function abort(message: i32, file: i32, line: i32, column: i32): void { unreachable(); }
export function _sinf(x: f32): f32 { return <f32>Math.sin(<f64>x); }
export function _cosf(x: f32): f32 { return <f32>Math.cos(<f64>x); }
export function _tanf(x: f32): f32 { return <f32>Math.tan(<f64>x); }
export function _asinf(x: f32): f32 { return <f32>Math.asin(<f64>x); }
export function _acosf(x: f32): f32 { return <f32>Math.acos(<f64>x); }
export function _atanf(x: f32): f32 { return <f32>Math.atan(<f64>x); }
export function _atan2f(y: f32, x: f32): f32 { return <f32>Math.atan2(<f64>y, <f64>x); }
export function _sinhf(x: f32): f32 { return <f32>Math.sinh(<f64>x); }
export function _coshf(x: f32): f32 { return <f32>Math.cosh(<f64>x); }
export function _tanhf(x: f32): f32 { return <f32>Math.tanh(<f64>x); }
export function _expf(x: f32): f32 { return <f32>Math.exp(<f64>x); }
export function _exp2f(x: f32): f32 { return <f32>Math.pow(2, <f64>x); }
export function _logf(x: f32): f32 { return <f32>Math.log(<f64>x); }
export function _log10f(x: f32): f32 { return <f32>Math.log10(<f64>x); }
export function _log2f(x: f32): f32 { return <f32>Math.log2(<f64>x); }
export function _powf(x: f32, y: f32): f32 { return <f32>Math.pow(<f64>x, <f64>y); }
export function _hypotf(x: f32, y: f32): f32 { return <f32>Math.hypot(<f64>x, <f64>y); }
export function _cbrtf(x: f32): f32 { return <f32>Math.cbrt(<f64>x); }
export function _fmodf(x: f32, y: f32): f32 { return <f32>(<f64>x % <f64>y); }
export function _roundf(x: f32): f32 { return <f32>(Math.sign(<f64>x) * Math.round(Math.abs(<f64>x))); }
