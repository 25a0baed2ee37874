;; log.wat - jw_host.log from the worker and from the audio thread. No audio
;; ports. jw_init logs "hello from jw_init"; after parameter "say" (index 0)
;; is set, the next jw_process logs "hello from jw_process" once.
(module
  (import "jw_host" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (global $pending (mut i32) (i32.const 0))
  (data (i32.const 256) "hello from jw_init")
  (data (i32.const 320) "hello from jw_process")
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32)
    (call $log (i32.const 256) (i32.const 18))
    (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 0))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)
    (if (global.get $pending)
      (then
        (call $log (i32.const 320) (i32.const 21))
        (global.set $pending (i32.const 0)))))
  (func (export "jw_param_count") (result i32) (i32.const 1))
  (func (export "jw_param_set") (param i32 f32) (global.set $pending (i32.const 1))))
