// The engine's clocks.
#pragma once
#include <time.h>

#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "../threads.h"

namespace jw {

// [any-thread] Monotonic nanoseconds. Rationale: clock_gettime(CLOCK_MONOTONIC)
// is served by the vDSO (no syscall), so the audio thread may read it.
JW_ANY_THREAD inline uint64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// [any-thread] A cheap cycle counter for timing modules (the TSC on x86-64,
// the virtual counter on aarch64). Rationale: per-module timing reads it once
// per module per cycle; it costs a fraction of clock_gettime.
JW_ANY_THREAD inline uint64_t Ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#elif defined(__aarch64__)
  uint64_t v;
  __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#else
  return NowNs();
#endif
}

// [main-thread] Ticks per nanosecond, measured once (about 2 ms, on first call).
double TicksPerNs();

}  // namespace jw
