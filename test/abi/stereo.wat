;; stereo.wat - 2 audio inputs, 2 audio outputs, out[c][i] = in[c][i]
;; (a plain copy per channel). Buffers: input c at 1024 + c * maxFrames * 4,
;; output c after the two inputs. Used to check how render() feeds several
;; input channels (e.g. inputs shorter than the render).
(module
  (memory (export "memory") 4)
  (global $max (mut i32) (i32.const 0))
  (func $buf (param $k i32) (result i32)
    (i32.add (i32.const 1024) (i32.mul (local.get $k) (i32.shl (global.get $max) (i32.const 2)))))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param $sr f32) (param $max i32) (result i32)
    (global.set $max (local.get $max))
    (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 2))
  (func (export "jw_outputs") (result i32) (i32.const 2))
  (func (export "jw_input") (param $ch i32) (result i32) (call $buf (local.get $ch)))
  (func (export "jw_output") (param $ch i32) (result i32) (call $buf (i32.add (local.get $ch) (i32.const 2))))
  (func (export "jw_process") (param $n i32)
    (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (memory.copy (call $buf (i32.const 2)) (call $buf (i32.const 0)) (local.get $bytes))
    (memory.copy (call $buf (i32.const 3)) (call $buf (i32.const 1)) (local.get $bytes))))
