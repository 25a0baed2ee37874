#include "client.h"

#include <jack/metadata.h>
#include <jack/midiport.h>
#include <jack/session.h>
#include <jack/statistics.h>
#include <jack/uuid.h>
#include <signal.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <set>

#include "common.h"
#include "port.h"
#include "rtcheck.h"

namespace jw {

// Clients still open, for closing at process exit. [main-thread] only.
static std::set<ClientWrap*> gOpenClients;

// --- watchdog -------------------------------------------------------------

// The module the calling audio thread is running, for the watchdog's signal
// handler (which runs on that thread).
static thread_local const jw_module_api* tlRunningApi = nullptr;
static thread_local uint64_t tlCallStart = 0;                       // when that call began
static thread_local std::atomic<uint64_t>* tlWdTarget = nullptr;    // the call the watchdog wants stopped

static JW_ANY_THREAD uint64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no syscall
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// [audio-thread] (signal handler) Unwinds a runaway module with a timeout trap.
// Rationale: the signal can arrive after the slow call returned; only a call
// whose start time is the one the watchdog measured is interrupted.
static void OnWatchdogSignal(int) {
  const jw_module_api* api = tlRunningApi;
  if (api && tlWdTarget && tlCallStart != 0 && tlWdTarget->load(std::memory_order_acquire) == tlCallStart) api->interrupt();
}

static int WatchdogSignal() {
  static const int sig = [] {
    const int s = SIGRTMIN + 4;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnWatchdogSignal;
    // Rationale: the handler leaves by siglongjmp without restoring the mask;
    // SA_NODEFER keeps the signal unblocked for the next interruption.
    sa.sa_flags = SA_NODEFER | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(s, &sa, nullptr);
    return s;
  }();
  return sig;
}

// [worker] (drain thread) Interrupts a module call that runs past the budget.
JW_WORKER static void CheckWatchdog(std::atomic<uint64_t>& since, std::atomic<uint64_t>& target,
                                    std::atomic<pthread_t>& thread, uint64_t budget) {
  const uint64_t t = since.load(std::memory_order_acquire);
  if (t == 0 || NowNs() - t < budget || target.load() == t) return;
  target.store(t, std::memory_order_release);
  pthread_kill(thread.load(), WatchdogSignal());
}

JW_MAIN_THREAD Napi::Function ClientWrap::Init(Napi::Env env) {
  return DefineClass(env, "NativeClient", {
      InstanceMethod("open", &ClientWrap::Open),
      InstanceMethod("close", &ClientWrap::Close),
      InstanceMethod("isOpen", &ClientWrap::IsOpen),
      InstanceMethod("isServerGone", &ClientWrap::IsServerGone),
      InstanceMethod("name", &ClientWrap::Name),
      InstanceMethod("uuid", &ClientWrap::Uuid),
      InstanceMethod("sampleRate", &ClientWrap::SampleRate),
      InstanceMethod("bufferSize", &ClientWrap::BufferSize),
      InstanceMethod("setBufferSize", &ClientWrap::SetBufferSize),
      InstanceMethod("isRealtime", &ClientWrap::IsRealtime),
      InstanceMethod("framesSinceCycleStart", &ClientWrap::FramesSinceCycleStart),
      InstanceMethod("frameTime", &ClientWrap::FrameTime),
      InstanceMethod("lastFrameTime", &ClientWrap::LastFrameTime),
      InstanceMethod("cpuLoad", &ClientWrap::CpuLoad),
      InstanceMethod("activate", &ClientWrap::Activate),
      InstanceMethod("deactivate", &ClientWrap::Deactivate),
      InstanceMethod("isActive", &ClientWrap::IsActive),
      InstanceMethod("portRegister", &ClientWrap::PortRegister),
      InstanceMethod("portByName", &ClientWrap::PortByName),
      InstanceMethod("getPorts", &ClientWrap::GetPorts),
      InstanceMethod("connect", &ClientWrap::Connect),
      InstanceMethod("disconnect", &ClientWrap::Disconnect),
      InstanceMethod("transportStart", &ClientWrap::TransportStart),
      InstanceMethod("transportStop", &ClientWrap::TransportStop),
      InstanceMethod("transportQuery", &ClientWrap::TransportQuery),
      InstanceMethod("transportFrame", &ClientWrap::TransportFrame),
      InstanceMethod("transportLocate", &ClientWrap::TransportLocate),
      InstanceMethod("transportReposition", &ClientWrap::TransportReposition),
      InstanceMethod("setSyncTimeout", &ClientWrap::SetSyncTimeout),
      InstanceMethod("setTimebase", &ClientWrap::SetTimebase),
      InstanceMethod("releaseTimebase", &ClientWrap::ReleaseTimebase),
      InstanceMethod("setSyncEnabled", &ClientWrap::SetSyncEnabled),
      InstanceMethod("syncReady", &ClientWrap::SyncReady),
      InstanceMethod("framesToTime", &ClientWrap::FramesToTime),
      InstanceMethod("timeToFrames", &ClientWrap::TimeToFrames),
      InstanceMethod("getCycleTimes", &ClientWrap::GetCycleTimes),
      InstanceMethod("setFreewheel", &ClientWrap::SetFreewheel),
      InstanceMethod("setProperty", &ClientWrap::SetProperty),
      InstanceMethod("removeProperty", &ClientWrap::RemoveProperty),
      InstanceMethod("removeProperties", &ClientWrap::RemoveProperties),
      InstanceMethod("removeAllProperties", &ClientWrap::RemoveAllProperties),
      InstanceMethod("uuidForClientName", &ClientWrap::UuidForClientName),
      InstanceMethod("clientNameByUuid", &ClientWrap::ClientNameByUuid),
      InstanceMethod("stats", &ClientWrap::Stats),
      InstanceMethod("dspAttach", &ClientWrap::DspAttach),
      InstanceMethod("dspDetach", &ClientWrap::DspDetach),
      InstanceMethod("dspReplace", &ClientWrap::DspReplace),
      InstanceMethod("dspSetParam", &ClientWrap::DspSetParam),
      InstanceMethod("dspSendMidi", &ClientWrap::DspSendMidi),
      InstanceMethod("dspStatus", &ClientWrap::DspStatus),
      InstanceMethod("dspCollect", &ClientWrap::DspCollect),
      InstanceMethod("recStart", &ClientWrap::RecStart),
      InstanceMethod("recPoll", &ClientWrap::RecPoll),
      InstanceMethod("setWatchdog", &ClientWrap::SetWatchdog),
  });
}

// --- event delivery --------------------------------------------------------

static const char* KindName(Event::Kind k) {
  switch (k) {
    case Event::kXrun: return "xrun";
    case Event::kShutdown: return "shutdown";
    case Event::kFreewheel: return "freewheel";
    case Event::kBlockSize: return "blockSize";
    case Event::kSampleRate: return "sampleRate";
    case Event::kClientRegistration: return "clientRegistration";
    case Event::kPortRegistration: return "portRegistration";
    case Event::kPortConnect: return "portConnect";
    case Event::kPortRename: return "portRename";
    case Event::kGraphOrder: return "graphOrder";
    case Event::kPropertyChange: return "propertyChange";
    case Event::kSync: return "sync";
    case Event::kOverflow: return "overflow";
    case Event::kTrap: return "trap";
  }
  return "unknown";
}

// [main-thread] Runs the JS event callback: onEvent(kind, a, b, c, d).
static void DeliverEvent(Napi::Env env, Napi::Function jsCb, Event* ev) {
  if (env != nullptr && jsCb != nullptr) {
    Napi::Value kind = Napi::String::New(env, KindName(ev->kind));
    switch (ev->kind) {
      case Event::kXrun:
        jsCb.Call({kind, Napi::Number::New(env, ev->d)});
        break;
      case Event::kShutdown:
        jsCb.Call({kind, Napi::Number::New(env, static_cast<double>(ev->i1)), Napi::String::New(env, ev->s1)});
        break;
      case Event::kFreewheel:
      case Event::kClientRegistration:
        if (ev->kind == Event::kFreewheel) {
          jsCb.Call({kind, Napi::Boolean::New(env, ev->i1 != 0)});
        } else {
          jsCb.Call({kind, Napi::String::New(env, ev->s1), Napi::Boolean::New(env, ev->i1 != 0)});
        }
        break;
      case Event::kBlockSize:
      case Event::kSampleRate:
        jsCb.Call({kind, Napi::Number::New(env, static_cast<double>(ev->i1))});
        break;
      case Event::kPortRegistration:
        jsCb.Call({kind, Napi::String::New(env, ev->s1), Napi::Boolean::New(env, ev->i1 != 0)});
        break;
      case Event::kPortConnect:
        jsCb.Call({kind, Napi::String::New(env, ev->s1), Napi::String::New(env, ev->s2),
                   Napi::Boolean::New(env, ev->i1 != 0)});
        break;
      case Event::kPortRename:
        jsCb.Call({kind, Napi::String::New(env, ev->s1), Napi::String::New(env, ev->s2),
                   Napi::String::New(env, ev->s3)});
        break;
      case Event::kGraphOrder:
        jsCb.Call({kind});
        break;
      case Event::kPropertyChange:
        jsCb.Call({kind, Napi::String::New(env, ev->s1), Napi::String::New(env, ev->s2),
                   Napi::Number::New(env, static_cast<double>(ev->i1))});
        break;
      case Event::kSync:
        jsCb.Call({kind, Napi::Number::New(env, static_cast<double>(ev->i1)),
                   Napi::Number::New(env, static_cast<double>(ev->i2)), PositionToObject(env, ev->pos)});
        break;
      case Event::kOverflow:
        jsCb.Call({kind, Napi::Number::New(env, static_cast<double>(ev->i1))});
        break;
      case Event::kTrap:
        jsCb.Call({kind, Napi::Number::New(env, static_cast<double>(ev->i1)),
                   Napi::Number::New(env, static_cast<double>(ev->i2))});
        break;
    }
    // An exception thrown by a listener must not be swallowed silently; Node
    // reports it like any uncaught exception.
    if (env.IsExceptionPending()) {
      Napi::Error err = env.GetAndClearPendingException();
      napi_fatal_exception(env, err.Value());
    }
  }
  delete ev;
}

JW_ANY_THREAD void ClientWrap::Post(Event* ev) {
  jw_rt_note_napi();
  // The queue is unbounded: NonBlockingCall only fails once the function is
  // released (client closing), and then the event has nobody to go to.
  if (tsfn_.NonBlockingCall(ev, DeliverEvent) != napi_ok) delete ev;
}

// --- construction / open / close ------------------------------------------

JW_MAIN_THREAD ClientWrap::ClientWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<ClientWrap>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "NativeClient(onEvent): onEvent must be a function").ThrowAsJavaScriptException();
    return;
  }
  tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "jackwasm-client-events", 0, 1);
  // Rationale: an open client must not keep the process alive by itself.
  tsfn_.Unref(env);
  tsfnLive_ = true;
}

