// NativeDsp.render: offline rendering on a [worker], through the engine's
// scheduler (engine/render.h), into output arrays JS allocated once.
#include <algorithm>
#include <cmath>

#include "../engine/render.h"
#include "addon-data.h"
#include "jobs.h"
#include "dsp.h"
#include "util.h"

namespace jw {

class RenderWorker : public Job {
 public:
  RenderWorker(Napi::Env env, DspWrap* wrap, Napi::Object wrapObj)
      : Job(env), deferred_(Napi::Promise::Deferred::New(env)), wrap_(wrap) {
    wrapRef_ = Napi::Persistent(wrapObj);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  RenderJob job;
  std::vector<std::pair<int32_t, float>> params;
  // The JS arrays whose memory the job reads and writes (ArrayBuffer
  // contents never move while referenced).
  std::vector<Napi::ObjectReference> keep;

  JW_WORKER void Execute() override {
    size_t failed = 0;
    if (int t = job.dsp->ApplyParams(params, &failed)) {
      result_.trap = t;
      result_.where = JW_X_PARAM_SET;
      result_.text = job.dsp->TrapText(t);
      return;
    }
    result_ = Render(job);
  }

  JW_MAIN_THREAD void OnOK() override {
    Napi::Env env = Env();
    wrap_->SetBusy(false);
    Napi::Object r = Napi::Object::New(env);
    r.Set("elapsedNs", static_cast<double>(result_.elapsedNs));
    if (result_.trap) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("code", result_.trap);
      t.Set("kind", TrapId(result_.trap));
      t.Set("message", result_.text);
      t.Set("frame", static_cast<double>(result_.frame));
      t.Set("where", ExportName(result_.where));
      r.Set("trap", t);
    }
    deferred_.Resolve(r);
  }

