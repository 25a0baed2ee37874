;; shaper.wat - a stateless effect with built-in coefficients: 1 audio input,
;; 1 audio output, no parameters, y = x * (0.7 + 0.1 * x * x) in f32. The
;; operations round at every step, so a host that computes it differently
;; (other precision, fused multiply-add) gets other bits.
(module
  (memory (export "memory") 2)
  (global $max (mut i32) (i32.const 0))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 1))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 1024))
  (func $output (export "jw_output") (param i32) (result i32)
    (i32.add (i32.const 1024) (i32.shl (global.get $max) (i32.const 2))))
  (func (export "jw_process") (param $n i32)
    (local $i i32) (local $x f32) (local $out i32)
    (local.set $out (call $output (i32.const 0)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (f32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32.mul (local.get $x)
            (f32.add (f32.const 0.7) (f32.mul (f32.const 0.1) (f32.mul (local.get $x) (local.get $x))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
