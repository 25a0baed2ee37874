// NativeClient: construction, open/close, activation, ports and connections.
#include "client.h"

#include <jack/session.h>
#include <time.h>

#include <cstring>

#include "addon-data.h"
#include "common.h"
#include "port.h"
#include "util.h"

namespace jw {

JW_MAIN_THREAD Napi::Function ClientWrap::Init(Napi::Env env) {
  return DefineClass(env, "NativeClient", {
      InstanceMethod("open", &ClientWrap::Open),
      InstanceMethod("close", &ClientWrap::Close),
      InstanceMethod("isOpen", &ClientWrap::IsOpen),
      InstanceMethod("isServerGone", &ClientWrap::IsServerGone),
      InstanceMethod("isFreewheeling", &ClientWrap::IsFreewheeling),
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
      InstanceMethod("dspSwap", &ClientWrap::DspSwap),
      InstanceMethod("midiOpen", &ClientWrap::MidiOpen),
      InstanceMethod("streamOpen", &ClientWrap::StreamOpen),
      InstanceMethod("outOpen", &ClientWrap::OutOpen),
      InstanceMethod("outClose", &ClientWrap::OutClose),
      InstanceMethod("streamClose", &ClientWrap::StreamClose),
      InstanceMethod("streamStats", &ClientWrap::StreamStats),
      InstanceMethod("midiClose", &ClientWrap::MidiClose),
      InstanceMethod("midiWrite", &ClientWrap::MidiWrite),
      InstanceMethod("midiRead", &ClientWrap::MidiRead),
      InstanceMethod("midiStats", &ClientWrap::MidiStats),
      InstanceMethod("dspSetParam", &ClientWrap::DspSetParam),
      InstanceMethod("dspSendMidi", &ClientWrap::DspSendMidi),
      InstanceMethod("dspPostBuffer", &ClientWrap::DspPostBuffer),
      InstanceMethod("dspRingRead", &ClientWrap::DspRingRead),
      InstanceMethod("dspRingWrite", &ClientWrap::DspRingWrite),
      InstanceMethod("dspRingSpace", &ClientWrap::DspRingSpace),
      InstanceMethod("dspStatus", &ClientWrap::DspStatus),
      InstanceMethod("dspCollect", &ClientWrap::DspCollect),
      InstanceMethod("setWatchdog", &ClientWrap::SetWatchdog),
      InstanceMethod("setOverrunPolicy", &ClientWrap::SetOverrunPolicy),
      InstanceMethod("recStart", &ClientWrap::RecStart),
      InstanceMethod("recPoll", &ClientWrap::RecPoll),
  });
}

// --- construction / open / close ------------------------------------------

JW_MAIN_THREAD ClientWrap::ClientWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ClientWrap>(info) {
  Napi::Env env = info.Env();
  data_ = AddonData::Of(env);
  Napi::Function onEvent;
  if (!ArgFunction(info, 0, &onEvent)) return;
  tsfn_ = Napi::ThreadSafeFunction::New(env, onEvent, "jackwasm-client-events", 0, 1);
  // Rationale: an open client must not keep the process alive by itself.
  tsfn_.Unref(env);
  tsfnLive_ = true;
  engine_ = std::make_unique<Engine>(&data_->exiting);
}

JW_MAIN_THREAD ClientWrap::~ClientWrap() {
  // Garbage-collected while still open: close synchronously here (the TS
  // layer closes explicitly; this is only the safety net).
  if (client_) {
    data_->openClients.erase(this);
    jack_client_t* c = client_;
    client_ = nullptr;
    CloseHandle(this, c);
  }
  if (tsfnLive_) {
    tsfn_.Release();
    tsfnLive_ = false;
  }
  ReleaseAfterClose();
}

class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, ClientWrap* self, Napi::Object selfObj, std::string name, int options, std::string serverName,
             std::string sessionId)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), self_(self), name_(std::move(name)),
        options_(options), serverName_(std::move(serverName)), sessionId_(std::move(sessionId)) {
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
      self_->data_->openClients.insert(self_);
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

// open(name, options, serverName | null, sessionId | null) -> Promise<{ ok, status }>
JW_MAIN_THREAD Napi::Value ClientWrap::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (client_ || closing_ || !tsfnLive_) {
    Napi::Error::New(env, "NativeClient.open: already opened").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  JW_ARG_STR(name, 0);
  JW_ARG_I32(options, 1);
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
  // A module stuck in the process callback is interrupted by the watchdog
  // within its budget, so this returns.
  jack_client_close(c);
  self->StopDrain();
}

JW_MAIN_THREAD void ClientWrap::ReleaseAfterClose() {
  // The audio thread is gone: every slot, graph and tap can be freed.
  if (engine_) engine_->ReleaseAll();
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
    self_->ReleaseAfterClose();
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
  data_->openClients.erase(this);
  auto* w = new CloseWorker(env, this, info.This().As<Napi::Object>(), c);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

JW_MAIN_THREAD void ClientWrap::CloseAllAtExit(AddonData* data) {
  std::set<ClientWrap*> clients(data->openClients);
  data->openClients.clear();
  for (ClientWrap* w : clients) {
    jack_client_t* c = w->client_;
    w->client_ = nullptr;
    w->active_ = false;
    if (c) CloseHandle(w, c);
    w->ReleaseAfterClose();
    if (w->tsfnLive_) {
      w->tsfn_.Abort();
      w->tsfnLive_ = false;
    }
  }
}

// --- simple accessors ---------------------------------------------------------

#define JW_CLIENT_OR_NULL()   \
  jack_client_t* c = client_; \
  if (!c) return info.Env().Null()

JW_MAIN_THREAD Napi::Value ClientWrap::IsOpen(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), client_ != nullptr);
}
// Whether the server is freewheeling (as its last freewheel callback said).
JW_MAIN_THREAD Napi::Value ClientWrap::IsFreewheeling(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), freewheeling_.load());
}

