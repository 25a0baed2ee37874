;; rings.wat - declares two rings (docs/abi.md, "Rings") and misuses one.
;; 0 inputs, 1 output (silence), maxFrames <= 1024.
;;   ring 0 "over" (direction 0, the module writes): header at 128, 16 bytes of
;;     data at 1024. Every block it moves its write index 64 bytes on,
;;     whatever JS has read: JS must clamp and count the bytes lost.
;;   ring 1 "in" (direction 1, JS writes): header at 144, 32 bytes at 2048.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "over")
  (data (i32.const 20) "in")
  ;; keyOffset, keyLength, direction, header, data, size
  (data (i32.const 32) "\10\00\00\00\04\00\00\00\00\00\00\00\80\00\00\00\00\04\00\00\10\00\00\00")
  (data (i32.const 56) "\14\00\00\00\02\00\00\00\01\00\00\00\90\00\00\00\00\08\00\00\20\00\00\00")
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.gt_u (local.get 1) (i32.const 1024)))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 8192))
  (func (export "jw_process") (param i32)
    (memory.fill (i32.const 8192) (i32.const 0) (i32.shl (local.get 0) (i32.const 2)))
    (i32.store (i32.const 128) (i32.add (i32.load (i32.const 128)) (i32.const 64))))
  (func (export "jw_ring_count") (result i32) (i32.const 2))
  (func (export "jw_ring_table") (result i32) (i32.const 32)))
