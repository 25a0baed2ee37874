#include "watchdog.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "../wasm-rt/jw-runtime.h"
#include "clock.h"

namespace jw {

namespace {

const int kSignal = SIGRTMIN + 4;

// [audio-thread] / [worker] (signal handler) Interrupts the module call of
// this thread's window if it is the one the watchdog targeted. Rationale:
// the signal can arrive after that window closed; only the window whose
// token matches is interrupted.
JW_AUDIO_THREAD void OnSignal(int) {  // also [worker]: whichever thread it interrupts
  jw_tls* t = jw_tls_self();
  auto* target = static_cast<std::atomic<uint64_t>*>(t->watch_target);
  if (target && t->watch_token != 0 && target->load(std::memory_order_acquire) == t->watch_token) jw_interrupt();
}

}  // namespace

JW_MAIN_THREAD void Watchdog::InstallSignal() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnSignal;
    // Rationale: the handler may leave by siglongjmp without restoring the
    // mask; SA_NODEFER keeps the signal unblocked for the next interruption.
    sa.sa_flags = SA_NODEFER | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(kSignal, &sa, nullptr);
  });
}

JW_ANY_THREAD Watchdog& Watchdog::Get() {
  static Watchdog* w = new Watchdog();  // never destroyed: its thread runs until the process ends
  return *w;
}

JW_ANY_THREAD void Watchdog::Register(WatchCell* c) {
  std::lock_guard<std::mutex> lock(mu_);
  cells_.push_back(c);
  if (!started_) {
    started_ = true;
    std::thread([this] { Run(); }).detach();
  }
  cv_.notify_one();
}

JW_ANY_THREAD void Watchdog::Unregister(WatchCell* c) {
  std::lock_guard<std::mutex> lock(mu_);
  cells_.erase(std::remove(cells_.begin(), cells_.end(), c), cells_.end());
}

JW_MAIN_THREAD void Watchdog::Kick() {
  std::lock_guard<std::mutex> lock(mu_);
  Check(NowNs());
}

// Called with mu_ held.
JW_WORKER void Watchdog::Check(uint64_t now) {
  for (WatchCell* c : cells_) {
    const uint64_t since = c->since.load(std::memory_order_acquire);
    if (since == 0 || c->target.load(std::memory_order_relaxed) == since) continue;
    if (since != c->seenToken) {
      c->seenToken = since;
      c->seenAt = now;
    }
    const bool exiting = c->exiting && c->exiting->load(std::memory_order_relaxed);
    if (!exiting && now - c->seenAt < c->budgetNs.load(std::memory_order_relaxed)) continue;
    c->target.store(since, std::memory_order_release);
    c->interrupts.fetch_add(1, std::memory_order_relaxed);
    pthread_kill(c->thread.load(std::memory_order_relaxed), kSignal);
  }
}

JW_WORKER void Watchdog::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return !cells_.empty(); });
    Check(NowNs());
    lock.unlock();
    struct timespec ts{0, 1000 * 1000};
    nanosleep(&ts, nullptr);
    lock.lock();
  }
}

}  // namespace jw