JW_MAIN_THREAD ClientWrap::~ClientWrap() {
  // (DSP slots and graphs are freed after the client is closed, below.)
  // Garbage-collected while still open: close synchronously here (the TS
  // layer closes explicitly; this is only the safety net).
  if (client_) {
    gOpenClients.erase(this);
    jack_client_t* c = client_;
    client_ = nullptr;
    CloseHandle(this, c);
  }
  if (tsfnLive_) {
    tsfn_.Release();
    tsfnLive_ = false;
  }
  Collect(true);
  slots_.clear();
  delete published_;
}

class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, ClientWrap* self, Napi::Object selfObj, std::string name, int options,
             std::string serverName, std::string sessionId)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), self_(self),
        name_(std::move(name)), options_(options), serverName_(std::move(serverName)),
        sessionId_(std::move(sessionId)) {
    selfRef_ = Napi::Persistent(selfObj);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  JW_WORKER void Execute() override {
    jack_options_t opts = static_cast<jack_options_t>(options_);
    if (!serverName_.empty() && !sessionId_.empty()) {
      client_ = jack_client_open(name_.c_str(), opts, &status_, serverName_.c_str(), sessionId_.c_str());
    } else if (!serverName_.empty()) {
      client_ = jack_client_open(name_.c_str(), opts, &status_, serverName_.c_str());
    } else if (!sessionId_.empty()) {
      client_ = jack_client_open(name_.c_str(), opts, &status_, sessionId_.c_str());
    } else {
      client_ = jack_client_open(name_.c_str(), opts, &status_);
    }
  }

  JW_MAIN_THREAD void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("status", Napi::Number::New(env, static_cast<int>(status_)));
    result.Set("ok", Napi::Boolean::New(env, client_ != nullptr));
    if (!client_ && self_->tsfnLive_) {
      // Nothing will ever be delivered; release now rather than in the
      // destructor, which may run while Node tears the function down.
      self_->tsfn_.Release();
      self_->tsfnLive_ = false;
    }
    if (client_) {
      self_->client_ = client_;
      self_->cbHandle_ = client_;
      self_->sampleRate_.store(jack_get_sample_rate(client_));
      gOpenClients.insert(self_);
      self_->InstallCallbacks();
    }
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  ClientWrap* self_;
  Napi::ObjectReference selfRef_;
  std::string name_;
  int options_;
  std::string serverName_, sessionId_;
  jack_client_t* client_ = nullptr;
  jack_status_t status_ = static_cast<jack_status_t>(0);
};

