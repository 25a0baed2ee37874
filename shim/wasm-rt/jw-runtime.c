/*
 * jackwasm's WebAssembly runtime for wasm2c output, written against the
 * public interface in <wasm-rt.h> (wabt 1.0.32). Built once as libjwrt.so
 * (CMakeLists.txt); every compiled module links against it.
 *
 * Differences from wabt's stock runtime, each for a measured defect:
 * - Trap state (unwind target, call depth, "in wasm", realtime flag) is
 *   thread-local: a trap on one thread cannot land in another thread's frame.
 * - sigsetjmp(buf, 0): no signal-mask syscall per guarded call.
 * - Explicit bounds checks (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0): no SIGSEGV
 *   handler that would replace Node's.
 * - Memory is plain heap memory and is released completely.
 * - memory.grow / table.grow fail (return -1) on a realtime thread instead of
 *   reallocating there.
 */
#include "jw-runtime.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JW_EXPORT __attribute__((visibility("default")))
#pragma GCC visibility push(default)

/* Absolute limit on one memory (the per-module cap is max_pages, set by the
 * glue from the compile option). */
#define JW_MEMORY_CAP_PAGES 65536u

/* Rationale: initial-exec TLS lives in the static TLS block, so access is a
 * fixed offset from the thread pointer: no __tls_get_addr call, and no lazy
 * allocation (malloc) the first time an audio thread touches a new module.
 * (TLS descriptors, -mtls-dialect=gnu2, were measured to clobber a float
 * argument on glibc 2.36's slow path.) The cost is static TLS space: each
 * loaded module takes sizeof(jw_tls) of glibc's surplus; see the load error
 * for when it runs out. */
static __thread jw_tls jw_tl __attribute__((tls_model("initial-exec")));

JW_EXPORT jw_tls* jw_tls_self(void) { return &jw_tl; }
JW_EXPORT void jw_set_realtime(int on) { jw_tl.realtime = on; }

JW_EXPORT WASM_RT_NO_RETURN void jw_unwind(int code) {
  if (jw_tl.unwind) siglongjmp(*jw_tl.unwind, code);
  /* A trap outside any guarded call is a bug in the glue: fail loudly. */
  fprintf(stderr, "jackwasm: wasm trap %d outside a guarded call\n", code);
  abort();
}

/* [audio-thread] Called from the engine's watchdog signal handler. */
JW_EXPORT void jw_interrupt(void) {
  if (jw_tl.in_wasm && jw_tl.unwind) siglongjmp(*jw_tl.unwind, JW_TRAP_TIMEOUT);
}

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t code) {
  jw_unwind(code == WASM_RT_TRAP_NONE ? JW_TRAP_BAD_CALL : (int)code);
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call signature mismatch";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
#if !WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
#endif
  }
  return "unknown trap";
}

/* --- function types: a small registry, filled on [worker] threads ------- */

#define JW_MAX_FUNC_TYPES 4096
#define JW_MAX_SIG 64
typedef struct { uint32_t params, results; wasm_rt_type_t types[JW_MAX_SIG]; } jw_func_type;
static jw_func_type jw_func_types[JW_MAX_FUNC_TYPES];
static uint32_t jw_func_type_count;
static pthread_mutex_t jw_func_type_lock = PTHREAD_MUTEX_INITIALIZER;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  jw_func_type t;
  memset(&t, 0, sizeof t);
  t.params = params;
  t.results = results;
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; i++) {
    wasm_rt_type_t v = (wasm_rt_type_t)va_arg(ap, int);
    if (i < JW_MAX_SIG) t.types[i] = v;
  }
  va_end(ap);
  pthread_mutex_lock(&jw_func_type_lock);
  uint32_t id = 0;
  for (; id < jw_func_type_count; id++)
    if (memcmp(&jw_func_types[id], &t, sizeof t) == 0) break;
  if (id == jw_func_type_count) {
    if (jw_func_type_count == JW_MAX_FUNC_TYPES) {
      pthread_mutex_unlock(&jw_func_type_lock);
      wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
    }
    jw_func_types[jw_func_type_count++] = t;
  }
  pthread_mutex_unlock(&jw_func_type_lock);
  return id + 1; /* 0 is never a valid type id (null funcref) */
}

/* --- exceptions: refused at validation; defined so the object links ---- */

