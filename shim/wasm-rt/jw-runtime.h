/*
 * libjwrt.so: jackwasm's WebAssembly runtime for wasm2c output. Every compiled
 * module links against this one shared library, and so does the engine, so
 * the process has a single thread-local block for trap state whatever the
 * number of modules (per-module TLS either allocates lazily on the audio
 * thread or, as initial-exec, exhausts glibc's static TLS after ~70 modules:
 * both measured).
 *
 * The sandbox, in short (docs/engine.md has the long form):
 * - Every call into a module goes through jw_invoke(): a trap (from generated
 *   code, a host import, a memory fault or the watchdog) unwinds to it and
 *   becomes a return code. Nothing else ever unwinds.
 * - Module code runs on a stack the runtime owns (one per instance, with a
 *   guard region). Every wasm function checks the stack pointer on entry
 *   against a limit that leaves a margin larger than any frame the compiler
 *   produced (the build refuses modules with larger frames), so recursion of
 *   any frame size ends in a stack-exhausted trap, never in a fault.
 * - Linear memory is an 8 GiB + guard reservation of which only the current
 *   size is accessible. An access outside it faults inside the reservation;
 *   the fault handler turns that into an oob trap when, and only when, the
 *   faulting thread is running module code. Every other fault goes to the
 *   handler that was installed before (V8's WebAssembly trap handler, Node's).
 * - Interrupts (the watchdog's timeout) are deferred while the thread is in
 *   host code (imports, memory.grow) and delivered when it returns to wasm.
 */
#ifndef JW_RUNTIME_H_
#define JW_RUNTIME_H_
#include <wasm-rt.h>

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "../generated/manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reserved address space per linear memory: a wasm address is a u32 plus a
 * u32 static offset, so no access reaches past 8 GiB (+ the access size). */
#define JW_MEMORY_RESERVATION ((size_t)8 << 30)
#define JW_MEMORY_GUARD ((size_t)64 << 10)

/* Module stacks: the region below the limit that no wasm function may start
 * in. It must hold the largest frame the build allows (JW_MAX_FRAME_BYTES,
 * checked from -fstack-usage), host code called from wasm, and a signal frame
 * with the handlers that may run on it. */
#define JW_STACK_MARGIN ((size_t)192 << 10)
#define JW_MAX_FRAME_BYTES ((size_t)64 << 10)
#define JW_STACK_GUARD ((size_t)64 << 10)
#define JW_DEFAULT_STACK_BYTES ((size_t)1 << 20)

/* Per-instance runtime state. The glue places it right before the wasm2c
 * instance struct, so generated code reaches it from its `instance` pointer
 * (JW_PREFIX). The first field is read by every function prologue. */
typedef struct jw_prefix {
  uintptr_t stack_limit;   /* lowest stack pointer a wasm function may start at (of the stack in use) */
  uintptr_t stack_top;     /* where module calls start (16-byte aligned) */
  uint8_t* stack_base;     /* the mapping, guard region first */
  size_t stack_bytes;      /* size of the mapping */
  wasm_rt_memory_t* mem;   /* the instance's memory (fault handler), NULL before it exists */
  uint32_t cap_pages;      /* memory cap for this instance, in 64 KiB pages */
  uint32_t table_entries;  /* entries of all its tables together (capped: JW_TABLE_CAP) */
  uintptr_t own_limit;     /* stack_limit of the instance's own stack */
} jw_prefix;

/* A stack for module code, owned by whoever allocated it. */
typedef struct jw_stack {
  uint8_t* base;
  size_t bytes;
  uintptr_t top, limit;
} jw_stack;

#define JW_PREFIX(instance) (((jw_prefix*)(void*)(instance)) - 1)