// open(name, options, serverName, sessionId) -> Promise<{ ok, status }>
JW_MAIN_THREAD Napi::Value ClientWrap::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (client_ || closing_) {
    Napi::Error::New(env, "NativeClient.open: already opened").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int options = info[1].ToNumber().Int32Value();
  std::string server = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  std::string session = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
  if (!server.empty()) options |= JackServerName;
  if (!session.empty()) options |= JackSessionID;
  auto* w = new OpenWorker(env, this, info.This().As<Napi::Object>(), name, options, server, session);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

JW_WORKER void ClientWrap::CloseHandle(ClientWrap* self, jack_client_t* c) {
  // Rationale: closing a client while the server freewheels wedges jackd2
  // (upstream issue #1006), so turn freewheel off and wait for it first.
  if (self->freewheeling_.load() && !self->serverGone_.load()) {
    jack_set_freewheel(c, 0);
    for (int i = 0; i < 200 && self->freewheeling_.load(); ++i) {
      struct timespec ts{0, 10 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
  }
  jack_client_close(c);
  self->StopDrain();
}

class CloseWorker : public Napi::AsyncWorker {
 public:
  CloseWorker(Napi::Env env, ClientWrap* self, Napi::Object selfObj, jack_client_t* c)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), self_(self), c_(c) {
    selfRef_ = Napi::Persistent(selfObj);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  JW_WORKER void Execute() override { ClientWrap::CloseHandle(self_, c_); }
  JW_MAIN_THREAD void OnOK() override {
    self_->closing_ = false;
    // The audio thread is gone: free every DSP slot and graph.
    self_->rtGraph_ = nullptr;
    self_->Collect(true);
    self_->slots_.clear();
    delete self_->published_;
    self_->published_ = nullptr;
    // Events queued before the close still get delivered; Release lets the
    // function finish after them.
    if (self_->tsfnLive_) {
      self_->tsfn_.Release();
      self_->tsfnLive_ = false;
    }
    deferred_.Resolve(Env().Undefined());
  }

 private:
  Napi::Promise::Deferred deferred_;
  ClientWrap* self_;
  Napi::ObjectReference selfRef_;
  jack_client_t* c_;
};

JW_MAIN_THREAD Napi::Value ClientWrap::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!client_) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  jack_client_t* c = client_;
  client_ = nullptr;  // from here on every call sees a closed client
  closing_ = true;
  active_ = false;
  gOpenClients.erase(this);
  auto* w = new CloseWorker(env, this, info.This().As<Napi::Object>(), c);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

JW_MAIN_THREAD void ClientWrap::CloseAllAtExit() {
  std::set<ClientWrap*> clients(gOpenClients);
  gOpenClients.clear();
  for (ClientWrap* w : clients) {
    jack_client_t* c = w->client_;
    w->client_ = nullptr;
    if (c) CloseHandle(w, c);
    if (w->tsfnLive_) {
      w->tsfn_.Abort();
      w->tsfnLive_ = false;
    }
  }
}

JW_MAIN_THREAD void ClientWrap::InstallCallbacks() {
  jack_client_t* c = client_;
  jack_set_xrun_callback(c, OnXrun, this);
  jack_on_info_shutdown(c, OnInfoShutdown, this);
  jack_set_freewheel_callback(c, OnFreewheel, this);
  jack_set_buffer_size_callback(c, OnBufferSize, this);
  jack_set_sample_rate_callback(c, OnSampleRate, this);
  jack_set_client_registration_callback(c, OnClientRegistration, this);
  jack_set_port_registration_callback(c, OnPortRegistration, this);
  jack_set_port_connect_callback(c, OnPortConnect, this);
  jack_set_port_rename_callback(c, OnPortRename, this);
  jack_set_graph_order_callback(c, OnGraphOrder, this);
  jack_set_property_change_callback(c, OnPropertyChange, this);
  jack_set_process_callback(c, OnProcess, this);
  jack_set_latency_callback(c, OnLatency, this);
}

JW_MAIN_THREAD void ClientWrap::AddOwnPort(jack_port_t* p) {
  std::lock_guard<std::mutex> lock(latMu_);
  ownPorts_.push_back(p);
}

JW_MAIN_THREAD void ClientWrap::RemoveOwnPort(jack_port_t* p) {
  std::lock_guard<std::mutex> lock(latMu_);
  ownPorts_.erase(std::remove(ownPorts_.begin(), ownPorts_.end(), p), ownPorts_.end());
  latOverrides_.erase(p);
}

JW_MAIN_THREAD void ClientWrap::SetLatencyOverride(jack_port_t* p, bool capture, jack_latency_range_t range) {
  std::lock_guard<std::mutex> lock(latMu_);
  LatencyOverride& o = latOverrides_[p];
  if (capture) {
    o.capture = true;
    o.cap = range;
  } else {
    o.playback = true;
    o.play = range;
  }
}

// JACK's default propagation (capture latency flows from this client's inputs
// to its outputs, playback latency from outputs to inputs; the union of the
// ranges, as jackd2 does without a callback), then the user's own ranges.
void ClientWrap::OnLatency(jack_latency_callback_mode_t mode, void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  std::lock_guard<std::mutex> lock(self->latMu_);
  const bool capture = mode == JackCaptureLatency;
  const int from = capture ? JackPortIsInput : JackPortIsOutput;
  jack_latency_range_t u{0, 0};
  bool any = false;
  for (jack_port_t* p : self->ownPorts_) {
    if (!(jack_port_flags(p) & from)) continue;
    jack_latency_range_t r;
    jack_port_get_latency_range(p, mode, &r);
    if (!any) u = r;
    u.min = std::min(u.min, r.min);
    u.max = std::max(u.max, r.max);
    any = true;
  }
  for (jack_port_t* p : self->ownPorts_) {
    auto it = self->latOverrides_.find(p);
    const bool overridden = it != self->latOverrides_.end() && (capture ? it->second.capture : it->second.playback);
    if (overridden) {
      jack_latency_range_t r = capture ? it->second.cap : it->second.play;
      jack_port_set_latency_range(p, mode, &r);
    } else if (!(jack_port_flags(p) & from)) {
      jack_port_set_latency_range(p, mode, &u);
    }
  }
}

// --- outbox drain ([worker]) ----------------------------------------------

JW_MAIN_THREAD void ClientWrap::StartDrain() {
  if (drainRun_.load()) return;
  drainRun_.store(true);
  drain_ = std::thread([this]() JW_WORKER {
    uint32_t reportedDrops = 0;
    while (drainRun_.load(std::memory_order_relaxed)) {
      RtEvent rt;
      while (outbox_.pop(rt)) {
        Event* ev = new Event(static_cast<Event::Kind>(rt.kind));
        ev->i1 = rt.seq;
        ev->i2 = rt.state;
        ev->pos = rt.pos;
        Post(ev);
      }
      CheckWatchdog(wdSince_, wdTarget_, wdThread_, wdBudgetNs_.load(std::memory_order_relaxed));
      uint32_t drops = rtDropped_.load(std::memory_order_relaxed);
      if (drops != reportedDrops) {
        Event* ev = new Event(Event::kOverflow);
        ev->i1 = drops;
        Post(ev);
        reportedDrops = drops;
      }
      // Rationale: polling keeps the audio thread free of wake-up syscalls.
      struct timespec ts{0, 2 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
  });
}

JW_ANY_THREAD void ClientWrap::StopDrain() {
  if (!drainRun_.exchange(false)) return;
  if (drain_.joinable()) drain_.join();
}

// --- notification callbacks ([notify-thread]) -----------------------------

int ClientWrap::OnXrun(void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kXrun);
  ev->d = jack_get_xrun_delayed_usecs(self->cbHandle_);
  self->Post(ev);
  return 0;
}

void ClientWrap::OnInfoShutdown(jack_status_t code, const char* reason, void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  self->serverGone_.store(true);
  Event* ev = new Event(Event::kShutdown);
  ev->i1 = code;
  ev->s1 = reason ? reason : "";
  self->Post(ev);
}

void ClientWrap::OnFreewheel(int starting, void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  self->freewheeling_.store(starting != 0);
  Event* ev = new Event(Event::kFreewheel);
  ev->i1 = starting;
  self->Post(ev);
}

int ClientWrap::OnBufferSize(jack_nframes_t n, void* arg) {
  Event* ev = new Event(Event::kBlockSize);
  ev->i1 = n;
  static_cast<ClientWrap*>(arg)->Post(ev);
  return 0;
}

int ClientWrap::OnSampleRate(jack_nframes_t n, void* arg) {
  static_cast<ClientWrap*>(arg)->sampleRate_.store(n, std::memory_order_relaxed);
  Event* ev = new Event(Event::kSampleRate);
  ev->i1 = n;
  static_cast<ClientWrap*>(arg)->Post(ev);
  return 0;
}

void ClientWrap::OnClientRegistration(const char* name, int reg, void* arg) {
  Event* ev = new Event(Event::kClientRegistration);
  ev->s1 = name ? name : "";
  ev->i1 = reg;
  static_cast<ClientWrap*>(arg)->Post(ev);
}

// [notify-thread] Name of a port by id; jack_port_by_id reads shared memory
// only (no server round trip), so it is allowed here.
static std::string PortNameById(jack_client_t* c, jack_port_id_t id) {
  jack_port_t* p = c ? jack_port_by_id(c, id) : nullptr;
  const char* n = p ? jack_port_name(p) : nullptr;
  return n ? n : "";
}

void ClientWrap::OnPortRegistration(jack_port_id_t id, int reg, void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kPortRegistration);
  ev->s1 = PortNameById(self->cbHandle_, id);
  ev->i1 = reg;
  self->Post(ev);
}

void ClientWrap::OnPortConnect(jack_port_id_t a, jack_port_id_t b, int connect, void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kPortConnect);
  ev->s1 = PortNameById(self->cbHandle_, a);
  ev->s2 = PortNameById(self->cbHandle_, b);
  ev->i1 = connect;
  self->Post(ev);
}

void ClientWrap::OnPortRename(jack_port_id_t id, const char* oldName, const char* newName, void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kPortRename);
  ev->s1 = PortNameById(self->cbHandle_, id);
  ev->s2 = oldName ? oldName : "";
  ev->s3 = newName ? newName : "";
  self->Post(ev);
}

