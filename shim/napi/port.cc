#include "port.h"

#include <chrono>
#include <thread>

#include <jack/uuid.h>

#include <cstring>
#include <vector>

#include "addon-data.h"
#include "client.h"
#include "common.h"
#include "util.h"

namespace jw {

JW_MAIN_THREAD Napi::Function PortWrap::Init(Napi::Env env) {
  return DefineClass(env, "NativePort", {
      InstanceMethod("isValid", &PortWrap::IsValid),
      InstanceMethod("name", &PortWrap::Name),
      InstanceMethod("shortName", &PortWrap::ShortName),
      InstanceMethod("rename", &PortWrap::Rename),
      InstanceMethod("aliases", &PortWrap::Aliases),
      InstanceMethod("setAlias", &PortWrap::SetAlias),
      InstanceMethod("unsetAlias", &PortWrap::UnsetAlias),
      InstanceMethod("uuid", &PortWrap::Uuid),
      InstanceMethod("type", &PortWrap::Type),
      InstanceMethod("flags", &PortWrap::Flags),
      InstanceMethod("isMine", &PortWrap::IsMine),
      InstanceMethod("requestMonitor", &PortWrap::RequestMonitor),
      InstanceMethod("monitoringInput", &PortWrap::MonitoringInput),
      InstanceMethod("connections", &PortWrap::Connections),
      InstanceMethod("connectedCount", &PortWrap::ConnectedCount),
      InstanceMethod("connectedTo", &PortWrap::ConnectedTo),
      InstanceMethod("disconnectAll", &PortWrap::DisconnectAll),
      InstanceMethod("unregister", &PortWrap::Unregister),
      InstanceMethod("inUse", &PortWrap::InUse),
      InstanceMethod("getLatencyRange", &PortWrap::GetLatencyRange),
      InstanceMethod("setLatencyRange", &PortWrap::SetLatencyRange),
      InstanceMethod("equals", &PortWrap::Equals),
      InstanceMethod("follow", &PortWrap::Follow),
  });
}

JW_MAIN_THREAD Napi::Object PortWrap::NewInstance(Napi::Env env, Napi::Object clientObj,
                                                  ClientWrap* owner, jack_port_t* port) {
  Napi::Object obj = AddonData::Of(env)->portCtor.New({});
  PortWrap* self = PortWrap::Unwrap(obj);
  self->owner_ = owner;
  self->ownerRef_ = Napi::Persistent(clientObj);
  self->port_ = port;
  const char* name = jack_port_name(port);
  self->expectedName_ = name ? name : "";
  return obj;
}

JW_MAIN_THREAD PortWrap::PortWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PortWrap>(info) {}
JW_MAIN_THREAD PortWrap::~PortWrap() = default;

JW_MAIN_THREAD jack_port_t* PortWrap::handle() const {
  jack_client_t* c = owner_ ? owner_->handle() : nullptr;
  if (!c || !port_) return nullptr;
  // Rationale: in jackd2 a jack_port_t* is a slot index, reused after the
  // port is unregistered, and the port UUID is derived from that index too.
  // So the slot still holds our port only if it is registered under the name
  // we expect (renames update that name: see Rename and Follow).
  const char* name = jack_port_name(port_);
  if (!name || expectedName_ != name || jack_port_by_name(c, name) != port_) return nullptr;
  return port_;
}

// Every accessor bails out with null when the port is no longer usable; the
// TypeScript layer checks validity first and turns that into a JackError.
#define JW_PORT_OR_NULL()                              \
  jack_port_t* p = handle();                           \
  if (!p) return info.Env().Null();

JW_MAIN_THREAD Napi::Value PortWrap::IsValid(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), handle() != nullptr);
}

JW_MAIN_THREAD Napi::Value PortWrap::Name(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::String::New(info.Env(), jack_port_name(p));
}

JW_MAIN_THREAD Napi::Value PortWrap::ShortName(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::String::New(info.Env(), jack_port_short_name(p));
}

JW_MAIN_THREAD Napi::Value PortWrap::Rename(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  JW_ARG_STR(name, 0);
  int rc = jack_port_rename(owner_->handle(), p, name.c_str());
  if (rc == 0) {
    const char* now = jack_port_name(p);
    expectedName_ = now ? now : "";
  }
  return Napi::Number::New(info.Env(), rc);
}

JW_MAIN_THREAD Napi::Value PortWrap::Aliases(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  const int size = jack_port_name_size();
  std::vector<char> a(size, 0), b(size, 0);
  char* aliases[2] = {a.data(), b.data()};
  jack_port_get_aliases(p, aliases);
  // Rationale: jackd2 keeps the second alias in slot 1 after the first is
  // removed (and then counts 1), so read both slots rather than trust the count.
  Napi::Array arr = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (char* a : aliases)
    if (a[0] != '\0') arr.Set(n++, Napi::String::New(info.Env(), a));
  return arr;
}

JW_MAIN_THREAD Napi::Value PortWrap::SetAlias(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  JW_ARG_STR(alias, 0);
  return Napi::Number::New(info.Env(), jack_port_set_alias(p, alias.c_str()));
}

JW_MAIN_THREAD Napi::Value PortWrap::UnsetAlias(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  JW_ARG_STR(alias, 0);
  return Napi::Number::New(info.Env(), jack_port_unset_alias(p, alias.c_str()));
}

JW_MAIN_THREAD Napi::Value PortWrap::Uuid(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::String::New(info.Env(), UuidToString(jack_port_uuid(p)));
}

