;; Recursion 2000 deep with small frames works.
;; expect: ok
;; output: 0.5
(module
  (memory (export "memory") 1)
  (func $r (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.add (call $r (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))) (else (i32.const 0))))
  (func $value (result f32) (f32.mul (f32.convert_i32_u (call $r (i32.const 2000))) (f32.const 0.00025)))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32) (local $i i32)
    (loop $l
      (f32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (call $value))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
)
