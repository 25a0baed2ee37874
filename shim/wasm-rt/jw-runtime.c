/*
 * jackwasm's WebAssembly runtime for wasm2c output, written against the
 * public interface in <wasm-rt.h> (wabt 1.0.32). Built once as libjwrt.so
 * (CMakeLists.txt); every compiled module and the engine link against it.
 * jw-runtime.h describes the sandbox this implements.
 *
 * Differences from wabt's stock runtime, each for a measured defect:
 * - Trap state is thread-local: a trap on one thread cannot land in another
 *   thread's frame.
 * - sigsetjmp(buf, 0): no signal-mask syscall per guarded call.
 * - Function types are compared whole, whatever their arity (the stock and
 *   the earlier runtime compared a prefix: a sandbox escape), and the
 *   registry grows instead of aborting at a fixed capacity.
 * - Memory reservations and stacks are released completely.
 * - The fault handler chains to the previous one instead of replacing it.
 * - memory.grow / table.grow fail (return -1) on a realtime thread.
 */
#define _GNU_SOURCE
#include "jw-runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#pragma GCC visibility push(default)

#define JW_PAGE 65536u

/* Rationale: initial-exec TLS lives in the static TLS block, so access is a
 * fixed offset from the thread pointer: no __tls_get_addr call, and no lazy
 * allocation (malloc) the first time an audio thread touches it. (TLS
 * descriptors, -mtls-dialect=gnu2, were measured to clobber a float argument
 * on glibc 2.36's slow path.) */
static __thread jw_tls jw_tl __attribute__((tls_model("initial-exec")));

static _Atomic uint64_t jw_live_memories, jw_live_stacks, jw_reserved_bytes;

jw_tls* jw_tls_self(void) { return &jw_tl; }
void jw_set_realtime(int on) { jw_tl.realtime = on; }

WASM_RT_NO_RETURN void jw_unwind(int code) {
  if (jw_tl.unwind) siglongjmp(*jw_tl.unwind, code);
  /* A trap outside any guarded call is a bug in the engine or the glue. */
  fprintf(stderr, "jackwasm: wasm trap %d outside a guarded call\n", code);
  abort();
}

void jw_interrupt(void) {
  jw_tls* t = &jw_tl;
  t->pending = 1;
  if (t->in_wasm && !t->in_host && t->unwind) siglongjmp(*t->unwind, JW_TRAP_TIMEOUT);
}

void jw_clear_interrupt(void) { jw_tl.pending = 0; }

void jw_host_enter(void) { jw_tl.in_host++; }

void jw_host_leave(void) {
  jw_tls* t = &jw_tl;
  if (--t->in_host == 0 && t->pending && t->in_wasm && t->unwind) siglongjmp(*t->unwind, JW_TRAP_TIMEOUT);
}

/* --- stacks -------------------------------------------------------------- */

int jw_stack_alloc(jw_stack* s, size_t bytes) {
  memset(s, 0, sizeof *s);
  if (bytes == 0) bytes = JW_DEFAULT_STACK_BYTES;
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  bytes = (bytes + page - 1) & ~(page - 1);
  const size_t total = JW_STACK_GUARD + JW_STACK_MARGIN + bytes;
  uint8_t* base = (uint8_t*)mmap(NULL, total, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) return -1;
  if (mprotect(base, JW_STACK_GUARD, PROT_NONE) != 0) {
    munmap(base, total);
    return -1;
  }
  /* Touch the top of the stack now, off the audio thread, so the audio
   * thread does not take page faults on a module's first calls. */
  const size_t warm = 64u << 10;
  memset(base + total - warm, 0, warm);
  s->base = base;
  s->bytes = total;
  s->top = ((uintptr_t)(base + total) - 64) & ~(uintptr_t)15;
  s->limit = (uintptr_t)base + JW_STACK_GUARD + JW_STACK_MARGIN;
  atomic_fetch_add(&jw_live_stacks, 1);
  atomic_fetch_add(&jw_reserved_bytes, total);
  return 0;
}

void jw_stack_free(jw_stack* s) {
  if (s->base) {
    munmap(s->base, s->bytes);
    atomic_fetch_sub(&jw_live_stacks, 1);
    atomic_fetch_sub(&jw_reserved_bytes, s->bytes);
  }
  memset(s, 0, sizeof *s);
}

