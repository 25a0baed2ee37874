;; No jw_process.
;; expect: error MODULE_MISSING_EXPORT /"jw_process"/
(module
  (memory (export "memory") 1)
  (func $value (result f32) (f32.const 0.5))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
)