uint32_t wasm_rt_register_tag(uint32_t size) { (void)size; wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION); }
void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void* values) {
  (void)tag; (void)size; (void)values;
  wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
}
WASM_RT_NO_RETURN void wasm_rt_throw(void) { wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION); }
WASM_RT_UNWIND_TARGET* wasm_rt_get_unwind_target(void) { return NULL; }
void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET* target) { (void)target; }
uint32_t wasm_rt_exception_tag(void) { return 0; }
uint32_t wasm_rt_exception_size(void) { return 0; }
void* wasm_rt_exception(void) { return NULL; }

/* --- memory ------------------------------------------------------------ */

#define JW_PAGE 65536u

void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages) {
  if (initial_pages > JW_MEMORY_CAP_PAGES) wasm_rt_trap(WASM_RT_TRAP_OOB); /* validated before; defensive */
  mem->pages = initial_pages;
  mem->max_pages = max_pages;
  mem->size = initial_pages * JW_PAGE;
  /* Never a zero-size allocation, so data is never NULL. */
  mem->data = (uint8_t*)calloc(mem->size ? mem->size : 1, 1);
  if (!mem->data) wasm_rt_trap(WASM_RT_TRAP_OOB);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  uint32_t old = mem->pages;
  if (delta == 0) return old;
  /* Rationale: growing reallocates and may move memory; never on the audio thread. */
  if (jw_tl.realtime) return (uint32_t)-1;
  uint64_t pages = (uint64_t)old + delta;
  if (pages > mem->max_pages || pages > JW_MEMORY_CAP_PAGES) return (uint32_t)-1;
  if (jw_tl.cap_pages && pages > jw_tl.cap_pages) return (uint32_t)-1;
  uint8_t* data = (uint8_t*)realloc(mem->data, (size_t)pages * JW_PAGE);
  if (!data) return (uint32_t)-1;
  memset(data + (size_t)old * JW_PAGE, 0, (size_t)delta * JW_PAGE);
  mem->data = data;
  mem->pages = (uint32_t)pages;
  mem->size = (uint32_t)(pages * JW_PAGE);
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
  free(mem->data);
  mem->data = NULL;
  mem->size = 0;
  mem->pages = 0;
}

/* --- tables -------------------------------------------------------------- */

#define JW_TABLE_CAP 1000000u

#define JW_DEFINE_TABLE(type, elem, null_value)                                            \
  void wasm_rt_allocate_##type##_table(wasm_rt_##type##_table_t* t, uint32_t n, uint32_t max) { \
    if (n > JW_TABLE_CAP) wasm_rt_trap(WASM_RT_TRAP_OOB);                                   \
    t->size = n;                                                                            \
    t->max_size = max;                                                                      \
    t->data = (elem*)calloc(n ? n : 1, sizeof(elem));                                       \
    if (!t->data) wasm_rt_trap(WASM_RT_TRAP_OOB);                                           \
  }                                                                                         \
  void wasm_rt_free_##type##_table(wasm_rt_##type##_table_t* t) {                           \
    free(t->data);                                                                          \
    t->data = NULL;                                                                         \
    t->size = 0;                                                                            \
  }                                                                                         \
  uint32_t wasm_rt_grow_##type##_table(wasm_rt_##type##_table_t* t, uint32_t delta, elem init) { \
    uint32_t old = t->size;                                                                 \
    if (delta == 0) return old;                                                             \
    if (jw_tl.realtime) return (uint32_t)-1;                                                \
    uint64_t n = (uint64_t)old + delta;                                                     \
    if (n > t->max_size || n > JW_TABLE_CAP) return (uint32_t)-1;                           \
    elem* data = (elem*)realloc(t->data, (size_t)n * sizeof(elem));                         \
    if (!data) return (uint32_t)-1;                                                         \
    for (uint64_t i = old; i < n; i++) data[i] = init;                                      \
    t->data = data;                                                                         \
    t->size = (uint32_t)n;                                                                  \
    return old;                                                                             \
  }

JW_DEFINE_TABLE(funcref, wasm_rt_funcref_t, wasm_rt_funcref_null_value)
JW_DEFINE_TABLE(externref, wasm_rt_externref_t, wasm_rt_externref_null_value)


#pragma GCC visibility pop