int jw_prefix_init(jw_prefix* pre, size_t stack_bytes, uint32_t cap_pages) {
  memset(pre, 0, sizeof *pre);
  pre->cap_pages = cap_pages;
  jw_stack s;
  if (jw_stack_alloc(&s, stack_bytes) != 0) return -1;
  pre->stack_base = s.base;
  pre->stack_bytes = s.bytes;
  pre->stack_top = s.top;
  pre->stack_limit = pre->own_limit = s.limit;
  return 0;
}

void jw_prefix_free(jw_prefix* pre) {
  jw_stack s = {pre->stack_base, pre->stack_bytes, pre->stack_top, pre->own_limit};
  jw_stack_free(&s);
  pre->stack_base = NULL;
  pre->stack_limit = pre->own_limit = UINTPTR_MAX; /* any later call traps at once */
}

/* jw_call_on_stack(arg, fn, top): calls fn(arg) with the stack pointer at
 * `top`, then returns on the caller's stack. A trap leaves it by siglongjmp
 * to jw_invoke's frame on the caller's stack. */
void jw_call_on_stack(void* arg, void (*fn)(void*), uintptr_t top);
#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl jw_call_on_stack\n"
    ".hidden jw_call_on_stack\n"
    ".type jw_call_on_stack,@function\n"
    "jw_call_on_stack:\n"
    "  .cfi_startproc\n"
    "  pushq %rbp\n"
    "  .cfi_def_cfa_offset 16\n"
    "  .cfi_offset %rbp, -16\n"
    "  movq %rsp, %rbp\n"
    "  .cfi_def_cfa_register %rbp\n"
    "  movq %rdx, %rsp\n"
    "  callq *%rsi\n"
    "  movq %rbp, %rsp\n"
    "  popq %rbp\n"
    "  .cfi_def_cfa %rsp, 8\n"
    "  ret\n"
    "  .cfi_endproc\n"
    ".size jw_call_on_stack, .-jw_call_on_stack\n");
#elif defined(__aarch64__)
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl jw_call_on_stack\n"
    ".hidden jw_call_on_stack\n"
    ".type jw_call_on_stack,%function\n"
    "jw_call_on_stack:\n"
    "  .cfi_startproc\n"
    "  stp x29, x30, [sp, #-16]!\n"
    "  .cfi_def_cfa_offset 16\n"
    "  .cfi_offset x29, -16\n"
    "  .cfi_offset x30, -8\n"
    "  mov x29, sp\n"
    "  .cfi_def_cfa_register x29\n"
    "  mov sp, x2\n"
    "  blr x1\n"
    "  mov sp, x29\n"
    "  ldp x29, x30, [sp], #16\n"
    "  .cfi_def_cfa sp, 0\n"
    "  ret\n"
    "  .cfi_endproc\n"
    ".size jw_call_on_stack, .-jw_call_on_stack\n");
#endif

int jw_invoke(jw_prefix* pre, void (*thunk)(void*), void* args) {
  jw_tls* t = &jw_tl;
  if (t->pending) return JW_TRAP_TIMEOUT; /* interrupted before it got here */
  if (!pre->stack_base) return JW_TRAP_STACK_EXHAUSTED;
  sigjmp_buf buf;
  sigjmp_buf* volatile prev_unwind = t->unwind;
  jw_prefix* volatile prev_cur = t->cur;
  volatile sig_atomic_t prev_in_wasm = t->in_wasm;
  volatile sig_atomic_t prev_in_host = t->in_host;
  const int nested = (t->cur == pre); /* already on the stack it runs on */
  const jw_stack* shared = t->stack;
  int code = sigsetjmp(buf, 0);
  if (code == 0) {
    t->unwind = &buf;
    t->cur = pre;
    t->in_host = 0;
    t->in_wasm = 1;
    if (nested) {
      thunk(args);
    } else if (shared) {
      pre->stack_limit = shared->limit;
      jw_call_on_stack(args, thunk, shared->top);
    } else {
      pre->stack_limit = pre->own_limit;
      jw_call_on_stack(args, thunk, pre->stack_top);
    }
  }
  t->in_wasm = prev_in_wasm;
  t->in_host = prev_in_host;
  t->cur = prev_cur;
  t->unwind = prev_unwind;
  return code;
}