int ClientWrap::OnGraphOrder(void* arg) {
  static_cast<ClientWrap*>(arg)->Post(new Event(Event::kGraphOrder));
  return 0;
}

void ClientWrap::OnPropertyChange(jack_uuid_t subject, const char* key, jack_property_change_t change,
                                  void* arg) {
  Event* ev = new Event(Event::kPropertyChange);
  ev->s1 = UuidToString(subject);
  ev->s2 = key ? key : "";
  ev->i1 = change;
  static_cast<ClientWrap*>(arg)->Post(ev);
}

// --- realtime callbacks ([audio-thread]) ----------------------------------

// Slow-sync: JS decides readiness asynchronously. This callback only compares
// an atomic sequence number; a new (state, frame) request is posted to the
// outbox for the drain thread to forward to JS.
int ClientWrap::OnSync(jack_transport_state_t state, jack_position_t* pos, void* arg) {
  RtScope rt;
  auto* self = static_cast<ClientWrap*>(arg);
  if (self->syncReset_.exchange(false, std::memory_order_acq_rel)) self->syncAwaiting_ = false;
  // Rationale: jackd2 stops calling a client's sync callback once it returned
  // ready, until the next start or relocation. So any call while no request
  // is pending, or with a new state/frame, is a new request.
  if (!self->syncAwaiting_ || static_cast<int>(state) != self->syncLastState_ ||
      pos->frame != self->syncLastFrame_) {
    self->syncAwaiting_ = true;
    self->syncLastState_ = static_cast<int>(state);
    self->syncLastFrame_ = pos->frame;
    self->syncSeq_++;
    RtEvent req;
    req.kind = Event::kSync;
    req.seq = self->syncSeq_;
    req.state = static_cast<int32_t>(state);
    req.pos = *pos;
    if (!self->outbox_.push(req)) {
      // Nobody will hear about this request: report ready rather than stall
      // the transport, and count the loss.
      self->rtDropped_.fetch_add(1, std::memory_order_relaxed);
      self->syncAwaiting_ = false;
      return 1;
    }
  }
  if (self->syncReadySeq_.load(std::memory_order_acquire) == self->syncSeq_) {
    self->syncAwaiting_ = false;
    return 1;
  }
  return 0;
}

// Timebase master: BBT is a pure function of the frame and the current
// settings, so relocation works without history.
void ClientWrap::OnTimebase(jack_transport_state_t, jack_nframes_t, jack_position_t* pos, int, void* arg) {
  RtScope rt;
  auto* self = static_cast<ClientWrap*>(arg);
  const TimebaseParams& p = self->timebase_.read();
  // Rationale: after jack_transport_locate, jackd2 hands the master a position
  // whose frame_rate is uninitialised for one cycle; use the client's rate.
  const double rate = static_cast<double>(self->sampleRate_.load(std::memory_order_relaxed));
  const double absTick = static_cast<double>(pos->frame) * p.bpm * p.ticksPerBeat / (rate * 60.0);
  const double absBeat = std::floor(absTick / p.ticksPerBeat);
  const double bar = std::floor(absBeat / p.beatsPerBar);
  const double beatInBar = absBeat - bar * p.beatsPerBar;
  const double tick = absTick - absBeat * p.ticksPerBeat;
  pos->valid = static_cast<jack_position_bits_t>(JackPositionBBT | JackTickDouble);
  pos->bar = static_cast<int32_t>(bar) + 1;
  pos->beat = static_cast<int32_t>(beatInBar) + 1;
  pos->tick = static_cast<int32_t>(tick);
  pos->tick_double = tick;
  pos->bar_start_tick = bar * p.beatsPerBar * p.ticksPerBeat;
  pos->beats_per_bar = static_cast<float>(p.beatsPerBar);
  pos->beat_type = static_cast<float>(p.beatType);
  pos->ticks_per_beat = p.ticksPerBeat;
  pos->beats_per_minute = p.bpm;
  self->timebaseCalls_.fetch_add(1, std::memory_order_relaxed);
}

// --- simple accessors ([main-thread]) --------------------------------------

#define JW_CLIENT_OR_NULL()                         \
  jack_client_t* c = client_;                       \
  if (!c) return info.Env().Null();

Napi::Value ClientWrap::IsOpen(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), client_ != nullptr);
}
Napi::Value ClientWrap::IsServerGone(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), serverGone_.load());
}
Napi::Value ClientWrap::Name(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::String::New(info.Env(), jack_get_client_name(c));
}
Napi::Value ClientWrap::Uuid(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  char* u = jack_client_get_uuid(c);
  if (!u) return info.Env().Null();
  Napi::String s = Napi::String::New(info.Env(), u);
  jack_free(u);
  return s;
}
Napi::Value ClientWrap::SampleRate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_get_sample_rate(c));
}
Napi::Value ClientWrap::BufferSize(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_get_buffer_size(c));
}
Napi::Value ClientWrap::SetBufferSize(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_set_buffer_size(c, info[0].ToNumber().Uint32Value()));
}
Napi::Value ClientWrap::IsRealtime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Boolean::New(info.Env(), jack_is_realtime(c) != 0);
}
Napi::Value ClientWrap::FramesSinceCycleStart(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_frames_since_cycle_start(c));
}
Napi::Value ClientWrap::FrameTime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_frame_time(c));
}
Napi::Value ClientWrap::LastFrameTime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_last_frame_time(c));
}
Napi::Value ClientWrap::CpuLoad(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_cpu_load(c));
}
Napi::Value ClientWrap::Activate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  WatchdogSignal();  // install its handler before any module can run
  int rc = jack_activate(c);
  if (rc == 0) {
    active_ = true;
    StartDrain();
  }
  return Napi::Number::New(info.Env(), rc);
}
Napi::Value ClientWrap::Deactivate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  int rc = jack_deactivate(c);
  if (rc == 0) {
    active_ = false;
    // The process callback no longer runs: adopt pending graphs here.
    DspGraph* g;
    while (graphIn_.pop(g)) rtGraph_ = g;
    if (rtGraph_) ackSeq_.store(rtGraph_->seq);
    Collect(false);
  }
  return Napi::Number::New(info.Env(), rc);
}
Napi::Value ClientWrap::IsActive(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), client_ != nullptr && active_);
}

