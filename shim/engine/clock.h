// The engine's clock.
#pragma once
#include <time.h>

#include <cstdint>

#include "../threads.h"

namespace jw {

// [any-thread] Monotonic nanoseconds. Rationale: clock_gettime(CLOCK_MONOTONIC)
// is served by the vDSO (no syscall), so the audio thread may read it.
JW_ANY_THREAD inline uint64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace jw
