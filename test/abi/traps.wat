;; traps.wat - traps on demand, for the trap tests. 0 inputs, 1 output.
;; Until told to trap, jw_process writes 0.5 to every output sample.
;; Parameters (jw_describe):
;;   0 "mode" (0..9): once nonzero, every block that starts at or after frame
;;     `at` (frames this instance has processed) traps in jw_process with:
;;       1 unreachable                 2 out-of-bounds i32.load
;;       3 out-of-bounds i32.store     4 i32.div_s by zero
;;       5 i32.div_s INT_MIN / -1      6 i32.trunc_f32_s of NaN
;;       7 call_indirect through a table entry of another signature
;;       8 unbounded recursion (call stack exhaustion)
;;       9 env.abort("bad λ!", "assembly/dsp.ts", 42, 7) with AssemblyScript
;;         strings (UTF-16LE, byte length at ptr - 4)
;;     Operands come from `mode` at run time, so nothing is constant-folded.
;;   1 "at" (0..1e9): first frame that may trap.
;;   2 "boom" (0..1): jw_param_set traps (unreachable) when set to >= 1.
;; jw_midi traps (unreachable) on any MIDI message, so the module also gets a
;; MIDI input port named <name>_midi_in.
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (type $void (func))
  (type $i32_to_i32 (func (param i32) (result i32)))
  (memory (export "memory") 2)
  (table 1 funcref)
  (elem (i32.const 0) $takes_i32)
  (global $max (mut i32) (i32.const 0))
  (global $pos (mut i32) (i32.const 0))
  (global $mode (mut f32) (f32.const 0))
  (global $at (mut f32) (f32.const 0))
  (global $boom (mut f32) (f32.const 0))
  (data (i32.const 16) "{\"name\":\"traps\",\"params\":[{\"id\":\"mode\",\"min\":0,\"max\":9,\"default\":0},{\"id\":\"at\",\"min\":0,\"max\":1000000000,\"default\":0},{\"id\":\"boom\",\"min\":0,\"max\":1,\"default\":0}]}\00")
  ;; AssemblyScript strings: "bad λ!" at 256 and "assembly/dsp.ts" at 320.
  (data (i32.const 252) "\0c\00\00\00b\00a\00d\00 \00\bb\03!\00")
  (data (i32.const 316) "\1e\00\00\00a\00s\00s\00e\00m\00b\00l\00y\00/\00d\00s\00p\00.\00t\00s\00")

  (func $takes_i32 (type $i32_to_i32) (local.get 0))
  (func $recurse (param $depth i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get $depth) (i32.const 1))) (i32.const 1)))

  ;; Traps the way `m` says (returns 0.5 for an unknown mode).
  (func $trap (param $m i32) (result f32)
    (if (i32.eq (local.get $m) (i32.const 1)) (then unreachable))
    (if (i32.eq (local.get $m) (i32.const 2))
      (then (return (f32.convert_i32_s (i32.load (i32.mul (memory.size) (i32.const 65536)))))))
    (if (i32.eq (local.get $m) (i32.const 3))
      (then (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 2)) (local.get $m))))
    (if (i32.eq (local.get $m) (i32.const 4))
      (then (return (f32.convert_i32_s (i32.div_s (i32.const 1) (i32.sub (local.get $m) (i32.const 4)))))))
    (if (i32.eq (local.get $m) (i32.const 5))
      (then (return (f32.convert_i32_s (i32.div_s (i32.const 0x80000000) (i32.sub (i32.const 4) (local.get $m)))))))
    (if (i32.eq (local.get $m) (i32.const 6))
      (then (return (f32.convert_i32_s (i32.trunc_f32_s
        (f32.div (f32.convert_i32_s (i32.sub (local.get $m) (i32.const 6)))
                 (f32.convert_i32_s (i32.sub (local.get $m) (i32.const 6)))))))))
    (if (i32.eq (local.get $m) (i32.const 7))
      (then (call_indirect (type $void) (i32.sub (local.get $m) (i32.const 7)))))
    (if (i32.eq (local.get $m) (i32.const 8))
      (then (return (f32.convert_i32_s (call $recurse (local.get $m))))))
    (if (i32.eq (local.get $m) (i32.const 9))
      (then (call $abort (i32.const 256) (i32.const 320) (i32.const 42) (i32.const 7))))
    (f32.const 0.5))

  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32)
    (local $i i32) (local $m i32) (local $v f32)
    (local.set $v (f32.const 0.5))
    (local.set $m (i32.trunc_sat_f32_u (global.get $mode)))
    (if (i32.and (i32.ne (local.get $m) (i32.const 0))
                 (i32.ge_u (global.get $pos) (i32.trunc_sat_f32_u (global.get $at))))
      (then (local.set $v (call $trap (local.get $m)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $pos (i32.add (global.get $pos) (local.get $n))))
  (func (export "jw_midi") (param i32 i32 i32 i32) unreachable)
  (func (export "jw_param_count") (result i32) (i32.const 3))
  (func (export "jw_param_set") (param $index i32) (param $value f32)
    (if (i32.eq (local.get $index) (i32.const 0)) (then (global.set $mode (local.get $value))))
    (if (i32.eq (local.get $index) (i32.const 1)) (then (global.set $at (local.get $value))))
    (if (i32.eq (local.get $index) (i32.const 2))
      (then
        (if (f32.ge (local.get $value) (f32.const 1)) (then unreachable))
        (global.set $boom (local.get $value)))))
  (func (export "jw_param_get") (param $index i32) (result f32)
    (if (i32.eq (local.get $index) (i32.const 0)) (then (return (global.get $mode))))
    (if (i32.eq (local.get $index) (i32.const 1)) (then (return (global.get $at))))
    (global.get $boom))
  (func (export "jw_describe") (result i32) (i32.const 16)))
