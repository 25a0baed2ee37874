// NativeDsp's buffer calls (engine/buffers.h): writing audio from JS into a
// region of a module's buffer slot, and carrying a slot to a swap's
// successor. Which region may be written is the host's protocol
// (host/dsp/module-buffers.ts); here, only bounds.
#include "addon-data.h"
#include "dsp.h"
#include "util.h"

namespace jw {

// writeBuffer(slot, region, channels: Float32Array[]) -> frames written.
// Copies each array (all of one length, at most the slot's capacity) into
// region `region` (0 or 1). Not while a worker calls into the instance.
JW_MAIN_THREAD Napi::Value DspWrap::WriteBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!dsp_ || busy_) {
    Napi::Error::New(env, "NativeDsp.writeBuffer: instance is disposed or busy").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  JW_ARG_U32(slot, 0);
  JW_ARG_U32(region, 1);
  if (slot >= dsp_->buffers().size() || region > 1) return TypeErrorFalse(env, "writeBuffer: slot or region out of range"), env.Undefined();
  const BufferSlot& b = dsp_->buffers()[slot];
  if (!info[2].IsArray()) return TypeErrorFalse(env, "writeBuffer: channels must be an array of Float32Arrays"), env.Undefined();
  Napi::Array arr = info[2].As<Napi::Array>();
  const uint32_t nch = arr.Length();
  if (nch < 1 || nch > b.channels) return TypeErrorFalse(env, "writeBuffer: channel count out of range"), env.Undefined();
  const float* ptrs[kMaxBufferChannels];
  size_t frames = 0;
  for (uint32_t c = 0; c < nch; ++c) {
    Napi::Value v = arr.Get(c);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      return TypeErrorFalse(env, "writeBuffer: channels must be Float32Arrays"), env.Undefined();
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    if (c == 0) frames = a.ElementLength();
    if (a.ElementLength() != frames || frames > b.frames) return TypeErrorFalse(env, "writeBuffer: channel lengths differ or exceed the capacity"), env.Undefined();
    ptrs[c] = a.Data();
  }
  dsp_->WriteBuffer(slot, region, ptrs, nch, static_cast<uint32_t>(frames));
  return Napi::Number::New(env, static_cast<double>(frames));
}

// copyBuffer(slot, from: NativeDsp, fromSlot, fromRegion, channels, frames):
// region 0 of this (not yet running) instance's slot takes `frames` frames of
// `channels` channels from region `fromRegion` of `from`'s slot `fromSlot`.
JW_MAIN_THREAD Napi::Value DspWrap::CopyBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!dsp_ || busy_ || attached_) {
    Napi::Error::New(env, "NativeDsp.copyBuffer: instance is disposed, attached or busy").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  JW_ARG_U32(slot, 0);
  DspWrap* from = UnwrapChecked<DspWrap>(info[1], AddonData::Of(env)->dspCtor);
  JW_ARG_U32(fromSlot, 2);
  JW_ARG_U32(fromRegion, 3);
  JW_ARG_U32(nch, 4);
  JW_ARG_U32(frames, 5);
  if (!from || !from->dsp_) return TypeErrorFalse(env, "copyBuffer: not a NativeDsp"), env.Undefined();
  const Instance& src = *from->dsp_;
  if (slot >= dsp_->buffers().size() || fromSlot >= src.buffers().size() || fromRegion > 1)
    return TypeErrorFalse(env, "copyBuffer: slot or region out of range"), env.Undefined();
  const BufferSlot& to = dsp_->buffers()[slot];
  const BufferSlot& fr = src.buffers()[fromSlot];
  if (nch < 1 || nch > to.channels || nch > fr.channels || frames > to.frames || frames > fr.frames)
    return TypeErrorFalse(env, "copyBuffer: channels or frames exceed a slot"), env.Undefined();
  dsp_->CopyBuffer(slot, src, fromSlot, fromRegion, nch, frames);
  return env.Undefined();
}

JW_MAIN_THREAD bool ReadInitialBuffers(const Napi::Value& v, const Instance& dsp, std::vector<BufferMsg>* out) {
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsArray()) return false;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsArray() || e.As<Napi::Array>().Length() != 4) return false;
    Napi::Array t = e.As<Napi::Array>();
    double f[4];
    for (uint32_t k = 0; k < 4; ++k) {
      Napi::Value x = t.Get(k);
      if (!x.IsNumber()) return false;
      f[k] = x.As<Napi::Number>().DoubleValue();
      if (!(f[k] >= 0 && f[k] <= 4294967295.0)) return false;
    }
    const BufferMsg m{static_cast<uint32_t>(f[0]), 0, static_cast<uint32_t>(f[1]), static_cast<uint32_t>(f[2]), static_cast<uint32_t>(f[3])};
    if (m.slot >= dsp.buffers().size() || m.channels < 1 || m.channels > dsp.buffers()[m.slot].channels || m.frames > dsp.buffers()[m.slot].frames) return false;
    out->push_back(m);
  }
  return out->size() <= kBufferQueue;
}

}  // namespace jw
