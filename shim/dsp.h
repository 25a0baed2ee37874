// DspInstance: one instance of a compiled DSP module (.so from the compile
// pipeline), and NativeDsp, its JS wrapper. The same RunBlock code runs in the
// JACK process callback (client.cc) and in offline rendering (Render here),
// so both produce identical samples.
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "threads.h"
#include "wasm-rt/jw-module.h"

namespace jw {

struct DspInstance {
  void* dl = nullptr;
  const jw_module_api* api = nullptr;
  void* inst = nullptr;
  uint32_t exports = 0;
  float sampleRate = 0;
  int32_t maxFrames = 0;
  int32_t nin = 0, nout = 0, paramCount = 0;
  std::vector<uint32_t> inOff, outOff;
  std::string describe;
  std::vector<float> paramDefaults;

  bool Has(jw_export e) const { return (exports >> e) & 1u; }

  // [worker] Loads and initialises. On failure returns null and sets
  // *code (a JackErrorCode) and *message.
  static std::unique_ptr<DspInstance> Load(const std::string& path, float sampleRate, int32_t maxFrames,
                                           std::string* code, std::string* message);
  // [worker] or [main-thread], never while the audio thread may use it.
  ~DspInstance();

  // [audio-thread] (or [worker] when rendering) Copies `frames` samples from
  // `in` (null entries read as silence) into the module, runs jw_process and
  // copies the result to `out`. Returns 0 or a trap code.
  int RunBlock(const float* const* in, float* const* out, int32_t frames);
};

// Human-readable trap kind for a trap code ("out of bounds memory access").
const char* TrapKind(int code);
// Short trap kind id ("oob", "unreachable", "abort", ...).
const char* TrapId(int code);

class DspWrap : public Napi::ObjectWrap<DspWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit DspWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<DspInstance> instance() const { return dsp_; }
  // [main-thread] Marks the instance as owned by a live engine (or not).
  void SetAttached(bool on) { attached_ = on; }
  bool attached() const { return attached_; }
  // [main-thread] An offline render finished.
  void busyDone() { busy_ = false; }
  static Napi::Object Wrap(Napi::Env env, std::unique_ptr<DspInstance> dsp);

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value SetParam(const Napi::CallbackInfo& info);
  Napi::Value Render(const Napi::CallbackInfo& info);
  Napi::Value DrainLogs(const Napi::CallbackInfo& info);
  Napi::Value AbortMessage(const Napi::CallbackInfo& info);
  Napi::Value Dropped(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<DspInstance> dsp_;
  bool attached_ = false;
  bool busy_ = false;  // an offline render is running
};

// [main-thread] dspLoad(path, sampleRate, maxFrames) -> Promise<{ ok, dsp?, code?, message? }>
Napi::Value DspLoad(const Napi::CallbackInfo& info);

}  // namespace jw
