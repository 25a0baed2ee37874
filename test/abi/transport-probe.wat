;; transport-probe.wat - makes the transport a module sees visible
;; (jw_transport: the host writes 64 bytes at 2048 before each block).
;; 0 inputs, 4 outputs, every sample of a block holding the block's values:
;;   out 0: transport frame (u32 as f32)   out 1: bpm (f64 as f32)
;;   out 2: beatInBar (f64 as f32)         out 3: state * 10 + flags
(module
  (memory (export "memory") 4)
  (global $max (mut i32) (i32.const 0))
  (func $out (param $ch i32) (result i32)
    (i32.add (i32.const 4096) (i32.mul (local.get $ch) (i32.shl (global.get $max) (i32.const 2)))))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (global.set $max (local.get 1)) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 4))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param $ch i32) (result i32) (call $out (local.get $ch)))
  (func (export "jw_transport") (result i32) (i32.const 2048))
  (func (export "jw_process") (param $n i32)
    (local $i i32) (local $k i32) (local $frame f32) (local $bpm f32) (local $beat f32) (local $st f32)
    (local.set $frame (f32.convert_i32_u (i32.load (i32.const 2056))))
    (local.set $bpm (f32.demote_f64 (f64.load (i32.const 2064))))
    (local.set $beat (f32.demote_f64 (f64.load (i32.const 2072))))
    (local.set $st (f32.convert_i32_u (i32.add (i32.mul (i32.load (i32.const 2048)) (i32.const 10)) (i32.load (i32.const 2052)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (call $out (i32.const 0)) (local.get $k)) (local.get $frame))
        (f32.store (i32.add (call $out (i32.const 1)) (local.get $k)) (local.get $bpm))
        (f32.store (i32.add (call $out (i32.const 2)) (local.get $k)) (local.get $beat))
        (f32.store (i32.add (call $out (i32.const 3)) (local.get $k)) (local.get $st))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
