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

namespace jw {

struct WatchCell {
  std::atomic<uint64_t> since{0};     // token (start ns) of the open window, 0 when none
  std::atomic<uint64_t> budgetNs{0};
  std::atomic<uint64_t> target{0};    // token of the window the watchdog interrupted
  std::atomic<pthread_t> thread{};
  std::atomic<uint64_t> interrupts{0};
  // Set when the owner (a Node environment) is shutting down: every window,
  // open or future, is interrupted at once.
  const std::atomic<bool>* exiting = nullptr;
  uint64_t lastToken = 0;             // [the watched thread]
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

  // [audio-thread] / [worker] Opens a window on the calling thread; returns
  // its start time (ns). One window per thread at a time.
  static uint64_t Begin(WatchCell* c, uint64_t budgetNs);
  // Closes the window; returns the end time (ns).
  static uint64_t End(WatchCell* c);

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
