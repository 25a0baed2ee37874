// Module entry point and the module-level (client-less) JACK functions.
#include <jack/jack.h>
#include <jack/metadata.h>
#include <jack/uuid.h>
#include <napi.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "client.h"
#include "dsp.h"
#include "common.h"
#include "port.h"
#include "rtcheck.h"
#include "threads.h"

namespace jw {
Napi::Value RtcheckSnapshot(const Napi::CallbackInfo& info);
Napi::Value RtcheckCanary(const Napi::CallbackInfo& info);
namespace {

// --- error / info functions ----------------------------------------------
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

void DeliverMessage(Napi::Env env, Napi::Function fn, std::string* msg) {
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

JW_MAIN_THREAD void SetSink(const Napi::CallbackInfo& info, MessageSink& sink, const char* label) {
  std::lock_guard<std::mutex> lock(sink.mu);
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
  SetSink(info, gErrorSink, "jackwasm-error-function");
  jack_set_error_function(ErrorCallback);
  return info.Env().Undefined();
}

JW_MAIN_THREAD Napi::Value SetInfoFunction(const Napi::CallbackInfo& info) {
  SetSink(info, gInfoSink, "jackwasm-info-function");
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

// --- metadata (no client needed) ------------------------------------------

JW_MAIN_THREAD Napi::Array PropertiesToArray(Napi::Env env, const jack_description_t& d) {
  Napi::Array arr = Napi::Array::New(env, d.property_cnt);
  for (uint32_t i = 0; i < d.property_cnt; ++i) {
    const jack_property_t& p = d.properties[i];
    Napi::Array entry = Napi::Array::New(env, 3);
    entry.Set(0u, Napi::String::New(env, p.key ? p.key : ""));
    entry.Set(1u, Napi::String::New(env, p.data ? p.data : ""));
    entry.Set(2u, Napi::String::New(env, p.type ? p.type : ""));
    arr.Set(i, entry);
  }
  return arr;
}

// getProperty(uuid, key) -> [value, type] | null
JW_MAIN_THREAD Napi::Value GetProperty(const Napi::CallbackInfo& info) {
  jack_uuid_t subject;
  if (!ParseUuid(info[0].As<Napi::String>().Utf8Value(), &subject)) return info.Env().Null();
  std::string key = info[1].As<Napi::String>().Utf8Value();
  char* value = nullptr;
  char* type = nullptr;
  if (jack_get_property(subject, key.c_str(), &value, &type) != 0) return info.Env().Null();
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, Napi::String::New(info.Env(), value ? value : ""));
  a.Set(1u, Napi::String::New(info.Env(), type ? type : ""));
  if (value) jack_free(value);
  if (type) jack_free(type);
  return a;
}

// getProperties(uuid) -> [key, value, type][]
JW_MAIN_THREAD Napi::Value GetProperties(const Napi::CallbackInfo& info) {
  jack_uuid_t subject;
  if (!ParseUuid(info[0].As<Napi::String>().Utf8Value(), &subject)) return info.Env().Null();
  jack_description_t desc{};
  if (jack_get_properties(subject, &desc) < 0) return Napi::Array::New(info.Env());
  Napi::Array arr = PropertiesToArray(info.Env(), desc);
  jack_free_description(&desc, 0);
  return arr;
}

// getAllProperties() -> [uuid, [key, value, type][]][]
JW_MAIN_THREAD Napi::Value GetAllProperties(const Napi::CallbackInfo& info) {
  jack_description_t* descs = nullptr;
  int n = jack_get_all_properties(&descs);
  Napi::Array arr = Napi::Array::New(info.Env());
  if (n <= 0 || !descs) return arr;
  for (int i = 0; i < n; ++i) {
    Napi::Array entry = Napi::Array::New(info.Env(), 2);
    entry.Set(0u, Napi::String::New(info.Env(), UuidToString(descs[i].subject)));
    entry.Set(1u, PropertiesToArray(info.Env(), descs[i]));
    arr.Set(static_cast<uint32_t>(i), entry);
    jack_free_description(&descs[i], 0);
  }
  jack_free(descs);
  return arr;
}

// trapInfo(code) -> { kind, text }: the one table of trap names (dsp.cc).
JW_MAIN_THREAD Napi::Value TrapInfo(const Napi::CallbackInfo& info) {
  const int code = info[0].ToNumber().Int32Value();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("kind", TrapId(code));
  o.Set("text", TrapKind(code));
  return o;
}

JW_MAIN_THREAD void AtExit(void*) {
  ClientWrap::CloseAllAtExit();
  for (MessageSink* s : {&gErrorSink, &gInfoSink}) {
    std::lock_guard<std::mutex> lock(s->mu);
    if (s->live) {
      s->tsfn.Abort();
      s->live = false;
    }
  }
}

JW_MAIN_THREAD Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeClient", ClientWrap::Init(env));
  exports.Set("NativePort", PortWrap::Init(env));
  exports.Set("NativeDsp", DspWrap::Init(env));
  exports.Set("dspLoad", Napi::Function::New(env, DspLoad));
  exports.Set("trapInfo", Napi::Function::New(env, TrapInfo));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("versionString", Napi::Function::New(env, VersionString));
  exports.Set("clientNameSize", Napi::Function::New(env, ClientNameSize));
  exports.Set("portNameSize", Napi::Function::New(env, PortNameSize));
  exports.Set("portTypeSize", Napi::Function::New(env, PortTypeSize));
  exports.Set("setErrorFunction", Napi::Function::New(env, SetErrorFunction));
  exports.Set("setInfoFunction", Napi::Function::New(env, SetInfoFunction));
  exports.Set("getProperty", Napi::Function::New(env, GetProperty));
  exports.Set("getProperties", Napi::Function::New(env, GetProperties));
  exports.Set("getAllProperties", Napi::Function::New(env, GetAllProperties));
  exports.Set("rtcheck", Napi::Function::New(env, RtcheckSnapshot));
  exports.Set("rtcheckCanary", Napi::Function::New(env, RtcheckCanary));

  Napi::Object c = Napi::Object::New(env);
  c.Set("DEFAULT_AUDIO_TYPE", JACK_DEFAULT_AUDIO_TYPE);
  c.Set("DEFAULT_MIDI_TYPE", JACK_DEFAULT_MIDI_TYPE);
  c.Set("PortIsInput", static_cast<double>(JackPortIsInput));
  c.Set("PortIsOutput", static_cast<double>(JackPortIsOutput));
  c.Set("PortIsPhysical", static_cast<double>(JackPortIsPhysical));
  c.Set("PortCanMonitor", static_cast<double>(JackPortCanMonitor));
  c.Set("PortIsTerminal", static_cast<double>(JackPortIsTerminal));
  c.Set("UseExactName", static_cast<double>(JackUseExactName));
  c.Set("NoStartServer", static_cast<double>(JackNoStartServer));
  Napi::Object keys = Napi::Object::New(env);
  keys.Set("CONNECTED", JACK_METADATA_CONNECTED);
  keys.Set("EVENT_TYPES", JACK_METADATA_EVENT_TYPES);
  keys.Set("HARDWARE", JACK_METADATA_HARDWARE);
  keys.Set("ICON_LARGE", JACK_METADATA_ICON_LARGE);
  keys.Set("ICON_NAME", JACK_METADATA_ICON_NAME);
  keys.Set("ICON_SMALL", JACK_METADATA_ICON_SMALL);
  keys.Set("ORDER", JACK_METADATA_ORDER);
  keys.Set("PRETTY_NAME", JACK_METADATA_PRETTY_NAME);
  keys.Set("PORT_GROUP", JACK_METADATA_PORT_GROUP);
  keys.Set("SIGNAL_TYPE", JACK_METADATA_SIGNAL_TYPE);
  c.Set("metadata", keys);
  exports.Set("constants", c);

  napi_add_env_cleanup_hook(env, AtExit, nullptr);
  return exports;
}

}  // namespace
}  // namespace jw

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return jw::Init(env, exports); }
NODE_API_MODULE(jackwasm, InitAddon)
