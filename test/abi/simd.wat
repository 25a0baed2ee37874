;; simd.wat - uses a SIMD (v128) instruction in jw_process. Otherwise a valid
;; 0-in/1-out module. Expected: MODULE_UNSUPPORTED_FEATURE mentioning SIMD.
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)
    (v128.store (i32.const 0) (f32x4.splat (f32.const 0.5)))))
