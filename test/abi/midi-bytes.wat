;; midi-bytes.wat - makes MIDI messages visible in audio. 0 inputs, 2 outputs:
;;   out 0: the latest MIDI message, status * 65536 + data1 * 256 + data2 (exact
;;          in f32), from the exact sample it arrived on (0 before any)
;;   out 1: number of MIDI messages received so far, likewise sample-exact
;; As midi-probe.wat, which shows data1 only. Up to 64 messages per block.
(module
  (memory (export "memory") 4)
  (global $max (mut i32) (i32.const 0))
  (global $note (mut f32) (f32.const 0))
  (global $count (mut f32) (f32.const 0))
  (global $n (mut i32) (i32.const 0))   ;; messages queued for this block
  ;; queue at 512: pairs (offset i32, data1 i32)
  (func $out (param $ch i32) (result i32)
    (i32.add (i32.const 4096) (i32.mul (local.get $ch) (i32.shl (global.get $max) (i32.const 2)))))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (global.set $max (local.get 1)) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 2))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param $ch i32) (result i32) (call $out (local.get $ch)))
  (func (export "jw_midi") (param $off i32) (param $status i32) (param $d1 i32) (param $d2 i32)
    (if (i32.lt_u (global.get $n) (i32.const 64))
      (then
        (i32.store (i32.add (i32.const 512) (i32.shl (global.get $n) (i32.const 3))) (local.get $off))
        (i32.store offset=4 (i32.add (i32.const 512) (i32.shl (global.get $n) (i32.const 3)))
          (i32.or (i32.shl (local.get $status) (i32.const 16)) (i32.or (i32.shl (local.get $d1) (i32.const 8)) (local.get $d2))))
        (global.set $n (i32.add (global.get $n) (i32.const 1))))))
  (func (export "jw_process") (param $frames i32)
    (local $i i32) (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $frames)))
        ;; apply every queued message whose offset is this sample
        (local.set $k (i32.const 0))
        (block $q (loop $ql
          (br_if $q (i32.ge_u (local.get $k) (global.get $n)))
          (if (i32.eq (i32.load (i32.add (i32.const 512) (i32.shl (local.get $k) (i32.const 3)))) (local.get $i))
            (then
              (global.set $note (f32.convert_i32_u (i32.load offset=4 (i32.add (i32.const 512) (i32.shl (local.get $k) (i32.const 3))))))
              (global.set $count (f32.add (global.get $count) (f32.const 1)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $ql)))
        (f32.store (i32.add (call $out (i32.const 0)) (i32.shl (local.get $i) (i32.const 2))) (global.get $note))
        (f32.store (i32.add (call $out (i32.const 1)) (i32.shl (local.get $i) (i32.const 2))) (global.get $count))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $n (i32.const 0))))
