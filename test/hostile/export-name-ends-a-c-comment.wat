;; An export name that would close wasm2c's "/* export: '...' */" comment and
;; put C of its own into the generated code (a constructor writing a file).
;; expect: error MODULE_BAD_EXPORT /export name "x \*\/\\n#include/
(module
  (memory (export "memory") 1)
  (func $evil (result i32) (i32.const 0))
  (export "x */\n#include <stdlib.h>\n__attribute__((constructor)) static void pwn(void) { abort(); }\n/* " (func $evil))
  (func (export "jw_abi") (result i32) (i32.const 1))
  (func (export "jw_init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "jw_inputs") (result i32) (i32.const 0))
  (func (export "jw_outputs") (result i32) (i32.const 1))
  (func (export "jw_input") (param i32) (result i32) (i32.const 0))
  (func (export "jw_output") (param i32) (result i32) (i32.const 1024))
  (func (export "jw_process") (param $n i32) (local $i i32)
    (loop $l (f32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (f32.const 0.5))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))
