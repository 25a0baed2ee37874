// NativePort: the one native wrapper around jack_port_t. It holds a strong
// reference to its NativeClient, and is usable only while that client is open
// (and, for own ports, until unregistered).
#pragma once
#include <jack/jack.h>
#include <string>
#include <napi.h>

#include "../threads.h"

namespace jw {

class ClientWrap;

class PortWrap : public Napi::ObjectWrap<PortWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  // [main-thread]
  static Napi::Object NewInstance(Napi::Env env, Napi::Object clientObj, ClientWrap* owner,
                                  jack_port_t* port);
  explicit PortWrap(const Napi::CallbackInfo& info);
  ~PortWrap() override;

  // [main-thread] The port handle if usable (client open, not unregistered).
  jack_port_t* handle() const;
  ClientWrap* owner() const { return owner_; }

 private:
  Napi::Value IsValid(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value ShortName(const Napi::CallbackInfo& info);
  Napi::Value Rename(const Napi::CallbackInfo& info);
  Napi::Value Aliases(const Napi::CallbackInfo& info);
  Napi::Value SetAlias(const Napi::CallbackInfo& info);
  Napi::Value UnsetAlias(const Napi::CallbackInfo& info);
  Napi::Value Uuid(const Napi::CallbackInfo& info);
  Napi::Value Type(const Napi::CallbackInfo& info);
  Napi::Value Flags(const Napi::CallbackInfo& info);
  Napi::Value IsMine(const Napi::CallbackInfo& info);
  Napi::Value RequestMonitor(const Napi::CallbackInfo& info);
  Napi::Value MonitoringInput(const Napi::CallbackInfo& info);
  Napi::Value Connections(const Napi::CallbackInfo& info);
  Napi::Value ConnectedCount(const Napi::CallbackInfo& info);
  Napi::Value ConnectedTo(const Napi::CallbackInfo& info);
  Napi::Value DisconnectAll(const Napi::CallbackInfo& info);
  Napi::Value InUse(const Napi::CallbackInfo& info);
  Napi::Value Unregister(const Napi::CallbackInfo& info);
  Napi::Value GetLatencyRange(const Napi::CallbackInfo& info);
  Napi::Value SetLatencyRange(const Napi::CallbackInfo& info);
  Napi::Value Equals(const Napi::CallbackInfo& info);
  Napi::Value Follow(const Napi::CallbackInfo& info);

  ClientWrap* owner_ = nullptr;
  Napi::ObjectReference ownerRef_;
  jack_port_t* port_ = nullptr;
  std::string expectedName_;  // with port_, identifies the registration (see handle())
};

}  // namespace jw
