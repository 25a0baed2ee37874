;; 1024 parameters whose jw_param_get each spin ~2 ms: every call stays far
;; under callTimeoutMs, but the load as a whole does not (one budget per load).
;; expect: error MODULE_TIMEOUT /^trap-timeout-load-budget.wat: jw_param_get\(\d+\) ran past the load's time limit of 300 ms/
;; options: {"callTimeoutMs":300}
(module
  (memory (export "memory") 1)
  (func $spin (local $n i32)
    (local.set $n (i32.const 2000000))
    (loop $l
      (i32.store (i32.const 32) (local.get $n))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 4096))
  (func (export "jw_process") (param i32))
  (func (export "jw_param_count") (result i32) (i32.const 1024))
  (func (export "jw_param_set") (param i32 f32))
  (func (export "jw_param_get") (param i32) (result f32) (call $spin) (f32.const 0))
)
