// Metadata functions that need no client (jack_get_property and friends).
#include <jack/jack.h>
#include <jack/metadata.h>
#include <jack/uuid.h>
#include <napi.h>

#include "../threads.h"
#include "common.h"
#include "util.h"

namespace jw {
namespace {

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
  JW_ARG_STR(uuid, 0);
  JW_ARG_STR(key, 1);
  if (!ParseUuid(uuid, &subject)) return info.Env().Null();
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
  JW_ARG_STR(uuid, 0);
  if (!ParseUuid(uuid, &subject)) return info.Env().Null();
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

}  // namespace

JW_MAIN_THREAD void RegisterMetadata(Napi::Env env, Napi::Object exports) {
  exports.Set("getProperty", Napi::Function::New(env, GetProperty));
  exports.Set("getProperties", Napi::Function::New(env, GetProperties));
  exports.Set("getAllProperties", Napi::Function::New(env, GetAllProperties));
}

}  // namespace jw