JW_MAIN_THREAD Napi::Value ClientWrap::IsServerGone(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), serverGone_.load());
}
JW_MAIN_THREAD Napi::Value ClientWrap::Name(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::String::New(info.Env(), jack_get_client_name(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::Uuid(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  char* u = jack_client_get_uuid(c);
  if (!u) return info.Env().Null();
  Napi::String s = Napi::String::New(info.Env(), u);
  jack_free(u);
  return s;
}
JW_MAIN_THREAD Napi::Value ClientWrap::SampleRate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_get_sample_rate(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::BufferSize(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_get_buffer_size(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::SetBufferSize(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_U32(n, 0);
  return Napi::Number::New(info.Env(), jack_set_buffer_size(c, n));
}
JW_MAIN_THREAD Napi::Value ClientWrap::IsRealtime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Boolean::New(info.Env(), jack_is_realtime(c) != 0);
}
JW_MAIN_THREAD Napi::Value ClientWrap::CpuLoad(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_cpu_load(c));
}

JW_MAIN_THREAD Napi::Value ClientWrap::Activate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  engine_->SetRunning(true);
  const int rc = jack_activate(c);
  if (rc == 0) {
    active_ = true;
    StartDrain();
  } else {
    engine_->SetRunning(false);
  }
  return Napi::Number::New(info.Env(), rc);
}
JW_MAIN_THREAD Napi::Value ClientWrap::Deactivate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  const int rc = jack_deactivate(c);
  if (rc == 0) {
    active_ = false;
    // The process callback no longer runs.
    engine_->SetRunning(false);
    engine_->Collect();
  }
  return Napi::Number::New(info.Env(), rc);
}
JW_MAIN_THREAD Napi::Value ClientWrap::IsActive(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), client_ != nullptr && active_);
}

// portRegister(shortName, type, flags) -> NativePort | null
JW_MAIN_THREAD Napi::Value ClientWrap::PortRegister(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_STR(name, 0);
  JW_ARG_STR(type, 1);
  JW_ARG_U32(flags, 2);
  jack_port_t* p = jack_port_register(c, name.c_str(), type.c_str(), flags, 0);
  if (!p) return info.Env().Null();
  AddOwnPort(p);
  return PortWrap::NewInstance(info.Env(), info.This().As<Napi::Object>(), this, p);
}

JW_MAIN_THREAD Napi::Value ClientWrap::PortByName(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_STR(name, 0);
  jack_port_t* p = jack_port_by_name(c, name.c_str());
  if (!p) return info.Env().Null();
  return PortWrap::NewInstance(info.Env(), info.This().As<Napi::Object>(), this, p);
}

// getPorts(typePattern | null, flags) -> string[]; name filtering is done in
// TypeScript with JS regular expressions.
JW_MAIN_THREAD Napi::Value ClientWrap::GetPorts(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  std::string type = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  JW_ARG_U32(flags, 1);
  return TakeNameList(info.Env(), jack_get_ports(c, nullptr, type.empty() ? nullptr : type.c_str(), flags));
}

JW_MAIN_THREAD Napi::Value ClientWrap::Connect(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_STR(a, 0);
  JW_ARG_STR(b, 1);
  return Napi::Number::New(info.Env(), jack_connect(c, a.c_str(), b.c_str()));
}

JW_MAIN_THREAD Napi::Value ClientWrap::Disconnect(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_STR(a, 0);
  JW_ARG_STR(b, 1);
  return Napi::Number::New(info.Env(), jack_disconnect(c, a.c_str(), b.c_str()));
}

JW_MAIN_THREAD Napi::Value ClientWrap::SetFreewheel(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_set_freewheel(c, info[0].ToBoolean().Value() ? 1 : 0));
}

// stats() -> { timebaseCalls, rtDropped, engineDropped }: counters for diagnostics.
JW_MAIN_THREAD Napi::Value ClientWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("timebaseCalls", Napi::Number::New(info.Env(), static_cast<double>(timebaseCalls_.load())));
  o.Set("rtDropped", Napi::Number::New(info.Env(), rtDropped_.load() + engine_->DroppedEvents()));
  o.Set("watchdogInterrupts", Napi::Number::New(info.Env(), static_cast<double>(engine_->cell()->interrupts.load())));
  const Engine::CycleStats cs = engine_->cycleStats();
  Napi::Object c = Napi::Object::New(info.Env());
  c.Set("cycles", static_cast<double>(cs.cycles));
  c.Set("totalNs", static_cast<double>(cs.totalNs));
  c.Set("minNs", static_cast<double>(cs.minNs));
  c.Set("overPeriod", static_cast<double>(cs.overPeriod));
  c.Set("maxNs", static_cast<double>(cs.maxNs));
  Napi::Array b = Napi::Array::New(info.Env(), Engine::kCycleBuckets);
  for (int i = 0; i < Engine::kCycleBuckets; ++i) b.Set(static_cast<uint32_t>(i), static_cast<double>(cs.buckets[i]));
  c.Set("histogram", b);
  Napi::Array f = Napi::Array::New(info.Env(), Engine::kCycleFineBuckets);
  for (int i = 0; i < Engine::kCycleFineBuckets; ++i) f.Set(static_cast<uint32_t>(i), static_cast<double>(cs.fine[i]));
  c.Set("fine", f);
  o.Set("process", c);
  return o;
}

}  // namespace jw
