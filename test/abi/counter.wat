;; counter.wat - a module with declared state (jw_state_count / jw_state_table).
;; 0 inputs, 1 output: the value of a frame counter kept in memory at byte 8
;; (as f32, exact up to 2^24) plus parameter 0 "offset" (default 0).
;; Declared state: one entry "counter.pos", the 4 bytes at 8. Tests make
;; variants by editing the text: the entry's length (the "\04" of the
;; table), its key, or the output (an "f32.add" of the offset).
(module
  (memory (export "memory") 1)
  (global $max (mut i32) (i32.const 0))
  (global $offset (mut f32) (f32.const 0))
  ;; state table at 32: keyOffset 64, keyLength 11, offset 8, length 4
  (data (i32.const 32) "\40\00\00\00\0b\00\00\00\08\00\00\00\04\00\00\00")
  (data (i32.const 64) "counter.pos")
  (data (i32.const 128) "{\"name\":\"counter\",\"params\":[{\"id\":\"offset\",\"min\":-1000000,\"max\":1000000,\"default\":0}]}\00")
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param $ch i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32)
    (local $i i32) (local $pos i32)
    (local.set $pos (i32.load (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add (f32.convert_i32_u (i32.add (local.get $pos) (local.get $i))) (global.get $offset)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 8) (i32.add (local.get $pos) (local.get $n))))
  (func (export "jw_param_count") (result i32) (i32.const 1))
  (func (export "jw_param_set") (param $index i32) (param $v f32) (global.set $offset (local.get $v)))
  (func (export "jw_param_get") (param $index i32) (result f32) (global.get $offset))
  (func (export "jw_describe") (result i32) (i32.const 128))
  (func (export "jw_state_count") (result i32) (i32.const 1))
  (func (export "jw_state_table") (result i32) (i32.const 32)))
