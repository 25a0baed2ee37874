;; outputs-65.wat - jw_outputs() returns 65, over the limit of 64 channels.
;; Expected (render/load): MODULE_BAD_LAYOUT naming jw_outputs() and 65.
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 65))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)))
