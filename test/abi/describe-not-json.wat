;; describe-not-json.wat - jw_describe() points at "name: oops", which is not
;; JSON. Expected (render/load): MODULE_BAD_LAYOUT naming jw_describe() and
;; quoting the text.
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (data (i32.const 16) "name: oops\00")
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32))
  (func (export "jw_describe") (result i32) (i32.const 16)))
