#include "jobs.h"

#include "../engine/watchdog.h"
#include "addon-data.h"

namespace jw {

namespace {
JW_MAIN_THREAD void CallJs(Napi::Env env, Napi::Function fn, JobThreads* self, Job* job);
}  // namespace

struct JobThreads::Tsfn {
  Napi::TypedThreadSafeFunction<JobThreads, Job, CallJs> fn;
};

namespace {
JW_MAIN_THREAD void CallJs(Napi::Env env, Napi::Function fn, JobThreads* self, Job* job) {
  JobThreads::Deliver(env, fn, self, job);
}
}  // namespace

JW_MAIN_THREAD void Job::Queue() {
  AddonData* data = AddonData::Of(env_);
  if (!data->jobs) data->jobs = std::make_unique<JobThreads>(env_, &data->exiting);
  data->jobs->Submit(this);
}

JW_MAIN_THREAD JobThreads::JobThreads(Napi::Env env, std::atomic<bool>* exiting)
    : env_(env), exiting_(exiting), link_(new Link{this}), tsfn_(new Tsfn()) {
  tsfn_->fn = Napi::TypedThreadSafeFunction<JobThreads, Job, CallJs>::New(
      env, "jackwasm-jobs", 0, 1, this, [](Napi::Env, Link* link, JobThreads*) {
        if (link->self) {
          link->self->Shutdown();
          link->self->tsfnLive_ = false;
          link->self->link_ = nullptr;
        }
        delete link;
      }, link_);
  tsfn_->fn.Unref(env);  // only pending jobs keep the event loop alive
}

JW_MAIN_THREAD JobThreads::~JobThreads() {
  Shutdown();
  if (link_) link_->self = nullptr;  // the finalizer frees it
  delete tsfn_;
}

JW_MAIN_THREAD void JobThreads::Submit(Job* job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) {  // the environment is going away: the job never runs
    orphans_.push_back(job);
    return;
  }
  if (pending_++ == 0) tsfn_->fn.Ref(env_);
  queue_.push_back(job);
  if (idle_ == 0 && threads_.size() < kThreads) threads_.emplace_back([this] { Run(); });
  cv_.notify_one();
}

JW_WORKER void JobThreads::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    --idle_;
    if (stop_) return;
    Job* job = queue_.front();
    queue_.pop_front();
    lock.unlock();
    job->Execute();
    // Delivery fails once the environment tears the function down; the job
    // is then freed on the main thread by Shutdown.
    const bool sent = tsfn_->fn.NonBlockingCall(job) == napi_ok;
    lock.lock();
    if (!sent) orphans_.push_back(job);
  }
}

JW_MAIN_THREAD void JobThreads::Deliver(Napi::Env env, Napi::Function, JobThreads* self, Job* job) {
  if (env == nullptr) {  // the function is being torn down: no promise to settle
    delete job;
    return;
  }
  job->OnOK();
  if (env.IsExceptionPending()) {
    Napi::Error err = env.GetAndClearPendingException();
    napi_fatal_exception(env, err.Value());
  }
  delete job;
  self->Done();
}

JW_MAIN_THREAD void JobThreads::Done() {
  if (pending_ > 0 && --pending_ == 0 && tsfnLive_) tsfn_->fn.Unref(env_);
}

JW_MAIN_THREAD void JobThreads::Shutdown() {
  std::vector<Job*> dropped;
  std::vector<std::thread> threads;
  exiting_->store(true);
  Watchdog::Get().Kick();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && threads_.empty() && orphans_.empty()) return;
    stop_ = true;
    dropped.assign(queue_.begin(), queue_.end());
    queue_.clear();
    threads.swap(threads_);
  }
  cv_.notify_all();
  // Running jobs end promptly: the environment's exiting flag is set, so the
  // watchdog interrupts their module calls.
  for (std::thread& t : threads) t.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.insert(dropped.end(), orphans_.begin(), orphans_.end());
    orphans_.clear();
  }
  for (Job* j : dropped) delete j;
  if (tsfnLive_) {
    tsfnLive_ = false;
    tsfn_->fn.Abort();  // completions still queued in it are freed (null env)
  }
}

}  // namespace jw