/* --- memory faults ---------------------------------------------------------- */

static struct sigaction jw_prev_segv, jw_prev_bus;

static void jw_chain(int sig, siginfo_t* si, void* ctx) {
  struct sigaction* prev = sig == SIGBUS ? &jw_prev_bus : &jw_prev_segv;
  if (prev->sa_flags & SA_SIGINFO) {
    if (prev->sa_sigaction) prev->sa_sigaction(sig, si, ctx);
    return;
  }
  if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
    /* Restore the default action; returning re-executes the faulting
     * instruction, which then ends the process as it would have. */
    signal(sig, SIG_DFL);
    return;
  }
  prev->sa_handler(sig);
}

/* [any-thread, signal handler] */
static void jw_on_fault(int sig, siginfo_t* si, void* ctx) {
  jw_tls* t = &jw_tl;
  if (t->in_wasm && !t->in_host && t->unwind && t->cur) {
    const uintptr_t a = (uintptr_t)si->si_addr;
    const wasm_rt_memory_t* mem = t->cur->mem;
    if (mem && mem->data) {
      const uintptr_t base = (uintptr_t)mem->data;
      if (a >= base && a < base + JW_MEMORY_RESERVATION + JW_MEMORY_GUARD) siglongjmp(*t->unwind, WASM_RT_TRAP_OOB);
    }
  }
  jw_chain(sig, si, ctx);
}

int jw_install_fault_handler(void) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  static int done;
  int rc = 0;
  pthread_mutex_lock(&lock);
  if (!done) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = jw_on_fault;
    /* Rationale: the handler leaves by siglongjmp without restoring the
     * signal mask (no syscall per guarded call); SA_NODEFER keeps SIGSEGV
     * unblocked for the next fault. SA_ONSTACK uses an alternate stack where
     * a thread has one. */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &jw_prev_segv) != 0 || sigaction(SIGBUS, &sa, &jw_prev_bus) != 0) rc = -1;
    else done = 1;
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

/* --- wasm-rt.h interface ----------------------------------------------------- */

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t code) {
  jw_unwind(code == WASM_RT_TRAP_NONE ? JW_TRAP_BAD_CALL : (int)code);
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  static const jw_trap_kind kinds[] = JW_TRAP_KINDS;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (kinds[i].code == (int)trap) return kinds[i].text;
  return "unknown trap";
}

/* --- function types -------------------------------------------------------------
 * Every distinct signature gets one id (1, 2, ...; 0 is the null funcref),
 * compared over all its parameter and result types. Filled by a module's
 * init_module on a [worker]; call_indirect only compares ids. */

typedef struct {
  uint32_t params, results;
  uint32_t hash;
  uint32_t off; /* into jw_type_pool */
} jw_type;

#define JW_MAX_FUNC_TYPES (1u << 22)

static pthread_mutex_t jw_types_lock = PTHREAD_MUTEX_INITIALIZER;
static jw_type* jw_types;       /* by id - 1 */
static uint32_t jw_ntypes, jw_types_cap;
static uint32_t* jw_type_slots; /* open addressing: id or 0 */
static uint32_t jw_nslots;
static uint8_t* jw_type_pool;
static size_t jw_pool_len, jw_pool_cap;
static uint32_t jw_failed_ids; /* ids handed out after a failure: unique, never equal */

static uint32_t jw_hash(uint32_t p, uint32_t r, const uint8_t* v, size_t n) {
  uint32_t h = 2166136261u ^ p;
  h = (h * 16777619u) ^ r;
  for (size_t i = 0; i < n; i++) h = (h * 16777619u) ^ v[i];
  return h ? h : 1;
}

