;; grow.wat - memory.grow on both sides of the realtime boundary. Memory
;; starts at 2 pages; jw_init grows it by 1 page (allowed on the worker) and
;; keeps the result. 0 inputs, 3 outputs, every sample of a block:
;;   out 0: what memory.grow(1) returns inside jw_process (must be -1)
;;   out 1: what memory.grow(1) returned inside jw_init (must be 2)
;;   out 2: memory.size in pages inside jw_process (must stay 3)
(module
  (memory (export "memory") 2)
  (global $max (mut i32) (i32.const 0))
  (global $init_grow (mut i32) (i32.const -2))
  (func $out (param $ch i32) (result i32)
    (i32.add (i32.const 1024) (i32.mul (local.get $ch) (i32.shl (global.get $max) (i32.const 2)))))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (global.set $init_grow (memory.grow (i32.const 1)))
    (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 3))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param $ch i32) (result i32) (call $out (local.get $ch)))
  (func (export "jw_process") (param $n i32)
    (local $i i32) (local $g f32) (local $k i32)
    (local.set $g (f32.convert_i32_s (memory.grow (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (call $out (i32.const 0)) (local.get $k)) (local.get $g))
        (f32.store (i32.add (call $out (i32.const 1)) (local.get $k)) (f32.convert_i32_s (global.get $init_grow)))
        (f32.store (i32.add (call $out (i32.const 2)) (local.get $k)) (f32.convert_i32_s (memory.size)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
