// NativeDsp: the JS handle of one engine Instance (a loaded module), and
// the workers that load it, set its initial parameters and render it
// offline (napi/render.cc). The instance is shared with the engine once
// attached; every call into it from here happens on a [worker].
#pragma once
#include <napi.h>

#include <memory>

#include "../engine/instance.h"
#include "../threads.h"

namespace jw {

class DspWrap : public Napi::ObjectWrap<DspWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit DspWrap(const Napi::CallbackInfo& info);
  // [main-thread] The instance (null once disposed).
  std::shared_ptr<Instance> instance() const { return dsp_; }
  // [main-thread] Marks the instance as owned by a live engine: from then on
  // only the audio thread calls into it.
  void SetAttached() { attached_ = true; }
  bool attached() const { return attached_; }
  bool busy() const { return busy_; }
  void SetBusy(bool on) { busy_ = on; }
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<Instance> dsp);

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value ApplyParams(const Napi::CallbackInfo& info);
  Napi::Value Render(const Napi::CallbackInfo& info);  // napi/render.cc
  Napi::Value DrainLogs(const Napi::CallbackInfo& info);
  Napi::Value AbortMessage(const Napi::CallbackInfo& info);
  Napi::Value Dropped(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value WriteBuffer(const Napi::CallbackInfo& info);  // napi/dsp-buffers.cc
  Napi::Value CopyBuffer(const Napi::CallbackInfo& info);

  std::shared_ptr<Instance> dsp_;
  bool attached_ = false;
  bool busy_ = false;  // a worker is calling into it
};

// [main-thread] dspLoad(path, { sampleRate, maxFrames, capPages, stackBytes,
// callTimeoutMs }) -> Promise<{ ok, dsp?, code?, message? }>
Napi::Value DspLoad(const Napi::CallbackInfo& info);

// [main-thread] Reads hand-overs [slot, channels, frames, seq] of region 0
// (written before the instance runs) for `dsp`; false if malformed or out
// of bounds.
bool ReadInitialBuffers(const Napi::Value& v, const Instance& dsp, std::vector<BufferMsg>* out);

// [main-thread] Reads a list of [index, value] pairs.
bool ReadParamPairs(const Napi::Value& v, std::vector<std::pair<int32_t, float>>* out);

}  // namespace jw
