;; start-trap.wat - its start function executes unreachable, so creating an
;; instance traps before jw_abi is ever called.
;; Expected (render/load): MODULE_INIT_FAILED naming the start function and
;; the trap (unreachable executed).
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func $start unreachable)
  (start $start)
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32)))