JW_MAIN_THREAD Napi::Value PortWrap::Type(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  const char* t = jack_port_type(p);
  return Napi::String::New(info.Env(), t ? t : "");
}

JW_MAIN_THREAD Napi::Value PortWrap::Flags(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_port_flags(p));
}

JW_MAIN_THREAD Napi::Value PortWrap::IsMine(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::Boolean::New(info.Env(), jack_port_is_mine(owner_->handle(), p) != 0);
}

JW_MAIN_THREAD Napi::Value PortWrap::RequestMonitor(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_port_request_monitor(p, info[0].ToBoolean().Value() ? 1 : 0));
}

JW_MAIN_THREAD Napi::Value PortWrap::MonitoringInput(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::Boolean::New(info.Env(), jack_port_monitoring_input(p) != 0);
}

JW_MAIN_THREAD Napi::Value PortWrap::Connections(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return TakeNameList(info.Env(), jack_port_get_all_connections(owner_->handle(), p));
}

JW_MAIN_THREAD Napi::Value PortWrap::ConnectedCount(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_port_connected(p));
}

JW_MAIN_THREAD Napi::Value PortWrap::ConnectedTo(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  JW_ARG_STR(other, 0);
  return Napi::Boolean::New(info.Env(), jack_port_connected_to(p, other.c_str()) != 0);
}

JW_MAIN_THREAD Napi::Value PortWrap::DisconnectAll(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_port_disconnect(owner_->handle(), p));
}

// inUse() -> whether a module, stream, output or tap of the engine uses the
// port (its own JS MIDI streams aside), or null when it is not usable.
JW_MAIN_THREAD Napi::Value PortWrap::InUse(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  Engine* e = owner_->engine();
  return Napi::Boolean::New(info.Env(), e && e->PortUsers(p, false) == Engine::PortUse::kLive);
}

// unregister() -> 0, JACK's error code, kPortInUse (a module, stream, output
// or tap of the engine uses it) or kPortRetiring (one removed just before
// still may be, and the audio thread did not let go within 200 ms).
JW_MAIN_THREAD Napi::Value PortWrap::Unregister(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  constexpr int kPortInUse = -100, kPortRetiring = -101;
  if (Engine* e = owner_->engine()) {
    // Rationale: something just removed (a MIDI stream closed by this very
    // unregister, a stream ended) may still be in the audio thread's graph
    // for the rest of its cycle; waiting at most a cycle or two here keeps
    // unregister() synchronous and never frees a port the audio thread uses.
    for (int waited = 0;; ++waited) {
      const Engine::PortUse use = e->PortUsers(p);
      if (use == Engine::PortUse::kFree) break;
      if (use == Engine::PortUse::kLive) return Napi::Number::New(info.Env(), kPortInUse);
      if (waited >= 200) return Napi::Number::New(info.Env(), kPortRetiring);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  owner_->RemoveOwnPort(p);
  int rc = jack_port_unregister(owner_->handle(), p);
  if (rc == 0) port_ = nullptr;
  return Napi::Number::New(info.Env(), rc);
}

JW_MAIN_THREAD Napi::Value PortWrap::GetLatencyRange(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  jack_latency_range_t range{0, 0};
  jack_latency_callback_mode_t mode =
      info[0].ToBoolean().Value() ? JackCaptureLatency : JackPlaybackLatency;
  jack_port_get_latency_range(p, mode, &range);
  Napi::Array arr = Napi::Array::New(info.Env(), 2);
  arr.Set(0u, Napi::Number::New(info.Env(), range.min));
  arr.Set(1u, Napi::Number::New(info.Env(), range.max));
  return arr;
}

JW_MAIN_THREAD Napi::Value PortWrap::SetLatencyRange(const Napi::CallbackInfo& info) {
  JW_PORT_OR_NULL();
  jack_latency_callback_mode_t mode =
      info[0].ToBoolean().Value() ? JackCaptureLatency : JackPlaybackLatency;
  JW_ARG_U32(lo, 1);
  JW_ARG_U32(hi, 2);
  jack_latency_range_t range{lo, hi};
  if (jack_port_is_mine(owner_->handle(), p)) owner_->SetLatencyOverride(p, mode == JackCaptureLatency, range);
  jack_port_set_latency_range(p, mode, &range);
  // Rationale: other clients only see a new range after the server recomputes.
  return Napi::Number::New(info.Env(), jack_recompute_total_latencies(owner_->handle()));
}

// follow(oldName, newName): a rename notification; keep tracking the port if
// it is the one that was renamed.
JW_MAIN_THREAD Napi::Value PortWrap::Follow(const Napi::CallbackInfo& info) {
  JW_ARG_STR(oldName, 0);
  JW_ARG_STR(newName, 1);
  jack_client_t* c = owner_ ? owner_->handle() : nullptr;
  if (!c || !port_ || expectedName_ != oldName) return Napi::Boolean::New(info.Env(), false);
  const char* now = jack_port_name(port_);
  if (!now || newName != now) return Napi::Boolean::New(info.Env(), false);
  expectedName_ = newName;
  return Napi::Boolean::New(info.Env(), true);
}

JW_MAIN_THREAD Napi::Value PortWrap::Equals(const Napi::CallbackInfo& info) {
  PortWrap* o = UnwrapChecked<PortWrap>(info[0], AddonData::Of(info.Env())->portCtor);
  if (!o) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), o->port_ != nullptr && o->port_ == port_);
}

}  // namespace jw
