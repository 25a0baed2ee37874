/*
 * Interface between compiled modules and libjwrt.so, jackwasm's WebAssembly
 * runtime (jw-runtime.c). Every module links against the one shared
 * runtime, so the process has a single thread-local block for trap state,
 * whatever the number of modules (per-module TLS either allocates lazily on
 * the audio thread or, as initial-exec, exhausts glibc's static TLS after ~70
 * modules and can never be unloaded: both measured).
 */
#ifndef JW_RUNTIME_H_
#define JW_RUNTIME_H_
#include <wasm-rt.h>

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

#include "jw-module.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-thread trap state. */
typedef struct jw_tls {
  sigjmp_buf* unwind;            /* where traps land; NULL outside guarded calls */
  uint32_t* depth;               /* call depth of the instance running on this thread */
  int realtime;                  /* on the audio thread: memory.grow fails */
  uint32_t cap_pages;            /* memory cap of the module being created (0 = none) */
  volatile sig_atomic_t in_wasm; /* inside a guarded call: interruptible */
} jw_tls;

/* [any-thread] This thread's state (initial-exec TLS: no allocation). */
jw_tls* jw_tls_self(void);
/* [audio-thread] Marks the calling thread realtime or not. */
void jw_set_realtime(int on);
/* [audio-thread, signal handler] Unwinds the running guarded call with
 * JW_TRAP_TIMEOUT if this thread is inside one. */
void jw_interrupt(void);
/* [any-thread] Unwinds to the innermost guarded call with `code`. */
WASM_RT_NO_RETURN void jw_unwind(int code);

#ifdef __cplusplus
}
#endif

/* Lives right before the wasm2c instance in memory, so generated code can
 * reach it from its `instance` pointer: the call-depth counter is per
 * instance (the host never runs one instance on two threads at once). */
typedef struct jw_prefix {
  uint32_t depth;
  uint32_t pad[3];
} jw_prefix;

/* The build rewrites wasm2c's `wasm_rt_call_stack_depth` to this. */
#define JW_DEPTH(instance) (((jw_prefix*)(void*)(instance))[-1].depth)

/* Runs `stmt` so that any trap returns here as a code instead of unwinding
 * further: `rc` receives 0 or the trap code. Restores the outer guard and the
 * instance's call depth after a trap. */
#define JW_GUARDED(rc, prefix, stmt)                           \
  do {                                                         \
    jw_tls* jw_t_ = jw_tls_self();                             \
    sigjmp_buf jw_buf_;                                        \
    sigjmp_buf* volatile jw_prev_ = jw_t_->unwind;             \
    uint32_t* volatile jw_prev_depth_ = jw_t_->depth;          \
    volatile uint32_t jw_depth_ = (prefix)->depth;             \
    volatile sig_atomic_t jw_was_in_ = jw_t_->in_wasm;         \
    int jw_code_ = sigsetjmp(jw_buf_, 0);                      \
    if (jw_code_ == 0) {                                       \
      jw_t_->unwind = &jw_buf_;                                \
      jw_t_->depth = &(prefix)->depth;                         \
      jw_t_->in_wasm = 1;                                      \
      stmt;                                                    \
      jw_t_->in_wasm = jw_was_in_;                             \
      jw_t_->unwind = jw_prev_;                                \
      jw_t_->depth = jw_prev_depth_;                           \
      (rc) = 0;                                                \
    } else {                                                   \
      jw_t_->in_wasm = jw_was_in_;                             \
      jw_t_->unwind = jw_prev_;                                \
      jw_t_->depth = jw_prev_depth_;                           \
      (prefix)->depth = jw_depth_;                             \
      (rc) = jw_code_;                                         \
    }                                                          \
  } while (0)

#endif
