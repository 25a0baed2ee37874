;; buffers.wat - declares buffer slots (docs/abi.md, "Buffers") and plays one.
;; 0 inputs, 4 outputs, maxFrames <= 1024.
;;   slot 0 "a": 2 channels x 1000 frames, regions at 16384 and 24576
;;   slot 1 "b": 1 channel x 64 frames, regions at 32768 and 33024
;; Each jw_buffer_ready(0, ...) restarts playback of slot "a" from its first
;; frame: out c = channel c of the region handed over (channel 0 when only one
;; was loaded), one frame per sample, then 0 past the frames loaded; out 2 =
;; the frames of slot "a"'s last hand-over, out 3 = its hand-overs so far.
;; jw_buffer_ready(1, r, ch, frames) records its arguments at 40000 (slot,
;; region, channels, frames as i32) and counts calls at 40016; with frames ==
;; 13 it traps (unreachable), with frames == 14 it never returns.
(module
  (memory (export "memory") 2)
  (global $max (mut i32) (i32.const 0))
  (global $pos (mut i32) (i32.const 0))
  (global $aOff (mut i32) (i32.const 0))
  (global $aFrames (mut i32) (i32.const 0))
  (global $aCh (mut i32) (i32.const 0))
  (global $aCount (mut i32) (i32.const 0))
  (data (i32.const 16) "a")
  (data (i32.const 20) "b")
  ;; keyOffset, keyLength, channels, frames, region0, region1
  (data (i32.const 32) "\10\00\00\00\01\00\00\00\02\00\00\00\e8\03\00\00\00\40\00\00\00\60\00\00")
  (data (i32.const 56) "\14\00\00\00\01\00\00\00\01\00\00\00\40\00\00\00\00\80\00\00\00\81\00\00")

  (func $out (param $ch i32) (result i32)
    (i32.add (i32.const 65536) (i32.mul (local.get $ch) (i32.const 4096))))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (i32.gt_u (local.get $max) (i32.const 1024)))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 4))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param $ch i32) (result i32) (call $out (local.get $ch)))
  (func $sample (param $ch i32) (result f32)
    (if (result f32) (i32.lt_u (global.get $pos) (global.get $aFrames))
      (then
        (f32.load (i32.add (global.get $aOff)
          (i32.add
            (i32.mul (select (local.get $ch) (i32.const 0) (i32.lt_u (local.get $ch) (global.get $aCh))) (i32.const 4000))
            (i32.shl (global.get $pos) (i32.const 2))))))
      (else (f32.const 0))))
  (func (export "jw_process") (param $n i32)
    (local $i i32) (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (call $out (i32.const 0)) (local.get $k)) (call $sample (i32.const 0)))
        (f32.store (i32.add (call $out (i32.const 1)) (local.get $k)) (call $sample (i32.const 1)))
        (f32.store (i32.add (call $out (i32.const 2)) (local.get $k)) (f32.convert_i32_u (global.get $aFrames)))
        (f32.store (i32.add (call $out (i32.const 3)) (local.get $k)) (f32.convert_i32_u (global.get $aCount)))
        (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
  (func (export "jw_buffer_count") (result i32) (i32.const 2))
  (func (export "jw_buffer_table") (result i32) (i32.const 32))
  (func (export "jw_buffer_ready") (param $slot i32) (param $region i32) (param $ch i32) (param $frames i32)
    (if (i32.eqz (local.get $slot))
      (then
        (global.set $aOff (select (i32.const 24576) (i32.const 16384) (local.get $region)))
        (global.set $aFrames (local.get $frames))
        (global.set $aCh (local.get $ch))
        (global.set $pos (i32.const 0))
        (global.set $aCount (i32.add (global.get $aCount) (i32.const 1)))
        (return)))
    (i32.store (i32.const 40000) (local.get $slot))
    (i32.store (i32.const 40004) (local.get $region))
    (i32.store (i32.const 40008) (local.get $ch))
    (i32.store (i32.const 40012) (local.get $frames))
    (i32.store (i32.const 40016) (i32.add (i32.load (i32.const 40016)) (i32.const 1)))
    (if (i32.eq (local.get $frames) (i32.const 13)) (then unreachable))
    (if (i32.eq (local.get $frames) (i32.const 14)) (then (loop $forever (br $forever))))))
