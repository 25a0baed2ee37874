/*
 * The native interface of a compiled jackwasm DSP module (.so).
 *
 * Each module is one shared object: our wasm runtime (jw-runtime.c), the
 * wasm2c output and a generated glue file, compiled as a single translation
 * unit. It exports exactly one symbol, jw_module_get_api(), returning this
 * table. The engine (shim/dsp.cc) and the glue are built separately, so this
 * header is the contract between them; bump JW_MODULE_API_VERSION on change.
 */
#ifndef JW_MODULE_H_
#define JW_MODULE_H_
#include <stdint.h>

#define JW_MODULE_API_VERSION 1

/* Trap codes: wasm_rt_trap_t values 1..8, plus ours. 0 means no trap. */
#define JW_TRAP_ABORT 100   /* env.abort (AssemblyScript abort) */
#define JW_TRAP_TIMEOUT 101 /* interrupted by the watchdog */
#define JW_TRAP_BAD_CALL 102 /* the host called an export the module lacks */

/* Exports the engine may call, by index. */
enum jw_export {
  JW_X_ABI, JW_X_INPUTS, JW_X_OUTPUTS, JW_X_INPUT, JW_X_OUTPUT, JW_X_PARAM_COUNT,
  JW_X_DESCRIBE, JW_X_PARAM_GET, JW_X_PARAM_SET, JW_X_MIDI, JW_X_COUNT
};

/* Where jw_host.midi_out writes during a block (set by the engine). */
typedef struct jw_midi_sink {
  /* [audio-thread] returns 0 when written; the engine counts failures. */
  int (*write)(void* opaque, uint32_t frame, const uint8_t* bytes, uint32_t len);
  void* opaque;
  uint32_t block_offset; /* frame offset of the current block in the cycle */
} jw_midi_sink;

/* A log message handed from the audio thread to JS without blocking. */
#define JW_LOG_MAX 255
typedef struct jw_log_msg {
  uint32_t len;
  char text[JW_LOG_MAX + 1];
} jw_log_msg;

typedef struct jw_module_api {
  uint32_t api_version;
  /* Bit i set when export i of enum jw_export exists. */
  uint32_t (*exports)(void);

  /* [worker] Creates an instance (runs the wasm start function, guarded).
   * Returns NULL on failure with the trap code in *trap (0 = out of memory). */
  void* (*create)(int* trap);
  /* [worker] Frees an instance and everything it owns. */
  void (*destroy)(void* inst);

  /* All calls below return 0 or a trap code, and never unwind into the caller. */
  int (*init)(void* inst, float sample_rate, int32_t max_frames, int32_t* result); /* [worker] */
  int (*call_i32)(void* inst, int which, int32_t arg, int32_t* result);          /* [worker] */
  int (*param_get)(void* inst, int32_t index, float* result);                    /* [worker] */
  int (*param_set)(void* inst, int32_t index, float value);                      /* [audio-thread] */
  int (*midi)(void* inst, int32_t frame, int32_t status, int32_t d1, int32_t d2); /* [audio-thread] */
  int (*process)(void* inst, int32_t frames);                                    /* [audio-thread] */

  /* [any-thread] Linear memory base and size (base moves only in init). */
  uint8_t* (*memory)(void* inst, uint32_t* size);
  /* [audio-thread] Marks the calling thread realtime (memory.grow fails). */
  void (*set_realtime)(int on);
  /* [audio-thread] Sets where midi_out writes (NULL: events are dropped). */
  void (*set_midi_sink)(void* inst, jw_midi_sink* sink);
  /* [any-thread] Trap details of the last abort: message and location. */
  const char* (*abort_message)(void* inst);
  /* [any-thread] Log messages: pops one into *out; returns 0 when empty. */
  int (*log_pop)(void* inst, jw_log_msg* out);
  /* [any-thread] Counters: dropped log messages, dropped MIDI output events. */
  uint32_t (*dropped_logs)(void* inst);
  uint32_t (*dropped_midi)(void* inst);
  /* [audio-thread, from a signal handler] If this thread is running this
   * module's wasm code, unwinds it with JW_TRAP_TIMEOUT; returns otherwise. */
  void (*interrupt)(void);
} jw_module_api;

typedef const jw_module_api* (*jw_module_get_api_fn)(void);

#endif
