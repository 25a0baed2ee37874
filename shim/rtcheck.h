// Realtime-safety instrumentation hooks.
//
// Every audio-thread entry point opens an RtScope. In production the hooks are
// empty functions. The test suite preloads test/rtcheck/rtcheck.c, which
// overrides them (they are exported and called through the PLT) and counts
// allocations, locks, syscalls, logging and N-API calls made on a thread
// while it is inside a scope.
#pragma once

#include "threads.h"

extern "C" {
// [audio-thread] Entering / leaving realtime work.
void jw_rt_enter(void);
void jw_rt_leave(void);
// [any-thread] Called before every N-API call that may run off the main
// thread, so the checker can count any that happen in realtime scope.
void jw_rt_note_napi(void);
}

namespace jw {
struct RtScope {
  RtScope() { jw_rt_enter(); }
  ~RtScope() { jw_rt_leave(); }
  RtScope(const RtScope&) = delete;
  RtScope& operator=(const RtScope&) = delete;
};
}  // namespace jw