 private:
  Napi::Promise::Deferred deferred_;
  DspWrap* wrap_;
  Napi::ObjectReference wrapRef_;
  RenderResult result_;
};

// render(inputs: Float32Array[], frames, outputs: Float32Array[] (frames
// long, one per module output), params: [index, value][], midi: [frame, b0,
// b1?, b2?][], automation: [frame, index, value, rampFrames?, from?][], callTimeoutMs,
// progress: Float64Array(1) | null, transport: [bpm, beatsPerBar, beatType, ticksPerBeat] | null,
// buffers: [slot, channels, frames, seq][] (region 0, written with writeBuffer) | undefined)
// -> Promise<{ elapsedNs, trap? }>.
// The instance must be unattached and idle.
JW_MAIN_THREAD Napi::Value DspWrap::Render(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!dsp_ || attached_ || busy_) {
    Napi::Error::New(env, "NativeDsp.render: instance is disposed, attached or busy").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array ins, outs, ms, as;
  if (!ArgArray(info, 0, &ins)) return env.Undefined();
  JW_ARG_NUM(frames, 1);
  if (!ArgArray(info, 2, &outs) || !ArgArray(info, 4, &ms) || !ArgArray(info, 5, &as)) return env.Undefined();
  JW_ARG_NUM(timeoutMs, 6);
  if (!(frames >= 0 && frames <= 4294967295.0)) return TypeErrorFalse(env, "render: frames out of range"), env.Undefined();
  auto* w = new RenderWorker(env, this, info.This().As<Napi::Object>());
  auto bad = [&](const char* what) {
    delete w;
    TypeErrorFalse(env, std::string("render: ") + what);
    return env.Undefined();
  };
  RenderJob& job = w->job;
  job.dsp = dsp_;
  job.frames = static_cast<int64_t>(frames);
  job.watchdogNs = static_cast<uint64_t>(timeoutMs * 1e6);
  job.exiting = &AddonData::Of(env)->exiting;
  for (uint32_t i = 0; i < ins.Length(); ++i) {
    Napi::Value v = ins.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) return bad("inputs must be Float32Arrays");
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    job.inputs.emplace_back(a.Data(), static_cast<int64_t>(a.ElementLength()));
    w->keep.push_back(Napi::Persistent(a.As<Napi::Object>()));
  }
  if (outs.Length() != static_cast<uint32_t>(dsp_->outputs())) return bad("one output array per module output is required");
  for (uint32_t i = 0; i < outs.Length(); ++i) {
    Napi::Value v = outs.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        v.As<Napi::Float32Array>().ElementLength() < static_cast<size_t>(job.frames))
      return bad("outputs must be Float32Arrays of at least `frames` samples");
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    job.outputs.push_back(a.Data());
    w->keep.push_back(Napi::Persistent(a.As<Napi::Object>()));
  }
  if (!ReadParamPairs(info[3], &w->params)) return bad("params must be [index, value] pairs");
  for (auto& p : w->params)
    if (p.first < 0 || p.first >= dsp_->paramCount()) return bad("parameter index out of range");
  for (uint32_t i = 0; i < ms.Length(); ++i) {
    Napi::Value v = ms.Get(i);
    if (!v.IsArray()) return bad("midi events must be arrays");
    Napi::Array m = v.As<Napi::Array>();
    if (m.Length() < 2 || m.Length() > 4) return bad("a midi event is [frame, 1-3 bytes]");
    RenderJob::Midi e{};
    e.frame = static_cast<int64_t>(m.Get(0u).ToNumber().DoubleValue());
    e.len = static_cast<uint8_t>(m.Length() - 1);
    for (uint8_t k = 0; k < e.len; ++k) e.bytes[k] = static_cast<uint8_t>(m.Get(k + 1u).ToNumber().Uint32Value());
    job.midi.push_back(e);
  }
  std::stable_sort(job.midi.begin(), job.midi.end(), [](const RenderJob::Midi& a, const RenderJob::Midi& b) { return a.frame < b.frame; });
  for (uint32_t i = 0; i < as.Length(); ++i) {
    Napi::Value v = as.Get(i);
    if (!v.IsArray()) return bad("automation entries must be arrays");
    Napi::Array a = v.As<Napi::Array>();
    const int32_t index = a.Get(1u).ToNumber().Int32Value();
    if (index < 0 || index >= dsp_->paramCount()) return bad("automation parameter index out of range");
    RenderJob::Automation au{static_cast<int64_t>(a.Get(0u).ToNumber().DoubleValue()), index, a.Get(2u).ToNumber().FloatValue()};
    if (a.Length() >= 5) {
      const double ramp = a.Get(3u).ToNumber().DoubleValue(), from = a.Get(4u).ToNumber().DoubleValue();
      if (!(ramp >= 0 && ramp <= 4294967295.0) || !std::isfinite(from)) return bad("automation ramp out of range");
      au.ramp = static_cast<uint32_t>(ramp);
      au.from = static_cast<float>(from);
    }
    job.automation.push_back(au);
  }
  std::stable_sort(job.automation.begin(), job.automation.end(),
                   [](const RenderJob::Automation& a, const RenderJob::Automation& b) { return a.frame < b.frame; });
  if (info[8].IsArray()) {
    Napi::Array tb = info[8].As<Napi::Array>();
    double v[4];
    for (uint32_t k = 0; k < 4; ++k) {
      v[k] = tb.Get(k).ToNumber().DoubleValue();
      if (!(std::isfinite(v[k]) && v[k] > 0)) return bad("transport values must be positive numbers");
    }
    job.rolling = true;
    job.timebase = TimebaseParams{v[0], v[1], v[2], v[3]};
  }
  if (!ReadInitialBuffers(info[9], *dsp_, &job.buffers)) return bad("buffers must be [slot, channels, frames, seq] within the module's slots");
  if (info[7].IsTypedArray() && info[7].As<Napi::TypedArray>().TypedArrayType() == napi_bigint64_array &&
      info[7].As<Napi::BigInt64Array>().ElementLength() >= 1) {
    Napi::BigInt64Array prog = info[7].As<Napi::BigInt64Array>();
    // Rationale: the worker stores with atomic instructions into memory JS
    // reads with Atomics.load; int64 is naturally aligned in a BigInt64Array.
    job.progress = reinterpret_cast<std::atomic<int64_t>*>(prog.Data());
    w->keep.push_back(Napi::Persistent(prog.As<Napi::Object>()));
  }
  busy_ = true;
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace jw