// portRegister(shortName, type, flags) -> NativePort | null
Napi::Value ClientWrap::PortRegister(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string type = info[1].As<Napi::String>().Utf8Value();
  unsigned long flags = info[2].ToNumber().Uint32Value();
  jack_port_t* p = jack_port_register(c, name.c_str(), type.c_str(), flags, 0);
  if (!p) return info.Env().Null();
  AddOwnPort(p);
  return PortWrap::NewInstance(info.Env(), info.This().As<Napi::Object>(), this, p);
}

Napi::Value ClientWrap::PortByName(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  jack_port_t* p = jack_port_by_name(c, name.c_str());
  if (!p) return info.Env().Null();
  return PortWrap::NewInstance(info.Env(), info.This().As<Napi::Object>(), this, p);
}

// getPorts(typePattern | null, flags) -> string[]; name filtering is done in
// TypeScript with JS regular expressions.
Napi::Value ClientWrap::GetPorts(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string type = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  unsigned long flags = info[1].ToNumber().Uint32Value();
  return TakeNameList(info.Env(), jack_get_ports(c, nullptr, type.empty() ? nullptr : type.c_str(), flags));
}

Napi::Value ClientWrap::Connect(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string a = info[0].As<Napi::String>().Utf8Value();
  std::string b = info[1].As<Napi::String>().Utf8Value();
  return Napi::Number::New(info.Env(), jack_connect(c, a.c_str(), b.c_str()));
}

Napi::Value ClientWrap::Disconnect(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string a = info[0].As<Napi::String>().Utf8Value();
  std::string b = info[1].As<Napi::String>().Utf8Value();
  return Napi::Number::New(info.Env(), jack_disconnect(c, a.c_str(), b.c_str()));
}

// --- transport ------------------------------------------------------------

Napi::Value ClientWrap::TransportStart(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_transport_start(c);
  return info.Env().Undefined();
}
Napi::Value ClientWrap::TransportStop(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_transport_stop(c);
  return info.Env().Undefined();
}
// transportQuery() -> [state, position]
Napi::Value ClientWrap::TransportQuery(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_position_t pos;
  std::memset(&pos, 0, sizeof pos);
  jack_transport_state_t st = jack_transport_query(c, &pos);
  Napi::Array arr = Napi::Array::New(info.Env(), 2);
  arr.Set(0u, Napi::Number::New(info.Env(), static_cast<int>(st)));
  arr.Set(1u, PositionToObject(info.Env(), pos));
  return arr;
}
Napi::Value ClientWrap::TransportFrame(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_get_current_transport_frame(c));
}
Napi::Value ClientWrap::TransportLocate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_transport_locate(c, info[0].ToNumber().Uint32Value()));
}
Napi::Value ClientWrap::TransportReposition(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_position_t pos;
  std::memset(&pos, 0, sizeof pos);
  ObjectToPosition(info[0].As<Napi::Object>(), &pos);
  return Napi::Number::New(info.Env(), jack_transport_reposition(c, &pos));
}
Napi::Value ClientWrap::SetSyncTimeout(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(),
                           jack_set_sync_timeout(c, static_cast<jack_time_t>(info[0].ToNumber().DoubleValue())));
}

static TimebaseParams ReadTimebase(const Napi::CallbackInfo& info, size_t first) {
  return TimebaseParams{info[first].ToNumber().DoubleValue(), info[first + 1].ToNumber().DoubleValue(),
                        info[first + 2].ToNumber().DoubleValue(), info[first + 3].ToNumber().DoubleValue()};
}

// setTimebase(conditional, bpm, beatsPerBar, beatType, ticksPerBeat) -> rc
Napi::Value ClientWrap::SetTimebase(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  timebase_.write(ReadTimebase(info, 1));
  int rc = jack_set_timebase_callback(c, info[0].ToBoolean().Value() ? 1 : 0, OnTimebase, this);
  return Napi::Number::New(info.Env(), rc);
}
Napi::Value ClientWrap::ReleaseTimebase(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_release_timebase(c));
}
Napi::Value ClientWrap::SetSyncEnabled(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  bool on = info[0].ToBoolean().Value();
  if (on) syncReset_.store(true, std::memory_order_release);
  return Napi::Number::New(info.Env(), jack_set_sync_callback(c, on ? OnSync : nullptr, on ? this : nullptr));
}
// syncReady(seq): JS finished preparing for sync request `seq`.
Napi::Value ClientWrap::SyncReady(const Napi::CallbackInfo& info) {
  syncReadySeq_.store(info[0].ToNumber().Uint32Value(), std::memory_order_release);
  return info.Env().Undefined();
}

// --- time -----------------------------------------------------------------

Napi::Value ClientWrap::FramesToTime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(),
                           static_cast<double>(jack_frames_to_time(c, info[0].ToNumber().Uint32Value())));
}
Napi::Value ClientWrap::TimeToFrames(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(),
                           jack_time_to_frames(c, static_cast<jack_time_t>(info[0].ToNumber().DoubleValue())));
}
Napi::Value ClientWrap::GetCycleTimes(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_nframes_t frames = 0;
  jack_time_t cur = 0, next = 0;
  float period = 0;
  if (jack_get_cycle_times(c, &frames, &cur, &next, &period) != 0) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("currentFrames", Napi::Number::New(info.Env(), frames));
  o.Set("currentUsecs", Napi::Number::New(info.Env(), static_cast<double>(cur)));
  o.Set("nextUsecs", Napi::Number::New(info.Env(), static_cast<double>(next)));
  o.Set("periodUsecs", Napi::Number::New(info.Env(), period));
  return o;
}
Napi::Value ClientWrap::SetFreewheel(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_set_freewheel(c, info[0].ToBoolean().Value() ? 1 : 0));
}

// --- metadata -------------------------------------------------------------

static bool UuidArg(const Napi::Value& v, jack_uuid_t* out) {
  return v.IsString() && ParseUuid(v.As<Napi::String>().Utf8Value(), out);
}

