;; shared-memory.wat - declares its memory shared (threads proposal).
;; Otherwise a valid 0-in/1-out module.
;; Expected: MODULE_UNSUPPORTED_FEATURE mentioning shared memory (threads).
;; wat2wasm: --enable-threads
(module
  (memory (export "memory") 1 1 shared)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)))
