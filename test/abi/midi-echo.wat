;; midi-echo.wat - echoes every MIDI message it receives through
;; jw_host.midi_out from jw_midi, at the same frame offset (relative to the
;; current block), with data1 + 1. Parameter "split" (index 0) does nothing:
;; setting it with { frame } splits the block there. No audio ports;
;; midiOutputs: 1.
(module
  (import "jw_host" "midi_out" (func $midi_out (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{\"name\":\"echo\",\"midiOutputs\":1,\"params\":[{\"id\":\"split\",\"min\":0,\"max\":1,\"default\":0}]}\00")
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 0))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_midi") (param $off i32) (param $status i32) (param $d1 i32) (param $d2 i32)
    (call $midi_out (local.get $off) (local.get $status) (i32.add (local.get $d1) (i32.const 1)) (local.get $d2)))
  (func (export "jw_process") (param $n i32))
  (func (export "jw_param_count") (result i32) (i32.const 1))
  (func (export "jw_param_set") (param i32 f32))
  (func (export "jw_describe") (result i32) (i32.const 16)))
