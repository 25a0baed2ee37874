;; import-printf.wat - imports env.printf: module "env" is allowed, the name
;; is not. Expected: MODULE_BAD_IMPORT naming env.printf.
(module
  (import "env" "printf" (func $printf (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)
    (drop (call $printf (i32.const 0) (i32.const 0)))))
