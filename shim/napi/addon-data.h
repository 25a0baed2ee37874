// Per-environment state of the addon (better-sqlite3's approach): each Node
// environment (the main thread, every worker_thread) that loads the addon
// gets its own constructors, open-client list and shutdown flag.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <set>

#include "jobs.h"

#include "../threads.h"

namespace jw {

class ClientWrap;

struct AddonData {
  Napi::FunctionReference clientCtor, portCtor, dspCtor;
  std::set<ClientWrap*> openClients;  // [main-thread] closed at environment exit
  // Set when the environment shuts down: the watchdog interrupts every module
  // call this environment's threads make from then on, so exit never waits
  // on a module.
  std::atomic<bool> exiting{false};
  napi_env env = nullptr;
  std::unique_ptr<JobThreads> jobs;  // [main-thread] created on the first job

  // [main-thread]
  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace jw
