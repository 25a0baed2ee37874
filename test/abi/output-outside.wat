;; output-outside.wat - 2 outputs; jw_output(1) returns 65280, so a buffer of
;; maxFrames (> 64; 256 here) f32 samples there runs past the end of the 64 KiB memory.
;; Expected: MODULE_BAD_LAYOUT naming jw_output(1) and "outside memory".
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 2))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param $ch i32) (result i32)
    (select (i32.const 1024) (i32.const 65280) (i32.eqz (local.get $ch))))
  (func (export "jw_process") (param $n i32)))