static int jw_types_grow(size_t need_pool) {
  if (jw_ntypes + 1 > jw_types_cap) {
    uint32_t cap = jw_types_cap ? jw_types_cap * 2 : 256;
    jw_type* n = (jw_type*)realloc(jw_types, cap * sizeof *n);
    if (!n) return -1;
    jw_types = n;
    jw_types_cap = cap;
  }
  if (jw_pool_len + need_pool > jw_pool_cap) {
    size_t cap = jw_pool_cap ? jw_pool_cap * 2 : 4096;
    while (cap < jw_pool_len + need_pool) cap *= 2;
    uint8_t* n = (uint8_t*)realloc(jw_type_pool, cap);
    if (!n) return -1;
    jw_type_pool = n;
    jw_pool_cap = cap;
  }
  if ((jw_ntypes + 1) * 2 > jw_nslots) {
    uint32_t ns = jw_nslots ? jw_nslots * 2 : 1024;
    uint32_t* s = (uint32_t*)calloc(ns, sizeof *s);
    if (!s) return -1;
    for (uint32_t id = 1; id <= jw_ntypes; id++) {
      uint32_t k = jw_types[id - 1].hash & (ns - 1);
      while (s[k]) k = (k + 1) & (ns - 1);
      s[k] = id;
    }
    free(jw_type_slots);
    jw_type_slots = s;
    jw_nslots = ns;
  }
  return 0;
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  const size_t n = (size_t)params + results;
  uint8_t small[64];
  uint8_t* v = n <= sizeof small ? small : (uint8_t*)malloc(n);
  uint32_t id = 0;
  if (v) {
    va_list ap;
    va_start(ap, results);
    for (size_t i = 0; i < n; i++) v[i] = (uint8_t)va_arg(ap, int);
    va_end(ap);
    const uint32_t h = jw_hash(params, results, v, n);
    pthread_mutex_lock(&jw_types_lock);
    if (jw_nslots) {
      for (uint32_t k = h & (jw_nslots - 1); jw_type_slots[k]; k = (k + 1) & (jw_nslots - 1)) {
        const jw_type* t = &jw_types[jw_type_slots[k] - 1];
        if (t->hash == h && t->params == params && t->results == results && memcmp(jw_type_pool + t->off, v, n) == 0) {
          id = jw_type_slots[k];
          break;
        }
      }
    }
    if (!id && jw_ntypes < JW_MAX_FUNC_TYPES && jw_types_grow(n) == 0) {
      jw_type* t = &jw_types[jw_ntypes];
      t->params = params;
      t->results = results;
      t->hash = h;
      t->off = (uint32_t)jw_pool_len;
      memcpy(jw_type_pool + jw_pool_len, v, n);
      jw_pool_len += n;
      id = ++jw_ntypes;
      uint32_t k = h & (jw_nslots - 1);
      while (jw_type_slots[k]) k = (k + 1) & (jw_nslots - 1);
      jw_type_slots[k] = id;
    }
    if (!id) id = 0x80000000u | ++jw_failed_ids;
    pthread_mutex_unlock(&jw_types_lock);
    if (v != small) free(v);
  } else {
    pthread_mutex_lock(&jw_types_lock);
    id = 0x80000000u | ++jw_failed_ids;
    pthread_mutex_unlock(&jw_types_lock);
  }
  /* Rationale: this runs inside pthread_once in the glue, which must not be
   * left by a trap; the glue checks the flag and fails the load instead. An
   * id from the failure range equals no other id, so nothing can pass a
   * signature check with it. */
  if (id & 0x80000000u) jw_tl.registry_failed = 1;
  return id;
}

/* --- exceptions: refused at validation; defined so the object links ---------- */

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

/* --- memory ---------------------------------------------------------------------- */

/* Called from the module's instantiate, inside jw_invoke: the cap comes from
 * the instance being created. */
