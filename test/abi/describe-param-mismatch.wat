;; describe-param-mismatch.wat - jw_describe() lists 2 params but
;; jw_param_count() is 1. Expected (render/load): MODULE_BAD_LAYOUT naming
;; both counts.
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (data (i32.const 16) "{\"params\":[{\"id\":\"a\"},{\"id\":\"b\"}]}\00")
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32))
  (func (export "jw_param_count") (result i32) (i32.const 1))
  (func (export "jw_param_set") (param i32 f32))
  (func (export "jw_describe") (result i32) (i32.const 16)))
