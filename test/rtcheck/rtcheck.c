/*
 * Realtime-safety checker, loaded with LD_PRELOAD into a test process.
 *
 * jackwasm's shim calls jw_rt_enter()/jw_rt_leave() around all audio-thread
 * work. This library replaces those hooks to mark the calling thread, and
 * wraps the libc/pthread/N-API entry points that realtime code must not use,
 * counting calls made while a thread is marked. The counts are read through
 * jw_rtcheck_snapshot() (the addon's rtcheck()).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { SCOPES, MALLOC, FREE, LOCKS, SYSCALLS, LOGGING, NAPI, N_COUNTERS };
static atomic_ulong counters[N_COUNTERS];
static __thread int depth;

#define HIT(c) do { if (depth > 0) atomic_fetch_add(&counters[c], 1); } while (0)
#define REAL(ret, name, ...) \
  static ret (*real_##name)(__VA_ARGS__); \
  if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

void jw_rt_enter(void) { if (depth++ == 0) atomic_fetch_add(&counters[SCOPES], 1); }
void jw_rt_leave(void) { depth--; }

void jw_rtcheck_snapshot(uint64_t *out, int n) {
  for (int i = 0; i < n && i < N_COUNTERS; i++) out[i] = atomic_load(&counters[i]);
}

/* Allocation: glibc's own entry points avoid dlsym bootstrapping problems. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
void *malloc(size_t n) { HIT(MALLOC); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { HIT(MALLOC); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { HIT(MALLOC); return __libc_realloc(p, n); }
void free(void *p) { if (p) HIT(FREE); __libc_free(p); }
int posix_memalign(void **p, size_t a, size_t n) { HIT(MALLOC); *p = __libc_memalign(a, n); return *p ? 0 : 12; }
void *aligned_alloc(size_t a, size_t n) { HIT(MALLOC); return __libc_memalign(a, n); }

/* Locks and blocking synchronisation. */
int pthread_mutex_lock(pthread_mutex_t *m) { HIT(LOCKS); REAL(int, pthread_mutex_lock, pthread_mutex_t *); return real_pthread_mutex_lock(m); }
int pthread_mutex_trylock(pthread_mutex_t *m) { HIT(LOCKS); REAL(int, pthread_mutex_trylock, pthread_mutex_t *); return real_pthread_mutex_trylock(m); }
int pthread_rwlock_rdlock(pthread_rwlock_t *l) { HIT(LOCKS); REAL(int, pthread_rwlock_rdlock, pthread_rwlock_t *); return real_pthread_rwlock_rdlock(l); }
int pthread_rwlock_wrlock(pthread_rwlock_t *l) { HIT(LOCKS); REAL(int, pthread_rwlock_wrlock, pthread_rwlock_t *); return real_pthread_rwlock_wrlock(l); }
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) { HIT(LOCKS); REAL(int, pthread_cond_wait, pthread_cond_t *, pthread_mutex_t *); return real_pthread_cond_wait(c, m); }
int pthread_cond_signal(pthread_cond_t *c) { HIT(LOCKS); REAL(int, pthread_cond_signal, pthread_cond_t *); return real_pthread_cond_signal(c); }
int pthread_cond_broadcast(pthread_cond_t *c) { HIT(LOCKS); REAL(int, pthread_cond_broadcast, pthread_cond_t *); return real_pthread_cond_broadcast(c); }
int sem_wait(sem_t *s) { HIT(LOCKS); REAL(int, sem_wait, sem_t *); return real_sem_wait(s); }
int sem_post(sem_t *s) { HIT(LOCKS); REAL(int, sem_post, sem_t *); return real_sem_post(s); }

/* System calls (the blocking and common ones, plus the generic entry). */
long syscall(long nr, ...) {
  HIT(SYSCALLS);
  va_list ap; va_start(ap, nr);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long), d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
  va_end(ap);
  REAL(long, syscall, long, ...);
  return real_syscall(nr, a, b, c, d, e, f);
}
ssize_t read(int fd, void *b, size_t n) { HIT(SYSCALLS); REAL(ssize_t, read, int, void *, size_t); return real_read(fd, b, n); }
ssize_t write(int fd, const void *b, size_t n) { HIT(SYSCALLS); REAL(ssize_t, write, int, const void *, size_t); return real_write(fd, b, n); }
int nanosleep(const struct timespec *a, struct timespec *b) { HIT(SYSCALLS); REAL(int, nanosleep, const struct timespec *, struct timespec *); return real_nanosleep(a, b); }
int clock_nanosleep(clockid_t c, int f, const struct timespec *a, struct timespec *b) { HIT(SYSCALLS); REAL(int, clock_nanosleep, clockid_t, int, const struct timespec *, struct timespec *); return real_clock_nanosleep(c, f, a, b); }
int usleep(useconds_t u) { HIT(SYSCALLS); REAL(int, usleep, useconds_t); return real_usleep(u); }
ssize_t send(int s, const void *b, size_t n, int f) { HIT(SYSCALLS); REAL(ssize_t, send, int, const void *, size_t, int); return real_send(s, b, n, f); }
ssize_t recv(int s, void *b, size_t n, int f) { HIT(SYSCALLS); REAL(ssize_t, recv, int, void *, size_t, int); return real_recv(s, b, n, f); }
int sigprocmask(int how, const sigset_t *set, sigset_t *old) { HIT(SYSCALLS); REAL(int, sigprocmask, int, const sigset_t *, sigset_t *); return real_sigprocmask(how, set, old); }
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) { HIT(SYSCALLS); REAL(int, pthread_sigmask, int, const sigset_t *, sigset_t *); return real_pthread_sigmask(how, set, old); }
int sched_yield(void) { HIT(SYSCALLS); REAL(int, sched_yield, void); return real_sched_yield(); }

/* Logging. */
int printf(const char *fmt, ...) { HIT(LOGGING); va_list ap; va_start(ap, fmt); int r = vprintf(fmt, ap); va_end(ap); return r; }
int fprintf(FILE *f, const char *fmt, ...) { HIT(LOGGING); va_list ap; va_start(ap, fmt); int r = vfprintf(f, fmt, ap); va_end(ap); return r; }
int puts(const char *s) { HIT(LOGGING); REAL(int, puts, const char *); return real_puts(s); }
int fputs(const char *s, FILE *f) { HIT(LOGGING); REAL(int, fputs, const char *, FILE *); return real_fputs(s, f); }
size_t fwrite(const void *p, size_t a, size_t b, FILE *f) { HIT(LOGGING); REAL(size_t, fwrite, const void *, size_t, size_t, FILE *); return real_fwrite(p, a, b, f); }

/*
 * N-API: node exports its napi_* functions from the executable, which comes
 * before preloaded libraries in symbol lookup, so they cannot be wrapped here.
 * The shim calls jw_rt_note_napi() at every N-API call that can happen off
 * the main thread (threadsafe-function hand-offs) instead.
 */
void jw_rt_note_napi(void) { HIT(NAPI); }