void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages) {
  jw_prefix* pre = jw_tl.cur;
  const uint32_t cap = pre && pre->cap_pages ? pre->cap_pages : 65536u;
  mem->data = NULL;
  mem->pages = mem->size = 0;
  if (initial_pages > cap) wasm_rt_trap(WASM_RT_TRAP_OOB); /* validated before; defensive */
  jw_host_enter();
  uint8_t* data = (uint8_t*)mmap(NULL, JW_MEMORY_RESERVATION + JW_MEMORY_GUARD, PROT_NONE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  int ok = data != MAP_FAILED;
  if (ok && initial_pages && mprotect(data, (size_t)initial_pages * JW_PAGE, PROT_READ | PROT_WRITE) != 0) {
    munmap(data, JW_MEMORY_RESERVATION + JW_MEMORY_GUARD);
    ok = 0;
  }
  if (ok) {
    atomic_fetch_add(&jw_live_memories, 1);
    atomic_fetch_add(&jw_reserved_bytes, JW_MEMORY_RESERVATION + JW_MEMORY_GUARD);
    mem->data = data;
    mem->pages = initial_pages;
    mem->max_pages = max_pages < cap ? max_pages : cap;
    mem->size = initial_pages * JW_PAGE;
    if (pre) pre->mem = mem;
  }
  jw_host_leave();
  /* Out of address space: the instance cannot exist (glue reports OUT_OF_MEMORY). */
  if (!ok) jw_unwind(-1);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  const uint32_t old = mem->pages;
  if (delta == 0) return old;
  /* Rationale: growing is a syscall; never on the audio thread. */
  if (jw_tl.realtime) return (uint32_t)-1;
  const uint64_t pages = (uint64_t)old + delta;
  if (pages > mem->max_pages || pages > 65536u) {
    const jw_prefix* pre = jw_tl.cur;
    if (pre && pre->cap_pages && pages > pre->cap_pages) jw_tl.cap_refusals++;
    return (uint32_t)-1;
  }
  jw_host_enter();
  const int rc = mprotect(mem->data + (size_t)old * JW_PAGE, (size_t)delta * JW_PAGE, PROT_READ | PROT_WRITE);
  if (rc == 0) {
    mem->pages = (uint32_t)pages;
    mem->size = (uint32_t)(pages * JW_PAGE); /* 65536 pages: 4 GiB wraps to 0; refused by the cap (<= 65535) */
  }
  jw_host_leave();
  return rc == 0 ? old : (uint32_t)-1;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
  if (mem->data) {
    munmap(mem->data, JW_MEMORY_RESERVATION + JW_MEMORY_GUARD);
    atomic_fetch_sub(&jw_live_memories, 1);
    atomic_fetch_sub(&jw_reserved_bytes, JW_MEMORY_RESERVATION + JW_MEMORY_GUARD);
  }
  mem->data = NULL;
  mem->size = 0;
  mem->pages = 0;
}

/* --- tables -------------------------------------------------------------------------- */

/* Entries of all of an instance's tables together (24 MB of funcrefs). */
#define JW_TABLE_CAP 1000000u

/* Counts `n` more table entries against the running instance's cap. */
static int jw_table_take(uint64_t n) {
  jw_prefix* pre = jw_tl.cur;
  if (!pre) return n <= JW_TABLE_CAP;
  if ((uint64_t)pre->table_entries + n > JW_TABLE_CAP) return 0;
  pre->table_entries += (uint32_t)n;
  return 1;
}

#define JW_DEFINE_TABLE(type, elem)                                                         \
  void wasm_rt_allocate_##type##_table(wasm_rt_##type##_table_t* t, uint32_t n, uint32_t max) { \
    t->data = NULL;                                                                         \
    t->size = 0;                                                                            \
    t->max_size = max < JW_TABLE_CAP ? max : JW_TABLE_CAP;                                  \
    if (!jw_table_take(n)) wasm_rt_trap(WASM_RT_TRAP_OOB);                                 \
    jw_host_enter();                                                                        \
    t->data = (elem*)calloc(n ? n : 1, sizeof(elem));                                       \
    jw_host_leave();                                                                        \
    if (!t->data) jw_unwind(-1);                                                            \
    t->size = n;                                                                            \
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
    if (!jw_table_take(delta)) return (uint32_t)-1;                                         \
    jw_host_enter();                                                                        \
    elem* data = (elem*)realloc(t->data, (size_t)n * sizeof(elem));                         \
    if (!data && jw_tl.cur) jw_tl.cur->table_entries -= delta;                             \
    if (data) {                                                                             \
      for (uint64_t i = old; i < n; i++) data[i] = init;                                    \
      t->data = data;                                                                       \
      t->size = (uint32_t)n;                                                                \
    }                                                                                       \
    jw_host_leave();                                                                        \
    return data ? old : (uint32_t)-1;                                                       \
  }

JW_DEFINE_TABLE(funcref, wasm_rt_funcref_t)
JW_DEFINE_TABLE(externref, wasm_rt_externref_t)

void jw_get_stats(jw_rt_stats* out) {
  out->memories = atomic_load(&jw_live_memories);
  out->stacks = atomic_load(&jw_live_stacks);
  out->reserved_bytes = atomic_load(&jw_reserved_bytes);
  pthread_mutex_lock(&jw_types_lock);
  out->func_types = jw_ntypes;
  pthread_mutex_unlock(&jw_types_lock);
}

#pragma GCC visibility pop
