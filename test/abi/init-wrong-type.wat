;; init-wrong-type.wat - exports jw_init as (i32) -> i32 instead of
;; (f32, i32) -> i32. Expected: MODULE_BAD_EXPORT naming jw_init and both types.
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)))
