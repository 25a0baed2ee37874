;; import-memory.wat - imports its memory (env.memory) and re-exports it.
;; Expected: MODULE_BAD_IMPORT saying it imports its memory (env.memory).
(module
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)))
