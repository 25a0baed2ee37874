#include "util.h"

#include <cmath>

namespace jw {

JW_MAIN_THREAD bool TypeErrorFalse(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, "jackwasm native: " + message).ThrowAsJavaScriptException();
  return false;
}

JW_MAIN_THREAD static bool Bad(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return TypeErrorFalse(info.Env(), "argument " + std::to_string(i) + " must be " + what);
}

JW_MAIN_THREAD bool ArgString(const Napi::CallbackInfo& info, size_t i, std::string* out) {
  if (!info[i].IsString()) return Bad(info, i, "a string");
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

JW_MAIN_THREAD bool ArgNumber(const Napi::CallbackInfo& info, size_t i, double* out) {
  if (!info[i].IsNumber()) return Bad(info, i, "a number");
  *out = info[i].As<Napi::Number>().DoubleValue();
  return true;
}

JW_MAIN_THREAD bool ArgInt32(const Napi::CallbackInfo& info, size_t i, int32_t* out) {
  double d = 0;
  if (!info[i].IsNumber() || !std::isfinite(d = info[i].As<Napi::Number>().DoubleValue()) || d != std::floor(d) ||
      d < -2147483648.0 || d > 2147483647.0)
    return Bad(info, i, "a 32-bit integer");
  *out = static_cast<int32_t>(d);
  return true;
}

JW_MAIN_THREAD bool ArgUint32(const Napi::CallbackInfo& info, size_t i, uint32_t* out) {
  double d = 0;
  if (!info[i].IsNumber() || !std::isfinite(d = info[i].As<Napi::Number>().DoubleValue()) || d != std::floor(d) || d < 0 ||
      d > 4294967295.0)
    return Bad(info, i, "an unsigned 32-bit integer");
  *out = static_cast<uint32_t>(d);
  return true;
}

JW_MAIN_THREAD bool ArgArray(const Napi::CallbackInfo& info, size_t i, Napi::Array* out) {
  if (!info[i].IsArray()) return Bad(info, i, "an array");
  *out = info[i].As<Napi::Array>();
  return true;
}

JW_MAIN_THREAD bool ArgFunction(const Napi::CallbackInfo& info, size_t i, Napi::Function* out) {
  if (!info[i].IsFunction()) return Bad(info, i, "a function");
  *out = info[i].As<Napi::Function>();
  return true;
}

}  // namespace jw
