;; spin.wat - takes as long as told. 0 inputs, 1 output (constant 0.5).
;;   param 0 "iters" (0..2e9): jw_process runs a busy loop of that many
;;   iterations per call (each iteration depends on the previous one, so the
;;   loop is not optimised away); 0 = no work.
;;   param 1 "loadIters": the same loop inside jw_param_set when set to
;;   non-zero (a slow or hanging parameter call).
(module
  (memory (export "memory") 1)
  (global $iters (mut i32) (i32.const 0))
  (global $acc (mut i32) (i32.const 1))
  (data (i32.const 16) "{\"name\":\"spin\",\"params\":[{\"id\":\"iters\",\"min\":0,\"max\":2000000000,\"default\":0},{\"id\":\"loadIters\",\"min\":0,\"max\":2000000000,\"default\":0}]}\00")
  (func $spin (param $n i32) (local $i i32) (local $x i32)
    (local.set $x (global.get $acc))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (global.set $acc (local.get $x)))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_param_count") (result i32) (i32.const 2))
  (func (export "jw_param_set") (param $i i32) (param $v f32)
    (if (i32.eqz (local.get $i)) (then (global.set $iters (i32.trunc_sat_f32_u (local.get $v)))))
    (if (i32.eq (local.get $i) (i32.const 1)) (then (call $spin (i32.trunc_sat_f32_u (local.get $v))))))
  (func (export "jw_describe") (result i32) (i32.const 16))
  (func (export "jw_process") (param $n i32) (local $i i32)
    (call $spin (global.get $iters))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (f32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (f32.const 0.5))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))