/* Per-thread state. */
typedef struct jw_tls {
  sigjmp_buf* unwind;              /* where traps land; NULL outside jw_invoke */
  jw_prefix* cur;                  /* instance running on this thread */
  volatile sig_atomic_t in_wasm;   /* inside jw_invoke */
  volatile sig_atomic_t in_host;   /* inside host code called from wasm: interrupts wait */
  volatile sig_atomic_t pending;   /* an interrupt arrived; delivered at the next safe point */
  int realtime;                    /* on the audio thread: memory.grow fails */
  int registry_failed;             /* a function type could not be registered */
  /* The engine's watchdog window on this thread: its token, and where the
   * watchdog writes the token of the window it wants interrupted. */
  uint64_t watch_token;
  void* watch_target;
  /* A stack this thread runs every module on (instead of each instance's
   * own), or NULL: the engine's audio thread uses one, so the cycle touches
   * one stack, not one per module. */
  const jw_stack* stack;
  /* memory.grow calls this thread saw refused by an instance's memory cap
   * (the engine reads it to explain a failing load). */
  uint32_t cap_refusals;
} jw_tls;

/* [any-thread] This thread's state (initial-exec TLS: no allocation). */
jw_tls* jw_tls_self(void);

/* [worker] Allocates the instance's stack; `stack_bytes` 0 = default.
 * Returns 0, or -1 when the address space is exhausted. */
int jw_prefix_init(jw_prefix* pre, size_t stack_bytes, uint32_t cap_pages);
/* [worker] or [main-thread] Releases what jw_prefix_init allocated. */
void jw_prefix_free(jw_prefix* pre);

/* [main-thread] / [worker] Allocates a module stack of `bytes` (+ margin and
 * guard); returns 0 or -1. */
int jw_stack_alloc(jw_stack* s, size_t bytes);
/* [main-thread] / [worker] Frees it (no thread may be using it). */
void jw_stack_free(jw_stack* s);

/* [any-thread] Runs thunk(args) on the instance's stack as a guarded call:
 * returns 0, or the trap code if it trapped (the call is unwound). */
int jw_invoke(jw_prefix* pre, void (*thunk)(void*), void* args);

/* [any-thread, async-signal-safe] Interrupts the guarded call running on this
 * thread with a timeout trap: now if it is in wasm code, when it gets back to
 * wasm if it is in host code, and at the next jw_invoke if it is in neither.
 * The request stays until jw_clear_interrupt(). */
void jw_interrupt(void);
/* [any-thread] Forgets an interrupt request (a new watched window begins). */
void jw_clear_interrupt(void);

/* [any-thread] Marks the calling thread realtime (memory.grow fails) or not. */
void jw_set_realtime(int on);

/* [main-thread] Installs the memory-fault handler (SIGSEGV, SIGBUS) once,
 * chaining to whatever was installed before. Returns 0 or -1. */
int jw_install_fault_handler(void);

/* [any-thread] Unwinds the current guarded call with `code`. */
WASM_RT_NO_RETURN void jw_unwind(int code);

/* [any-thread] Host code called from wasm brackets itself with these, so an
 * interrupt never lands in the middle of it. */
void jw_host_enter(void);
void jw_host_leave(void);

/* [any-thread] Live counts, for leak tests: memories, stacks, registered
 * function types. */
typedef struct jw_rt_stats {
  uint64_t memories, stacks, func_types;
  uint64_t reserved_bytes;
} jw_rt_stats;
void jw_get_stats(jw_rt_stats* out);

#ifdef __cplusplus
}
#endif

/* The stack pointer (used by the prologue check). */
#if defined(__x86_64__)
#define JW_SP() ({ uintptr_t jw_sp_; __asm__("mov %%rsp, %0" : "=r"(jw_sp_)); jw_sp_; })
#elif defined(__aarch64__)
#define JW_SP() ({ uintptr_t jw_sp_; __asm__("mov %0, sp" : "=r"(jw_sp_)); jw_sp_; })
#else
#error "jackwasm's runtime supports x86_64 and aarch64"
#endif

/* Replaces wasm2c's call-depth prologue: the build rewrites every
 * `FUNC_PROLOGUE;` of the generated code to this. */
#define JW_STACK_CHECK(instance)                                              \
  do {                                                                        \
    if (__builtin_expect(JW_SP() < JW_PREFIX(instance)->stack_limit, 0))      \
      wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);                                  \
  } while (0)

#endif
