;; Table growth counts against one cap per instance (1M entries in all):
;; jw_init fills table 0 to 999,999 entries; growing table 1 by 2 then fails.
;; expect: ok
;; output: -1
(module
  (memory (export "memory") 1)
  (table $a 1 funcref)
  (table $b 0 funcref)
  (global $r (mut i32) (i32.const 0))
  (func $value (result f32) (f32.convert_i32_s (global.get $r)))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32)
    (drop (table.grow $a (ref.null func) (i32.const 999998)))
    (global.set $r (table.grow $b (ref.null func) (i32.const 2)))
    (i32.const 0))
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
