/*
 * The native interface of a compiled jackwasm DSP module (.so).
 *
 * Each module is one shared object: the wasm2c output and a generated glue
 * file (host/dsp/glue.ts), compiled as one translation unit and linked
 * against libjwrt.so. It exports exactly one symbol, jw_module_get_api(),
 * returning this table. The engine (shim/engine/) and the glue are built
 * separately, so this header is the contract between them; its version is
 * JW_MODULE_API_VERSION (shim/manifest.json).
 */
#ifndef JW_MODULE_H_
#define JW_MODULE_H_
#include <stddef.h>
#include <stdint.h>

#include "../generated/manifest.h"

/* create() failures that are not traps. */
#define JW_CREATE_NOMEM (-1)  /* memory or address space for the instance */
#define JW_CREATE_TYPES (-2)  /* the function-type registry could not hold the module's types */

/* One argument or result of an export call. */
typedef union jw_val {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
} jw_val;

/* Where jw_host.midi_out writes during a block (set by the engine). */
typedef struct jw_midi_sink {
  /* [audio-thread] Returns 0 when written; the glue counts failures. */
  int (*write)(void* opaque, uint32_t frame, const uint8_t* bytes, uint32_t len);
  void* opaque;
  uint32_t block_offset; /* frame offset of the current block in the cycle */
} jw_midi_sink;

/* A log message handed from the module to JS without blocking. */
#define JW_LOG_MAX 255
typedef struct jw_log_msg {
  uint32_t len;
  char text[JW_LOG_MAX + 1];
} jw_log_msg;

typedef struct jw_create_opts {
  uint32_t cap_pages;  /* memory cap (64 KiB pages, <= 65535) for this instance */
  size_t stack_bytes;  /* module stack; 0 = JW_DEFAULT_STACK_BYTES */
} jw_create_opts;

typedef struct jw_module_api {
  uint32_t api_version;
  /* Bit i set when export i of enum jw_export exists. */
  uint32_t exports;

  /* [worker] Creates an instance: its stack, the module's function types, and
   * instantiation (the start function runs). Returns 0 with *out set, a trap
   * code, or JW_CREATE_NOMEM / JW_CREATE_TYPES. Every call into wasm here is
   * guarded (jw_invoke), so the caller may watch it with the watchdog. */
  int (*create)(const jw_create_opts* opts, void** out);
  /* [worker] / [main-thread] Frees an instance and everything it owns; never
   * while any thread may call into it. */
  void (*destroy)(void* inst);

  /* [thread of the export, see the manifest] Calls export `which` with `args`
   * (as many as it takes); the result, if any, goes to *ret. Returns 0 or a
   * trap code (JW_TRAP_BAD_CALL when the module lacks the export). Never
   * unwinds into the caller. */
  int (*call)(void* inst, int which, const jw_val* args, jw_val* ret);

  /* [any-thread] Linear memory base and size. The base never moves. */
  uint8_t* (*memory)(void* inst, uint32_t* size);
  /* [audio-thread] Sets where midi_out writes (NULL: events are dropped). */
  void (*set_midi_sink)(void* inst, jw_midi_sink* sink);
  /* [any-thread] Message and location of the last abort. */
  const char* (*abort_message)(void* inst);
  /* [any-thread] Pops one log message into *out; returns 0 when empty. */
  int (*log_pop)(void* inst, jw_log_msg* out);
  /* [any-thread] Counters: dropped log messages, dropped MIDI output events. */
  uint32_t (*dropped_logs)(void* inst);
  uint32_t (*dropped_midi)(void* inst);
} jw_module_api;

typedef const jw_module_api* (*jw_module_get_api_fn)(void);

#endif