Napi::Value ClientWrap::SetProperty(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_uuid_t subject;
  if (!UuidArg(info[0], &subject)) return Napi::Number::New(info.Env(), -1);
  std::string key = info[1].As<Napi::String>().Utf8Value();
  std::string value = info[2].As<Napi::String>().Utf8Value();
  std::string type = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
  return Napi::Number::New(info.Env(), jack_set_property(c, subject, key.c_str(), value.c_str(),
                                                          type.empty() ? nullptr : type.c_str()));
}
Napi::Value ClientWrap::RemoveProperty(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_uuid_t subject;
  if (!UuidArg(info[0], &subject)) return Napi::Number::New(info.Env(), -1);
  std::string key = info[1].As<Napi::String>().Utf8Value();
  return Napi::Number::New(info.Env(), jack_remove_property(c, subject, key.c_str()));
}
Napi::Value ClientWrap::RemoveProperties(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_uuid_t subject;
  if (!UuidArg(info[0], &subject)) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), jack_remove_properties(c, subject));
}
Napi::Value ClientWrap::RemoveAllProperties(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_remove_all_properties(c));
}
Napi::Value ClientWrap::UuidForClientName(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  char* u = jack_get_uuid_for_client_name(c, name.c_str());
  if (!u) return info.Env().Null();
  Napi::String s = Napi::String::New(info.Env(), u);
  jack_free(u);
  return s;
}
Napi::Value ClientWrap::ClientNameByUuid(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string uuid = info[0].As<Napi::String>().Utf8Value();
  char* n = jack_get_client_name_by_uuid(c, uuid.c_str());
  if (!n) return info.Env().Null();
  Napi::String s = Napi::String::New(info.Env(), n);
  jack_free(n);
  return s;
}

// stats() -> { timebaseCalls, rtDropped }: counters for tests/diagnostics.
Napi::Value ClientWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("timebaseCalls", Napi::Number::New(info.Env(), static_cast<double>(timebaseCalls_.load())));
  o.Set("rtDropped", Napi::Number::New(info.Env(), rtDropped_.load()));
  return o;
}

// --- DSP engine ---------------------------------------------------------------


int ClientWrap::OnProcess(jack_nframes_t nframes, void* arg) {
  RtScope rt;
  static_cast<ClientWrap*>(arg)->ProcessCycle(nframes);
  return 0;
}

JW_AUDIO_THREAD void ClientWrap::ProcessCycle(jack_nframes_t nframes) {
  DspGraph* g;
  while (graphIn_.pop(g)) rtGraph_ = g;
  if (rtGraph_) {
    ackSeq_.store(rtGraph_->seq, std::memory_order_release);
    for (DspSlot* s : rtGraph_->slots) RunSlot(s, nframes);
  }
  // Recording runs after the modules, so it sees this cycle's module output
  // through connections to this client's own ports.
  if (!rtRec_ && recIn_.pop(rtRec_)) rtRec_->startFrame = jack_last_frame_time(cbHandle_);
  if (rtRec_) {
    Recorder* r = rtRec_;
    const uint64_t n = std::min<uint64_t>(nframes, r->frames - r->pos);
    for (size_t ch = 0; ch < r->ports.size(); ++ch) {
      const float* src = static_cast<const float*>(jack_port_get_buffer(r->ports[ch], nframes));
      std::memcpy(r->data[ch].data() + r->pos, src, n * sizeof(float));
    }
    r->pos += n;
    if (r->pos == r->frames) {
      rtRec_ = nullptr;
      r->done.store(true, std::memory_order_release);
    }
  }
}

JW_AUDIO_THREAD int ClientWrap::MidiWrite(void* opaque, uint32_t frame, const uint8_t* bytes, uint32_t len) {
  auto* s = static_cast<DspSlot*>(opaque);
  if (!s->midiOutBuf || frame >= s->cycleFrames) return -1;
  return jack_midi_event_write(s->midiOutBuf, frame, bytes, len);
}

JW_AUDIO_THREAD void ClientWrap::TrapSlot(DspSlot* s, int code, jack_nframes_t nframes) {
  s->trap.store(code, std::memory_order_release);
  // A trapped module goes silent for the whole cycle and from then on.
  for (float* o : s->outCycle) std::memset(o, 0, nframes * sizeof(float));
  RtEvent ev{};
  ev.kind = Event::kTrap;
  ev.seq = s->id;
  ev.state = code;
  if (!outbox_.push(ev)) rtDropped_.fetch_add(1, std::memory_order_relaxed);
}

