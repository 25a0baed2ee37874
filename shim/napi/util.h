// N-API helpers: argument checks and checked unwraps. The TypeScript layer
// validates everything users pass; these turn a wrong internal call into a
// TypeError instead of undefined behaviour.
#pragma once
#include <napi.h>

#include <string>

#include "../threads.h"

namespace jw {

// [main-thread] Each returns false after throwing a TypeError that names the
// argument; the caller then returns at once.
bool ArgString(const Napi::CallbackInfo& info, size_t i, std::string* out);
bool ArgNumber(const Napi::CallbackInfo& info, size_t i, double* out);
bool ArgInt32(const Napi::CallbackInfo& info, size_t i, int32_t* out);
bool ArgUint32(const Napi::CallbackInfo& info, size_t i, uint32_t* out);
bool ArgArray(const Napi::CallbackInfo& info, size_t i, Napi::Array* out);
bool ArgFunction(const Napi::CallbackInfo& info, size_t i, Napi::Function* out);
// [main-thread] Throws a TypeError with `message`; returns false.
bool TypeErrorFalse(Napi::Env env, const std::string& message);

// [main-thread] The wrapped object of class W inside `v`, or null when `v`
// is not an instance of `ctor` (checked with instanceof, so a foreign object
// is never reinterpreted).
template <typename W>
W* UnwrapChecked(const Napi::Value& v, const Napi::FunctionReference& ctor) {
  if (!v.IsObject() || ctor.IsEmpty()) return nullptr;
  bool is = false;
  if (napi_instanceof(v.Env(), v, ctor.Value(), &is) != napi_ok || !is) return nullptr;
  return W::Unwrap(v.As<Napi::Object>());
}

}  // namespace jw

// Argument shorthands for method bodies: declare `var` from info[i] or
// return after a TypeError.
#define JW_ARG_STR(var, i)              \
  std::string var;                      \
  if (!::jw::ArgString(info, i, &var)) return info.Env().Undefined()
#define JW_ARG_NUM(var, i)              \
  double var = 0;                       \
  if (!::jw::ArgNumber(info, i, &var)) return info.Env().Undefined()
#define JW_ARG_I32(var, i)              \
  int32_t var = 0;                      \
  if (!::jw::ArgInt32(info, i, &var)) return info.Env().Undefined()
#define JW_ARG_U32(var, i)              \
  uint32_t var = 0;                     \
  if (!::jw::ArgUint32(info, i, &var)) return info.Env().Undefined()
