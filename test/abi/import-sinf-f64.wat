;; import-sinf-f64.wat - imports an allowed name, env.sinf, with the wrong
;; type (f64) -> f64 instead of (f32) -> f32. Expected: MODULE_BAD_IMPORT
;; naming env.sinf and both types.
(module
  (import "env" "sinf" (func $sinf (param f64) (result f64)))
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)
    (drop (call $sinf (f64.const 1)))))
