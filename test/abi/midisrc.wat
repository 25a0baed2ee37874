;; midisrc.wat - sends one MIDI note-on (0x90 60 100, frame 0 of the block)
;; through jw_host.midi_out in the first block after its parameter "send"
;; (index 0, 0..1) is set to >= 1. No audio ports; jw_describe declares
;; midiOutputs: 1, so it gets a MIDI output port <name>_midi_out.
(module
  (import "jw_host" "midi_out" (func $midi_out (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $pending (mut i32) (i32.const 0))
  (data (i32.const 16) "{\"name\":\"midisrc\",\"midiOutputs\":1,\"params\":[{\"id\":\"send\",\"min\":0,\"max\":1,\"default\":0}]}\00")
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 0))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)
    (if (global.get $pending)
      (then
        (call $midi_out (i32.const 0) (i32.const 0x90) (i32.const 60) (i32.const 100))
        (global.set $pending (i32.const 0)))))
  (func (export "jw_param_count") (result i32) (i32.const 1))
  (func (export "jw_param_set") (param $index i32) (param $v f32)
    (if (f32.ge (local.get $v) (f32.const 1)) (then (global.set $pending (i32.const 1)))))
  (func (export "jw_describe") (result i32) (i32.const 16)))