JW_AUDIO_THREAD void ClientWrap::RunSlot(DspSlot* s, jack_nframes_t nframes) {
  for (size_t ch = 0; ch < s->out.size(); ++ch)
    s->outCycle[ch] = static_cast<float*>(jack_port_get_buffer(s->out[ch], nframes));
  void* midiIn = s->midiIn ? jack_port_get_buffer(s->midiIn, nframes) : nullptr;
  s->midiOutBuf = s->midiOut ? jack_port_get_buffer(s->midiOut, nframes) : nullptr;
  if (s->midiOutBuf) jack_midi_clear_buffer(s->midiOutBuf);
  s->cycleFrames = nframes;
  ParamMsg pm;
  if (s->trap.load(std::memory_order_relaxed)) {
    // Silent until reset(); discard what JS keeps sending so its queues never fill.
    for (float* o : s->outCycle) std::memset(o, 0, nframes * sizeof(float));
    while (s->params.pop(pm)) {
    }
    MidiMsg discard;
    while (s->midiJs.pop(discard)) {
    }
    return;
  }
  DspInstance& d = *s->dsp;
  d.api->set_realtime(1);
  // Watchdog window: from here until the slot is done.
  tlRunningApi = d.api;
  tlWdTarget = &wdTarget_;
  tlCallStart = NowNs();
  wdThread_.store(pthread_self(), std::memory_order_relaxed);
  wdSince_.store(tlCallStart, std::memory_order_release);
  struct WdEnd {
    std::atomic<uint64_t>& since;
    ~WdEnd() {
      since.store(0, std::memory_order_release);
      tlCallStart = 0;
      tlRunningApi = nullptr;
    }
  } wdEnd{wdSince_};
  // Same order as offline rendering: untimed parameters, then per block the
  // timed parameters due at its start, its MIDI, and jw_process.
  const jack_nframes_t cycleStart = jack_last_frame_time(cbHandle_);
  while (s->params.pop(pm)) {
    if (pm.timed && s->npending < DspSlot::kPendingMax) {
      s->pending[s->npending++] = pm;
      continue;
    }
    if (pm.timed) s->earlyParams.fetch_add(1, std::memory_order_relaxed);  // applied now instead
    if (int t = d.api->param_set(d.inst, pm.index, pm.value)) return TrapSlot(s, t, nframes);
  }
  // Offset of a timed message in this cycle (negative: late, apply at once).
  auto offsetOf = [cycleStart](const auto& m) -> int64_t {
    return m.timed ? static_cast<int64_t>(static_cast<int32_t>(m.at - cycleStart)) : 0;
  };
  // MIDI from JS due in this cycle, sorted by offset (stable; late or untimed
  // events at offset 0); later ones wait in midiPending.
  {
    MidiMsg mm;
    while (s->midiJs.pop(mm)) {
      if (s->nmidiPending < DspSlot::kPendingMax) s->midiPending[s->nmidiPending++] = mm;
      else s->droppedMidiIn.fetch_add(1, std::memory_order_relaxed);
    }
    s->nmidiDue = 0;
    uint32_t keep = 0;
    for (uint32_t k = 0; k < s->nmidiPending; ++k) {
      const MidiMsg& e = s->midiPending[k];
      const int64_t off = offsetOf(e);
      if (off >= static_cast<int64_t>(nframes)) {
        s->midiPending[keep++] = e;
        continue;
      }
      uint32_t pos = s->nmidiDue++;
      const uint32_t o = off < 0 ? 0u : static_cast<uint32_t>(off);
      while (pos > 0 && s->midiDueOff[pos - 1] > o) {  // insertion sort, stable
        s->midiDue[pos] = s->midiDue[pos - 1];
        s->midiDueOff[pos] = s->midiDueOff[pos - 1];
        --pos;
      }
      s->midiDue[pos] = e;
      s->midiDueOff[pos] = o;
    }
    s->nmidiPending = keep;
  }
  uint32_t ji = 0;
  const uint32_t nev = midiIn ? jack_midi_get_event_count(midiIn) : 0;
  uint32_t ei = 0;
  std::vector<const float*>& in = s->inBlk;
  std::vector<float*>& out = s->outBlk;
  float* inBase[64];
  for (size_t ch = 0; ch < s->in.size(); ++ch)
    inBase[ch] = static_cast<float*>(jack_port_get_buffer(s->in[ch], nframes));
  const jack_nframes_t block = static_cast<jack_nframes_t>(d.maxFrames);
  for (jack_nframes_t start = 0; start < nframes;) {
    // Blocks stay on the maxFrames grid from the cycle start; a timed
    // parameter change splits a block at its frame.
    jack_nframes_t end = std::min<jack_nframes_t>(nframes, (start / block + 1) * block);
    for (uint32_t k = 0; k < s->npending;) {
      const int64_t off = offsetOf(s->pending[k]);
      if (off <= static_cast<int64_t>(start)) {
        if (int t = d.api->param_set(d.inst, s->pending[k].index, s->pending[k].value)) return TrapSlot(s, t, nframes);
        for (uint32_t j = k + 1; j < s->npending; ++j) s->pending[j - 1] = s->pending[j];  // keep set order
        --s->npending;
        continue;
      }
      if (off < static_cast<int64_t>(end)) end = static_cast<jack_nframes_t>(off);
      ++k;
    }
    const jack_nframes_t n = end - start;
    // MIDI of this block from the JACK port and from JS, in time order (the
    // port's events first at equal times).
    for (;;) {
      jack_midi_event_t ev;
      bool havePort = false;
      while (ei < nev) {
        if (jack_midi_event_get(&ev, midiIn, ei) == 0) {
          havePort = true;
          break;
        }
        ++ei;
      }
      if (havePort && ev.time >= start + n) havePort = false;
      const bool haveJs = ji < s->nmidiDue && s->midiDueOff[ji] < start + n;
      if (!havePort && !haveJs) break;
      const uint8_t* b;
      size_t size;
      jack_nframes_t time;
      if (havePort && (!haveJs || ev.time <= s->midiDueOff[ji])) {
        b = ev.buffer;
        size = ev.size;
        time = ev.time;
        ++ei;
      } else {
        b = s->midiDue[ji].bytes;
        size = s->midiDue[ji].len;
        time = std::max<jack_nframes_t>(s->midiDueOff[ji], start);
        ++ji;
      }
      if (size < 1 || size > 3 || !d.Has(JW_X_MIDI)) continue;  // short messages only
      const int32_t d1 = size > 1 ? b[1] : 0, d2 = size > 2 ? b[2] : 0;
      if (int t = d.api->midi(d.inst, static_cast<int32_t>(time - start), b[0], d1, d2)) return TrapSlot(s, t, nframes);
    }
    for (size_t ch = 0; ch < s->in.size(); ++ch) in[ch] = inBase[ch] + start;
    for (size_t ch = 0; ch < s->out.size(); ++ch) out[ch] = s->outCycle[ch] + start;
    s->sink.block_offset = start;
    if (int t = d.RunBlock(in.data(), out.data(), static_cast<int32_t>(n))) return TrapSlot(s, t, nframes);
    start = end;
  }
  s->cycles.fetch_add(1, std::memory_order_relaxed);
}

JW_MAIN_THREAD std::unique_ptr<DspSlot> ClientWrap::MakeSlot(uint32_t id, std::shared_ptr<DspInstance> dsp,
                                                            std::vector<jack_port_t*> in, std::vector<jack_port_t*> out,
                                                            jack_port_t* midiIn, jack_port_t* midiOut) {
  auto s = std::make_unique<DspSlot>();
  s->id = id;
  s->dsp = std::move(dsp);
  s->in = std::move(in);
  s->out = std::move(out);
  s->midiIn = midiIn;
  s->midiOut = midiOut;
  s->inBlk.assign(s->in.size(), nullptr);
  s->outBlk.assign(s->out.size(), nullptr);
  s->outCycle.assign(s->out.size(), nullptr);
  s->sink.write = MidiWrite;
  s->sink.opaque = s.get();
  s->dsp->api->set_midi_sink(s->dsp->inst, &s->sink);
  return s;
}

JW_MAIN_THREAD bool ClientWrap::Publish() {
  auto* g = new DspGraph();
  g->seq = ++graphSeq_;
  for (auto& s : slots_) g->slots.push_back(s.get());
  if (active_) {
    if (!graphIn_.push(g)) {
      delete g;
      --graphSeq_;
      return false;
    }
  } else {
    rtGraph_ = g;
    ackSeq_.store(g->seq);
  }
  if (published_) garbageGraphs_.emplace_back(g->seq, published_);
  published_ = g;
  return true;
}

JW_MAIN_THREAD size_t ClientWrap::Collect(bool all) {
  const uint64_t ack = ackSeq_.load(std::memory_order_acquire);
  auto done = [&](uint64_t seq) { return all || seq <= ack; };
  for (auto it = garbageGraphs_.begin(); it != garbageGraphs_.end();) {
    if (done(it->first)) {
      delete it->second;
      it = garbageGraphs_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = garbageSlots_.begin(); it != garbageSlots_.end();) {
    it = done(it->first) ? garbageSlots_.erase(it) : it + 1;
  }
  return garbageGraphs_.size() + garbageSlots_.size();
}

static bool PortList(const Napi::Value& v, std::vector<jack_port_t*>* out) {
  if (!v.IsArray()) return false;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value p = a.Get(i);
    if (!p.IsObject()) return false;
    jack_port_t* h = PortWrap::Unwrap(p.As<Napi::Object>())->handle();
    if (!h) return false;
    out->push_back(h);
  }
  return true;
}

static jack_port_t* OptionalPort(const Napi::Value& v) {
  if (!v.IsObject()) return nullptr;
  return PortWrap::Unwrap(v.As<Napi::Object>())->handle();
}

// dspAttach(nativeDsp, inPorts, outPorts, midiIn | null, midiOut | null) -> slot id, or 0
JW_MAIN_THREAD Napi::Value ClientWrap::DspAttach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!client_) return env.Null();
  DspWrap* w = DspWrap::Unwrap(info[0].As<Napi::Object>());
  std::vector<jack_port_t*> in, out;
  if (!w->instance() || w->attached() || !PortList(info[1], &in) || !PortList(info[2], &out)) return Napi::Number::New(env, 0);
  auto dsp = w->instance();
  if (static_cast<int32_t>(in.size()) != dsp->nin || static_cast<int32_t>(out.size()) != dsp->nout) return Napi::Number::New(env, 0);
  const uint32_t id = nextSlotId_++;
  slots_.push_back(MakeSlot(id, dsp, std::move(in), std::move(out), OptionalPort(info[3]), OptionalPort(info[4])));
  if (!Publish()) {
    slots_.pop_back();
    return Napi::Number::New(env, 0);
  }
  w->SetAttached(true);
  return Napi::Number::New(env, id);
}

