;; min/max of 1e400 (Infinity in JSON) are ignored, not used to clamp.
;; expect: ok
;; output: 0.125
(module
  (memory (export "memory") 1)
  (func (export "jw_param_count") (result i32) (i32.const 1))
  (func (export "jw_param_set") (param i32 f32) (f32.store (i32.const 8) (local.get 1)))
  (func (export "jw_describe") (result i32) (i32.const 256))
  (data (i32.const 256) "{\"params\":[{\"id\":\"a\",\"min\":-1e400,\"max\":1e400,\"default\":0.125}]}\00")
  (func $value (result f32) (f32.load (i32.const 8)))
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
