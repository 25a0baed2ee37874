;; abi-v2.wat - jw_abi() returns 2, a major version this host does not know.
;; Structurally valid, so compile() accepts it; instantiating refuses it.
;; Expected (render/load): MODULE_ABI_VERSION naming version 2.
(module
  (memory (export "memory") 1)
  (func (export "jw_abi") (result i32) (i32.const 2))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 0))
  (func (export "jw_process") (param $n i32)))
