;; noise.wat - a deterministic noise source from its own state. 0 inputs,
;; 1 output, no parameters, no jw_describe (so its default name comes from the
;; file name). Each sample advances a 32-bit LCG,
;;   state = state * 1664525 + 1013904223   (state starts at 0x12345678)
;; and outputs f32(state >>> 8) * 2^-23 - 1, in [-1, 1). A fresh instance
;; always produces the same sequence, whatever the block sizes, so a
;; recording can be located in an offline render of it.
(module
  (memory (export "memory") 2)
  (global $state (mut i32) (i32.const 0x12345678))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (global.set $state
          (i32.add (i32.mul (global.get $state) (i32.const 1664525)) (i32.const 1013904223)))
        (f32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))
          (f32.sub
            (f32.mul (f32.convert_i32_u (i32.shr_u (global.get $state) (i32.const 8))) (f32.const 0x1p-23))
            (f32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