// dspDetach(id) -> bool
JW_MAIN_THREAD Napi::Value ClientWrap::DspDetach(const Napi::CallbackInfo& info) {
  const uint32_t id = info[0].ToNumber().Uint32Value();
  for (auto it = slots_.begin(); it != slots_.end(); ++it) {
    if ((*it)->id != id) continue;
    std::unique_ptr<DspSlot> gone = std::move(*it);
    slots_.erase(it);
    if (!Publish()) {
      slots_.push_back(std::move(gone));  // queue full: nothing changed
      return Napi::Boolean::New(info.Env(), false);
    }
    garbageSlots_.emplace_back(graphSeq_, std::move(gone));
    return Napi::Boolean::New(info.Env(), true);
  }
  return Napi::Boolean::New(info.Env(), false);
}

// dspReplace(id, nativeDsp) -> bool: hot-swap the instance, keeping the ports.
JW_MAIN_THREAD Napi::Value ClientWrap::DspReplace(const Napi::CallbackInfo& info) {
  const uint32_t id = info[0].ToNumber().Uint32Value();
  DspWrap* w = DspWrap::Unwrap(info[1].As<Napi::Object>());
  auto dsp = w->instance();
  for (auto& slot : slots_) {
    if (slot->id != id) continue;
    if (!dsp || w->attached() || dsp->nin != slot->dsp->nin || dsp->nout != slot->dsp->nout)
      return Napi::Boolean::New(info.Env(), false);
    std::unique_ptr<DspSlot> fresh = MakeSlot(id, dsp, slot->in, slot->out, slot->midiIn, slot->midiOut);
    std::swap(slot, fresh);  // `fresh` now holds the old slot
    if (!Publish()) {
      std::swap(slot, fresh);
      return Napi::Boolean::New(info.Env(), false);
    }
    garbageSlots_.emplace_back(graphSeq_, std::move(fresh));
    w->SetAttached(true);
    return Napi::Boolean::New(info.Env(), true);
  }
  return Napi::Boolean::New(info.Env(), false);
}

// dspSetParam(id, index, value, at | -1) -> bool (false when the queue is full)
JW_MAIN_THREAD Napi::Value ClientWrap::DspSetParam(const Napi::CallbackInfo& info) {
  const uint32_t id = info[0].ToNumber().Uint32Value();
  const double at = info[3].IsNumber() ? info[3].ToNumber().DoubleValue() : -1;
  ParamMsg m{info[1].ToNumber().Int32Value(), info[2].ToNumber().FloatValue(), at >= 0 ? static_cast<uint32_t>(at) : 0u,
             at >= 0 ? 1u : 0u};
  for (auto& slot : slots_) {
    if (slot->id == id) return Napi::Boolean::New(info.Env(), slot->params.push(m));
  }
  return Napi::Boolean::New(info.Env(), false);
}

// dspSendMidi(id, bytes[], at | -1) -> bool (false when the queue is full)
JW_MAIN_THREAD Napi::Value ClientWrap::DspSendMidi(const Napi::CallbackInfo& info) {
  const uint32_t id = info[0].ToNumber().Uint32Value();
  Napi::Array bytes = info[1].As<Napi::Array>();
  const double at = info[2].IsNumber() ? info[2].ToNumber().DoubleValue() : -1;
  MidiMsg m{};
  m.timed = at >= 0 ? 1u : 0u;
  m.at = at >= 0 ? static_cast<uint32_t>(at) : 0u;
  m.len = static_cast<uint8_t>(std::min<uint32_t>(3, bytes.Length()));
  for (uint8_t k = 0; k < m.len; ++k) m.bytes[k] = static_cast<uint8_t>(bytes.Get(k).ToNumber().Uint32Value());
  for (auto& slot : slots_) {
    if (slot->id == id) return Napi::Boolean::New(info.Env(), slot->midiJs.push(m));
  }
  return Napi::Boolean::New(info.Env(), false);
}

// dspStatus(id) -> { trap, cycles, earlyParams, droppedMidiIn } | null
JW_MAIN_THREAD Napi::Value ClientWrap::DspStatus(const Napi::CallbackInfo& info) {
  const uint32_t id = info[0].ToNumber().Uint32Value();
  for (auto& slot : slots_) {
    if (slot->id != id) continue;
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("trap", slot->trap.load());
    o.Set("cycles", static_cast<double>(slot->cycles.load()));
    o.Set("earlyParams", slot->earlyParams.load());
    o.Set("droppedMidiIn", slot->droppedMidiIn.load());
    return o;
  }
  return info.Env().Null();
}

// setWatchdog(budgetMs): how long one module may run in a cycle before it is
// interrupted with a timeout trap.
JW_MAIN_THREAD Napi::Value ClientWrap::SetWatchdog(const Napi::CallbackInfo& info) {
  WatchdogSignal();  // install the handler on the main thread, once
  wdBudgetNs_.store(static_cast<uint64_t>(info[0].ToNumber().DoubleValue() * 1e6));
  return info.Env().Undefined();
}

// recStart(inputPorts, frames) -> id (0 if the queue is full). The client must be active.
JW_MAIN_THREAD Napi::Value ClientWrap::RecStart(const Napi::CallbackInfo& info) {
  std::vector<jack_port_t*> ports;
  if (!client_ || !PortList(info[0], &ports)) return Napi::Number::New(info.Env(), 0);
  auto r = std::make_unique<Recorder>();
  r->id = nextRecId_++;
  r->ports = std::move(ports);
  r->frames = static_cast<uint64_t>(info[1].ToNumber().DoubleValue());
  r->data.assign(r->ports.size(), std::vector<float>(r->frames, 0.0f));
  if (!recIn_.push(r.get())) return Napi::Number::New(info.Env(), 0);
  const uint32_t id = r->id;
  recorders_.push_back(std::move(r));
  return Napi::Number::New(info.Env(), id);
}

// recPoll(id) -> null while recording, else { data: Float32Array[], startFrame }
JW_MAIN_THREAD Napi::Value ClientWrap::RecPoll(const Napi::CallbackInfo& info) {
  const uint32_t id = info[0].ToNumber().Uint32Value();
  for (auto it = recorders_.begin(); it != recorders_.end(); ++it) {
    Recorder* r = it->get();
    if (r->id != id) continue;
    if (!r->done.load(std::memory_order_acquire)) return info.Env().Null();
    Napi::Object o = Napi::Object::New(info.Env());
    Napi::Array arr = Napi::Array::New(info.Env(), r->data.size());
    for (size_t ch = 0; ch < r->data.size(); ++ch) {
      Napi::Float32Array a = Napi::Float32Array::New(info.Env(), r->frames);
      std::memcpy(a.Data(), r->data[ch].data(), r->frames * sizeof(float));
      arr.Set(static_cast<uint32_t>(ch), a);
    }
    o.Set("data", arr);
    o.Set("startFrame", static_cast<double>(r->startFrame));
    recorders_.erase(it);
    return o;
  }
  return info.Env().Undefined();
}

// dspCollect() -> number of items still waiting for the audio thread to let go
JW_MAIN_THREAD Napi::Value ClientWrap::DspCollect(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Collect(!active_ || !client_)));
}

}  // namespace jw
