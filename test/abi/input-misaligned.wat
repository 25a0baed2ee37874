;; input-misaligned.wat - jw_input(0) returns byte offset 1026, inside memory
;; but not 4-byte aligned. Expected: MODULE_BAD_LAYOUT naming jw_input(0) and
;; "misaligned".
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 1))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 1026))
  (func (export "jw_output") (param i32) (result i32) (i32.const 4096))
  (func (export "jw_process") (param $n i32)))
