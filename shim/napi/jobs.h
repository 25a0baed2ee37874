// Module jobs (loading, initial parameters, offline rendering) on threads
// each environment owns, instead of Node's libuv pool.
// Rationale: Node waits for an environment's libuv work before it runs any
// addon cleanup hook, so a module call on the pool kept worker.terminate()
// (and the pool itself) waiting for as long as it ran. On our own threads,
// the cleanup hook runs at once: it drops queued jobs and interrupts the
// running ones (the exiting flag), then joins the threads.
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "../threads.h"

namespace jw {

class JobThreads;

// Like Napi::AsyncWorker: Execute on a job thread, OnOK on the main thread.
class Job {
 public:
  explicit Job(Napi::Env env) : env_(env) {}
  virtual ~Job() = default;
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
  JW_WORKER virtual void Execute() = 0;
  JW_MAIN_THREAD virtual void OnOK() = 0;
  Napi::Env Env() const { return env_; }
  // [main-thread] Hands the job to its environment's threads (which own it
  // from now on).
  void Queue();

 private:
  Napi::Env env_;
};

class JobThreads {
 public:
  static constexpr size_t kThreads = 4;

  // [main-thread] `exiting`: the environment's flag (AddonData).
  JobThreads(Napi::Env env, std::atomic<bool>* exiting);
  ~JobThreads();
  void Submit(Job* job);
  // [main-thread] The environment is going away: sets its exiting flag (the
  // watchdog then interrupts every running module call), drops queued jobs,
  // joins the threads and frees every job left. Called from the addon's
  // cleanup hook and from the completion function's finalizer, whichever
  // comes first (Node-API: no thread may use a threadsafe function after
  // its finalizer returned). Idempotent.
  void Shutdown();

  // [main-thread] Completion of one job (from the threadsafe function; a
  // null env means the function is being torn down).
  static void Deliver(Napi::Env env, Napi::Function, JobThreads* self, Job* job);

 private:
  struct Tsfn;
  JW_WORKER void Run();
  JW_MAIN_THREAD void Done();

  Napi::Env env_;
  std::atomic<bool>* exiting_;
  bool tsfnLive_ = true;  // [main-thread] false once aborted or finalized
  // What the function's finalizer reaches this object through (cleared by
  // the destructor, in case the function outlives it).
  struct Link {
    JobThreads* self;
  };
  Link* link_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  std::vector<std::thread> threads_;
  std::vector<Job*> orphans_;  // finished after delivery became impossible
  size_t idle_ = 0;
  size_t pending_ = 0;  // [main-thread] submitted, not yet delivered
  bool stop_ = false;
  Tsfn* tsfn_;
};

}  // namespace jw
