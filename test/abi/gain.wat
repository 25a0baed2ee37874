;; gain.wat - the ABI v1 baseline: a valid module with 1 audio input,
;; 1 audio output and one parameter; out[i] = in[i] * gain.
;; Parameter 0: id "gain", name "Gain", range 0..4, default 1.
;; Buffers: input at byte 1024, output right after it (maxFrames f32 each).
;; Copy it for variations. dsp.validation.test.ts derives the missing-export
;; variants from this text by deleting one (export "...") clause, so keep
;; every export inline as (export "name").
(module
  (memory (export "memory") 3)
  (global $max (mut i32) (i32.const 0))
  (global $gain (mut f32) (f32.const 1))
  (data (i32.const 16) "{\"name\":\"gain\",\"version\":\"1.0.0\",\"params\":[{\"id\":\"gain\",\"name\":\"Gain\",\"min\":0,\"max\":4,\"default\":1}]}\00")

  (func $abi (export "jw_abi") (result i32) (i32.const 1))
  (func $init (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (i32.const 0))
  (func $inputs (export "jw_inputs") (result i32) (i32.const 1))
  (func $outputs (export "jw_outputs") (result i32) (i32.const 1))
  (func $input (export "jw_input") (param $ch i32) (result i32) (i32.const 1024))
  (func $output (export "jw_output") (param $ch i32) (result i32)
    (i32.add (i32.const 1024) (i32.shl (global.get $max) (i32.const 2))))
  (func $process (export "jw_process") (param $n i32)
    (local $i i32) (local $out i32)
    (local.set $out (call $output (i32.const 0)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32.mul
            (f32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2))))
            (global.get $gain)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
  (func $param_count (export "jw_param_count") (result i32) (i32.const 1))
  (func $param_set (export "jw_param_set") (param $index i32) (param $value f32)
    (if (i32.eqz (local.get $index)) (then (global.set $gain (local.get $value)))))
  (func $param_get (export "jw_param_get") (param $index i32) (result f32) (global.get $gain))
  (func $describe (export "jw_describe") (result i32) (i32.const 16)))
