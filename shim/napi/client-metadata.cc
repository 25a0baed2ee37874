// NativeClient: metadata (properties on UUIDs) and UUID/name lookups.
#include <jack/metadata.h>
#include <jack/uuid.h>

#include "client.h"
#include "common.h"
#include "util.h"

namespace jw {

#define JW_CLIENT_OR_NULL()   \
  jack_client_t* c = client_; \
  if (!c) return info.Env().Null()

namespace {
bool UuidArg(const Napi::Value& v, jack_uuid_t* out) { return v.IsString() && ParseUuid(v.As<Napi::String>().Utf8Value(), out); }
}  // namespace

// setProperty(subject, key, value, type | null) -> rc (-1 for a malformed UUID)
JW_MAIN_THREAD Napi::Value ClientWrap::SetProperty(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_uuid_t subject;
  if (!UuidArg(info[0], &subject)) return Napi::Number::New(info.Env(), -1);
  JW_ARG_STR(key, 1);
  JW_ARG_STR(value, 2);
  std::string type = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
  return Napi::Number::New(info.Env(), jack_set_property(c, subject, key.c_str(), value.c_str(), type.empty() ? nullptr : type.c_str()));
}
JW_MAIN_THREAD Napi::Value ClientWrap::RemoveProperty(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_uuid_t subject;
  if (!UuidArg(info[0], &subject)) return Napi::Number::New(info.Env(), -1);
  JW_ARG_STR(key, 1);
  return Napi::Number::New(info.Env(), jack_remove_property(c, subject, key.c_str()));
}
JW_MAIN_THREAD Napi::Value ClientWrap::RemoveProperties(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_uuid_t subject;
  if (!UuidArg(info[0], &subject)) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), jack_remove_properties(c, subject));
}
JW_MAIN_THREAD Napi::Value ClientWrap::RemoveAllProperties(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_remove_all_properties(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::UuidForClientName(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_STR(name, 0);
  char* u = jack_get_uuid_for_client_name(c, name.c_str());
  if (!u) return info.Env().Null();
  Napi::String s = Napi::String::New(info.Env(), u);
  jack_free(u);
  return s;
}
JW_MAIN_THREAD Napi::Value ClientWrap::ClientNameByUuid(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_STR(uuid, 0);
  char* n = jack_get_client_name_by_uuid(c, uuid.c_str());
  if (!n) return info.Env().Null();
  Napi::String s = Napi::String::New(info.Env(), n);
  jack_free(n);
  return s;
}

}  // namespace jw
