// Module-level JACK functions that need no client: libjack's error and
// info functions, and version and size queries.
#include <jack/jack.h>
#include <napi.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "no-cancel.h"
#include "../rtcheck.h"
#include "../threads.h"

namespace jw {
namespace {

// --- error / info functions ----------------------------------------------
// Rationale for process-wide state: libjack's error and info functions are
// process-wide (plain C callbacks without a context pointer), so the sinks
// are too; each remembers the environment that installed it.
// JACK may report from any thread, so messages go through a threadsafe
// function. Rationale: JACK only reports errors from the audio thread when
// something is already badly wrong (server gone); normal operation never
// takes this path there.
struct MessageSink {
  std::mutex mu;  // guards tsfn replacement; never taken by the audio thread in normal operation
  Napi::ThreadSafeFunction tsfn;
  bool live = false;
};
MessageSink gErrorSink, gInfoSink;
// The environment that installed each sink: only it may release it.
napi_env gErrorOwner = nullptr, gInfoOwner = nullptr;

JW_MAIN_THREAD void DeliverMessage(Napi::Env env, Napi::Function fn, std::string* msg) {
  if (env != nullptr && fn != nullptr) {
    fn.Call({Napi::String::New(env, *msg)});
    if (env.IsExceptionPending()) {
      Napi::Error err = env.GetAndClearPendingException();
      napi_fatal_exception(env, err.Value());
    }
  }
  delete msg;
}

JW_ANY_THREAD void Forward(MessageSink& sink, const char* msg) {
  NoCancel noCancel;  // libjack threads call this and may be cancelled
  std::lock_guard<std::mutex> lock(sink.mu);
  if (!sink.live) {
    std::fprintf(stderr, "%s\n", msg);
    return;
  }
  jw_rt_note_napi();
  auto* s = new std::string(msg ? msg : "");
  if (sink.tsfn.NonBlockingCall(s, DeliverMessage) != napi_ok) delete s;
}

JW_ANY_THREAD void ErrorCallback(const char* msg) { Forward(gErrorSink, msg); }
JW_ANY_THREAD void InfoCallback(const char* msg) { Forward(gInfoSink, msg); }

JW_MAIN_THREAD void SetSink(const Napi::CallbackInfo& info, MessageSink& sink, napi_env& owner, const char* label) {
  std::lock_guard<std::mutex> lock(sink.mu);
  owner = info.Env();
  if (sink.live) {
    sink.tsfn.Release();
    sink.live = false;
  }
  if (info[0].IsFunction()) {
    sink.tsfn = Napi::ThreadSafeFunction::New(info.Env(), info[0].As<Napi::Function>(), label, 0, 1);
    sink.tsfn.Unref(info.Env());
    sink.live = true;
  }
}

JW_MAIN_THREAD Napi::Value SetErrorFunction(const Napi::CallbackInfo& info) {
  SetSink(info, gErrorSink, gErrorOwner, "jackwasm-error-function");
  jack_set_error_function(ErrorCallback);
  return info.Env().Undefined();
}

JW_MAIN_THREAD Napi::Value SetInfoFunction(const Napi::CallbackInfo& info) {
  SetSink(info, gInfoSink, gInfoOwner, "jackwasm-info-function");
  jack_set_info_function(InfoCallback);
  return info.Env().Undefined();
}

// --- version / sizes -------------------------------------------------------

JW_MAIN_THREAD Napi::Value Version(const Napi::CallbackInfo& info) {
  int major = 0, minor = 0, micro = 0, proto = 0;
  jack_get_version(&major, &minor, &micro, &proto);
  Napi::Array a = Napi::Array::New(info.Env(), 4);
  a.Set(0u, Napi::Number::New(info.Env(), major));
  a.Set(1u, Napi::Number::New(info.Env(), minor));
  a.Set(2u, Napi::Number::New(info.Env(), micro));
  a.Set(3u, Napi::Number::New(info.Env(), proto));
  return a;
}
JW_MAIN_THREAD Napi::Value VersionString(const Napi::CallbackInfo& info) {
  const char* v = jack_get_version_string();
  return Napi::String::New(info.Env(), v ? v : "");
}
JW_MAIN_THREAD Napi::Value ClientNameSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), jack_client_name_size());
}
JW_MAIN_THREAD Napi::Value PortNameSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), jack_port_name_size());
}
JW_MAIN_THREAD Napi::Value PortTypeSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), jack_port_type_size());
}

}  // namespace

JW_MAIN_THREAD void RegisterJackGlobals(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("versionString", Napi::Function::New(env, VersionString));
  exports.Set("clientNameSize", Napi::Function::New(env, ClientNameSize));
  exports.Set("portNameSize", Napi::Function::New(env, PortNameSize));
  exports.Set("portTypeSize", Napi::Function::New(env, PortTypeSize));
  exports.Set("setErrorFunction", Napi::Function::New(env, SetErrorFunction));
  exports.Set("setInfoFunction", Napi::Function::New(env, SetInfoFunction));
}

JW_MAIN_THREAD void ReleaseJackGlobals(napi_env env) {
  struct Entry {
    MessageSink* sink;
    napi_env* owner;
  };
  for (Entry e : {Entry{&gErrorSink, &gErrorOwner}, Entry{&gInfoSink, &gInfoOwner}}) {
    std::lock_guard<std::mutex> lock(e.sink->mu);
    if (e.sink->live && *e.owner == env) {
      e.sink->tsfn.Abort();
      e.sink->live = false;
      *e.owner = nullptr;
    }
  }
}

}  // namespace jw
