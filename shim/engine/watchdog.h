// The watchdog: bounds every call into a module, on every thread.
//
// A thread about to run module code opens a window on its WatchCell with a
// time budget; the watchdog thread (one per process) checks the open windows
// every millisecond and interrupts a thread whose window ran past its budget
// with a signal, whose handler makes the runtime unwind the module call with
// a timeout trap (jw_interrupt: at once in wasm code, deferred in host code).
// The audio thread only writes atomics; registering cells is for the other
// threads. Rationale for polling: it keeps wake-up syscalls off the audio
// thread.
#pragma once
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "../threads.h"
#include "../wasm-rt/jw-runtime.h"

namespace jw {

struct WatchCell {
  std::atomic<uint64_t> since{0};     // token of the open window (a sequence number), 0 when none
  std::atomic<uint64_t> budgetNs{0};
  std::atomic<uint64_t> target{0};    // token of the window the watchdog interrupted
  std::atomic<pthread_t> thread{};
  std::atomic<uint64_t> interrupts{0};
  // Set when the owner (a Node environment) is shutting down: every window,
  // open or future, is interrupted at once.
  const std::atomic<bool>* exiting = nullptr;
  uint64_t lastToken = 0;             // [the watched thread]
  const jw_tls* owner = nullptr;      // [the watched thread] the thread that last opened a window
  // [watchdog thread] The window it last saw open, and when it first saw it.
  uint64_t seenToken = 0;
  uint64_t seenAt = 0;
};

class Watchdog {
 public:
  // [any-thread] The process-wide watchdog (its thread starts on first use).
  static Watchdog& Get();

  // [main-thread] / [worker] Adds or removes a cell. After Unregister returns
  // the watchdog no longer touches the cell.
  void Register(WatchCell* c);
  void Unregister(WatchCell* c);
  // [main-thread] Interrupts every open window of cells whose exiting flag
  // is set (called right after setting it).
  void Kick();

  // [audio-thread] / [worker] Opens a window on the calling thread, whose
  // runtime state is `t` (jw_tls_self()). One window per thread at a time.
  // Rationale: no clock read and no call here; the watchdog thread times a
  // window from when it first sees it open (within its 1 ms poll), which
  // keeps the cost of a window to a few stores.
  static void Begin(WatchCell* c, uint64_t budgetNs, jw_tls* t) {
    const uint64_t token = ++c->lastToken;
    t->watch_target = &c->target;
    t->watch_token = token;
    t->pending = 0;
    if (c->owner != t) {
      c->owner = t;
      c->thread.store(pthread_self(), std::memory_order_relaxed);
    }
    if (c->budgetNs.load(std::memory_order_relaxed) != budgetNs) c->budgetNs.store(budgetNs, std::memory_order_relaxed);
    c->since.store(token, std::memory_order_release);
    // A shutting-down environment runs no module code at all.
    if (c->exiting && c->exiting->load(std::memory_order_relaxed)) jw_interrupt();
  }
  static void Begin(WatchCell* c, uint64_t budgetNs) { Begin(c, budgetNs, jw_tls_self()); }
  // Closes the window.
  static void End(WatchCell* c, jw_tls* t) {
    c->since.store(0, std::memory_order_release);
    t->watch_token = 0;
  }
  static void End(WatchCell* c) { End(c, jw_tls_self()); }

  // [main-thread] Installs the signal handler (idempotent).
  static void InstallSignal();

 private:
  Watchdog() = default;
  void Run();  // [worker] the watchdog thread
  void Check(uint64_t now);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchCell*> cells_;
  bool started_ = false;
};

// [worker] A cell for one thread's calls, registered for its lifetime.
class WorkerWatch {
 public:
  explicit WorkerWatch(const std::atomic<bool>* exiting) {
    cell.exiting = exiting;
    Watchdog::Get().Register(&cell);
  }
  ~WorkerWatch() { Watchdog::Get().Unregister(&cell); }
  WorkerWatch(const WorkerWatch&) = delete;
  WorkerWatch& operator=(const WorkerWatch&) = delete;
  WatchCell cell;
};

}  // namespace jw
