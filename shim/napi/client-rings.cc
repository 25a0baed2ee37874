// A module's rings from JS (engine/module-rings.h): reading what an out ring's
// module wrote, writing into an in ring, and their fill levels. The module's
// index is untrusted: a count past the ring's size is clamped (out: the
// overwritten bytes are skipped and counted as lost; in: nothing is writable).
#include <algorithm>

#include "client.h"
#include "util.h"

namespace jw {

namespace {
// [main-thread] Ring `k` of slot `id` with the given direction, else null.
JW_MAIN_THREAD Slot* RingSlot(Engine* engine, const Napi::CallbackInfo& info, RingDecl::Dir dir, uint32_t* k) {
  if (!info[0].IsNumber() || !info[1].IsNumber()) return nullptr;
  Slot* s = engine ? engine->Find(info[0].As<Napi::Number>().Uint32Value()) : nullptr;
  *k = info[1].As<Napi::Number>().Uint32Value();
  if (!s || *k >= s->ringCount || s->dsp->rings()[*k].dir != dir) return nullptr;
  return s;
}

// Bytes JS may read from out ring `k` now; skips (and counts) what the module
// overwrote. A write index behind what JS read (a module moving it back)
// gives nothing to read.
JW_MAIN_THREAD uint32_t Readable(Slot& s, uint32_t k) {
  RingState& st = s.rings[k];
  const uint32_t size = s.dsp->rings()[k].size;
  const uint32_t w = st.modIdx.load(std::memory_order_acquire);
  uint32_t r = st.hostIdx.load(std::memory_order_relaxed);
  const int32_t ahead = static_cast<int32_t>(w - r);
  if (ahead <= 0) return 0;
  if (static_cast<uint32_t>(ahead) > size) {
    st.lost += static_cast<uint32_t>(ahead) - size;
    r = w - size;
    st.hostIdx.store(r, std::memory_order_release);
  }
  return w - r;
}

// Bytes JS may write into in ring `k` now; a read index outside what JS
// wrote (a module moving it wrongly) gives no room.
JW_MAIN_THREAD uint32_t Writable(Slot& s, uint32_t k) {
  RingState& st = s.rings[k];
  const uint32_t size = s.dsp->rings()[k].size;
  const int32_t used = static_cast<int32_t>(st.hostIdx.load(std::memory_order_relaxed) - st.modIdx.load(std::memory_order_acquire));
  return used < 0 || static_cast<uint32_t>(used) > size ? 0 : size - static_cast<uint32_t>(used);
}
}  // namespace

// dspRingRead(id, ring, dest: Uint8Array, advance) -> bytes copied into dest, or null (no such out ring)
JW_MAIN_THREAD Napi::Value ClientWrap::DspRingRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t k = 0;
  Slot* s = RingSlot(engine_.get(), info, RingDecl::kOut, &k);
  if (!s) return env.Null();
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    return TypeErrorFalse(env, "dspRingRead: dest must be a Uint8Array"), env.Undefined();
  Napi::Uint8Array dst = info[2].As<Napi::Uint8Array>();
  const uint32_t n = static_cast<uint32_t>(std::min<size_t>(Readable(*s, k), dst.ElementLength()));
  const uint32_t r = s->rings[k].hostIdx.load(std::memory_order_relaxed);
  s->dsp->RingCopyOut(s->dsp->rings()[k], r, dst.Data(), n);
  if (info[3].ToBoolean()) s->rings[k].hostIdx.store(r + n, std::memory_order_release);
  return Napi::Number::New(env, n);
}

// dspRingWrite(id, ring, src: Uint8Array) -> bytes written (as many as fit), or null (no such in ring)
JW_MAIN_THREAD Napi::Value ClientWrap::DspRingWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t k = 0;
  Slot* s = RingSlot(engine_.get(), info, RingDecl::kIn, &k);
  if (!s) return env.Null();
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    return TypeErrorFalse(env, "dspRingWrite: src must be a Uint8Array"), env.Undefined();
  Napi::Uint8Array src = info[2].As<Napi::Uint8Array>();
  const uint32_t n = static_cast<uint32_t>(std::min<size_t>(Writable(*s, k), src.ElementLength()));
  const uint32_t w = s->rings[k].hostIdx.load(std::memory_order_relaxed);
  s->dsp->RingCopyIn(s->dsp->rings()[k], w, src.Data(), n);
  s->rings[k].hostIdx.store(w + n, std::memory_order_release);
  return Napi::Number::New(env, n);
}

// dspRingSpace(id, ring) -> [readable, writable, lost, dropped] (from JS's side; dropped: the module's count), or null
JW_MAIN_THREAD Napi::Value ClientWrap::DspRingSpace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t k = 0;
  Slot* s = RingSlot(engine_.get(), info, RingDecl::kOut, &k);
  if (!s) s = RingSlot(engine_.get(), info, RingDecl::kIn, &k);
  if (!s) return env.Null();
  const bool out = s->dsp->rings()[k].dir == RingDecl::kOut;
  Napi::Array a = Napi::Array::New(env, 4);
  a.Set(0u, out ? Readable(*s, k) : 0u);
  a.Set(1u, out ? 0u : Writable(*s, k));
  a.Set(2u, static_cast<double>(s->rings[k].lost));
  a.Set(3u, s->rings[k].modDropped.load(std::memory_order_relaxed));
  return a;
}

}  // namespace jw
