;; memory-global.wat - its export "memory" is a global, not a memory (the
;; real memory is exported as "mem"). Expected: MODULE_BAD_EXPORT saying
;; "memory" is a global.
(module
  (memory (export "mem") 1)
  (global (export "memory") i32 (i32.const 0))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)))
