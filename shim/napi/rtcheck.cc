#include "../rtcheck.h"

#include <dlfcn.h>
#include <napi.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <mutex>

// Out of line and exported so a preloaded checker can replace them.
extern "C" __attribute__((noinline, visibility("default"))) void jw_rt_enter(void) { __asm__ volatile(""); }
extern "C" __attribute__((noinline, visibility("default"))) void jw_rt_leave(void) { __asm__ volatile(""); }
extern "C" __attribute__((noinline, visibility("default"))) void jw_rt_note_napi(void) { __asm__ volatile(""); }

namespace jw {

// The checker's counters, in the order rtcheck.c reports them.
static const char* const kCounterNames[] = {"scopes", "malloc", "free", "locks", "syscalls", "logging", "napi"};
constexpr int kCounters = sizeof(kCounterNames) / sizeof(kCounterNames[0]);
using SnapshotFn = void (*)(uint64_t* out, int n);

// [main-thread] rtcheck() -> counters, or null when no checker is preloaded.
JW_MAIN_THREAD Napi::Value RtcheckSnapshot(const Napi::CallbackInfo& info) {
  auto fn = reinterpret_cast<SnapshotFn>(dlsym(RTLD_DEFAULT, "jw_rtcheck_snapshot"));
  if (!fn) return info.Env().Null();
  uint64_t counts[kCounters] = {};
  fn(counts, kCounters);
  Napi::Object o = Napi::Object::New(info.Env());
  for (int i = 0; i < kCounters; ++i) o.Set(kCounterNames[i], Napi::Number::New(info.Env(), static_cast<double>(counts[i])));
  return o;
}

// [main-thread] rtcheckCanary(kind): does one forbidden thing inside an
// RtScope, so tests can show the checker really sees each kind.
JW_MAIN_THREAD Napi::Value RtcheckCanary(const Napi::CallbackInfo& info) {
  std::string kind = info[0].As<Napi::String>().Utf8Value();
  RtScope scope;
  if (kind == "malloc") {
    void* volatile p = std::malloc(64);
    std::free(p);
  } else if (kind == "lock") {
    static std::mutex m;
    m.lock();
    m.unlock();
  } else if (kind == "syscall") {
    struct timespec ts{0, 1000};
    nanosleep(&ts, nullptr);
  }
  return info.Env().Undefined();
}

}  // namespace jw
