;; timeout trap in jw_param_get.
;; expect: error MODULE_TIMEOUT /jw_param_get\(0\) ran past the load's time limit of 300 ms/
;; options: {"callTimeoutMs":300}
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (type $v (func))
  (type $i (func (param i32) (result i32)))
  (memory (export "memory") 1 1)
  (table 2 funcref)
  (elem (i32.const 1) $i2i)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 256) "{\"params\":[{\"id\":\"p\",\"min\":0,\"max\":1,\"default\":0}]}\00")
  (func $i2i (type $i) (local.get 0))
  (func $boom (loop $l (global.set $g (i32.add (global.get $g) (i32.const 1))) (br $l)))
  (func $st )
  (start $st)
  (func (export "jw_abi") (result i32)  (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32)  (i32.const 0))
  (func (export "jw_inputs") (result i32)  (i32.const 1))
  (func (export "jw_outputs") (result i32)  (i32.const 1))
  (func (export "jw_input") (param i32) (result i32)  (i32.const 2048))
  (func (export "jw_output") (param i32) (result i32)  (i32.const 1024))
  (func (export "jw_param_count") (result i32)  (i32.const 1))
  (func (export "jw_param_get") (param i32) (result f32) (call $boom) (f32.const 0))
  (func (export "jw_param_set") (param i32 f32) )
  (func (export "jw_describe") (result i32)  (i32.const 256))
  (func (export "jw_midi") (param i32 i32 i32 i32) )
  (func (export "jw_process") (param $n i32) (local $i i32)
    
    (loop $l
      (f32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (f32.const 0.5))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
)
