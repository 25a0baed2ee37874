;; Function and local names (the name section) with "*/" in them: custom
;; sections never reach wasm2c, so no text of the module's gets into the C.
;; expect: ok
;; output: 0.5
;; wat2wasm: --debug-names
(module
  (memory (export "memory") 1)
  (func $*/abort/* (param $*/x/* i32) (result f32) (f32.const 0.5))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32) (local $i i32)
    (loop $l (f32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (call $*/abort/* (i32.const 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))
