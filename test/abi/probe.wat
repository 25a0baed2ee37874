;; probe.wat - makes time and parameters visible. 0 inputs, 3 outputs:
;;   out 0: frames this instance has processed before the sample (0, 1, 2, ...
;;          as f32, exact up to 2^24), i.e. the sample's frame relative to the
;;          module's start
;;   out 1: parameter 0, id "value", name "Level", range -10..10, default 0.25
;;   out 2: parameter 1, id "free", no range, default 0
;; Used for parameter handling (by id/name/index, clamping, block-boundary
;; timing) and as the well-behaved neighbour of a trapping module.
(module
  (memory (export "memory") 4)
  (global $max (mut i32) (i32.const 0))
  (global $pos (mut i32) (i32.const 0))
  (global $value (mut f32) (f32.const 0.25))
  (global $free (mut f32) (f32.const 0))
  (data (i32.const 16) "{\"name\":\"probe\",\"params\":[{\"id\":\"value\",\"name\":\"Level\",\"min\":-10,\"max\":10,\"default\":0.25,\"unit\":\"dB\"},{\"id\":\"free\"}]}\00")

  (func $out (param $ch i32) (result i32)
    (i32.add (i32.const 1024) (i32.mul (local.get $ch) (i32.shl (global.get $max) (i32.const 2)))))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 3))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param $ch i32) (result i32) (call $out (local.get $ch)))
  (func (export "jw_process") (param $n i32)
    (local $i i32) (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (call $out (i32.const 0)) (local.get $k))
          (f32.convert_i32_u (i32.add (global.get $pos) (local.get $i))))
        (f32.store (i32.add (call $out (i32.const 1)) (local.get $k)) (global.get $value))
        (f32.store (i32.add (call $out (i32.const 2)) (local.get $k)) (global.get $free))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $pos (i32.add (global.get $pos) (local.get $n))))
  (func (export "jw_param_count") (result i32) (i32.const 2))
  (func (export "jw_param_set") (param $index i32) (param $v f32)
    (if (i32.eqz (local.get $index))
      (then (global.set $value (local.get $v)))
      (else (global.set $free (local.get $v)))))
  (func (export "jw_param_get") (param $index i32) (result f32)
    (select (global.get $value) (global.get $free) (i32.eqz (local.get $index))))
  (func (export "jw_describe") (result i32) (i32.const 16)))
