#include "dsp.h"

#include "addon-data.h"
#include "jobs.h"
#include "util.h"

namespace jw {

JW_MAIN_THREAD Napi::Function DspWrap::Init(Napi::Env env) {
  return DefineClass(env, "NativeDsp", {
      InstanceMethod("info", &DspWrap::Info),
      InstanceMethod("applyParams", &DspWrap::ApplyParams),
      InstanceMethod("render", &DspWrap::Render),
      InstanceMethod("drainLogs", &DspWrap::DrainLogs),
      InstanceMethod("abortMessage", &DspWrap::AbortMessage),
      InstanceMethod("dropped", &DspWrap::Dropped),
      InstanceMethod("dispose", &DspWrap::Dispose),
      InstanceMethod("writeBuffer", &DspWrap::WriteBuffer),
      InstanceMethod("copyBuffer", &DspWrap::CopyBuffer),
  });
}

DspWrap::DspWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DspWrap>(info) {}

JW_MAIN_THREAD Napi::Object DspWrap::Wrap(Napi::Env env, std::shared_ptr<Instance> dsp) {
  Napi::Object obj = AddonData::Of(env)->dspCtor.New({});
  DspWrap::Unwrap(obj)->dsp_ = std::move(dsp);
  return obj;
}

JW_MAIN_THREAD Napi::Value DspWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!dsp_) return env.Null();
  const Instance& d = *dsp_;
  Napi::Object o = Napi::Object::New(env);
  o.Set("inputs", d.inputs());
  o.Set("outputs", d.outputs());
  o.Set("paramCount", d.paramCount());
  o.Set("maxFrames", d.options().maxFrames);
  o.Set("sampleRate", d.options().sampleRate);
  o.Set("describe", d.hasDescribe() ? Napi::Value(Napi::String::New(env, d.describe())) : env.Null());
  o.Set("hasMidi", d.Has(JW_X_MIDI));
  o.Set("hasParamSet", d.Has(JW_X_PARAM_SET));
  Napi::Array defs = Napi::Array::New(env, d.paramDefaults().size());
  for (size_t i = 0; i < d.paramDefaults().size(); ++i) defs.Set(static_cast<uint32_t>(i), d.paramDefaults()[i]);
  o.Set("paramDefaults", defs);
  o.Set("memoryBytes", static_cast<double>(d.MemoryBytes()));
  Napi::Array bufs = Napi::Array::New(env, d.buffers().size());
  for (size_t i = 0; i < d.buffers().size(); ++i) {
    Napi::Object b = Napi::Object::New(env);
    b.Set("key", d.buffers()[i].key);
    b.Set("channels", d.buffers()[i].channels);
    b.Set("frames", d.buffers()[i].frames);
    bufs.Set(static_cast<uint32_t>(i), b);
  }
  o.Set("buffers", bufs);
  Napi::Array rings = Napi::Array::New(env, d.rings().size());
  for (size_t i = 0; i < d.rings().size(); ++i) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("key", d.rings()[i].key);
    r.Set("direction", d.rings()[i].dir == RingDecl::kOut ? "out" : "in");
    r.Set("size", d.rings()[i].size);
    rings.Set(static_cast<uint32_t>(i), r);
  }
  o.Set("rings", rings);
  return o;
}

JW_MAIN_THREAD Napi::Value DspWrap::DrainLogs(const Napi::CallbackInfo& info) {
  Napi::Array arr = Napi::Array::New(info.Env());
  if (!dsp_) return arr;
  jw_log_msg msg;
  uint32_t n = 0;
  while (dsp_->PopLog(&msg)) arr.Set(n++, Napi::String::New(info.Env(), msg.text, msg.len));
  return arr;
}

JW_MAIN_THREAD Napi::Value DspWrap::AbortMessage(const Napi::CallbackInfo& info) {
  if (!dsp_) return info.Env().Null();
  return Napi::String::New(info.Env(), dsp_->AbortMessage());
}

JW_MAIN_THREAD Napi::Value DspWrap::Dropped(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("logs", dsp_ ? dsp_->DroppedLogs() : 0);
  o.Set("midi", dsp_ ? dsp_->DroppedMidi() : 0);
  return o;
}

// dispose(): drops this handle's reference. The engine or a running worker
// may still hold one; the instance is freed when the last lets go, never on
// the audio thread.
JW_MAIN_THREAD Napi::Value DspWrap::Dispose(const Napi::CallbackInfo& info) {
  dsp_.reset();
  return info.Env().Undefined();
}

JW_MAIN_THREAD bool ReadParamPairs(const Napi::Value& v, std::vector<std::pair<int32_t, float>>* out) {
  if (!v.IsArray()) return false;
  Napi::Array ps = v.As<Napi::Array>();
  for (uint32_t i = 0; i < ps.Length(); ++i) {
    Napi::Value e = ps.Get(i);
    if (!e.IsArray()) return false;
    Napi::Array p = e.As<Napi::Array>();
    Napi::Value a = p.Get(0u), b = p.Get(1u);
    if (!a.IsNumber() || !b.IsNumber()) return false;
    out->emplace_back(a.As<Napi::Number>().Int32Value(), b.As<Napi::Number>().FloatValue());
  }
  return true;
}

// --- loading and initial parameters ([worker]) ----------------------------------

class LoadWorker : public Job {
 public:
  LoadWorker(Napi::Env env, std::string path, InstanceOptions opts)
      : Job(env), deferred_(Napi::Promise::Deferred::New(env)), path_(std::move(path)), opts_(opts) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  JW_WORKER void Execute() override { dsp_ = Instance::Load(path_, opts_, &err_); }
  JW_MAIN_THREAD void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("ok", dsp_ != nullptr);
    if (dsp_) {
      r.Set("dsp", DspWrap::Wrap(env, std::shared_ptr<Instance>(std::move(dsp_))));
    } else {
      r.Set("code", ErrorName(err_.code));
      r.Set("message", err_.message);
    }
    deferred_.Resolve(r);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string path_;
  InstanceOptions opts_;
  std::unique_ptr<Instance> dsp_;
  EngineError err_;
};

JW_MAIN_THREAD Napi::Value DspLoad(const Napi::CallbackInfo& info) {
  JW_ARG_STR(path, 0);
  if (!info[1].IsObject()) return TypeErrorFalse(info.Env(), "argument 1 must be an options object"), info.Env().Undefined();
  Napi::Object o = info[1].As<Napi::Object>();
  auto num = [&](const char* k, double def) {
    Napi::Value v = o.Get(k);
    return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
  };
  InstanceOptions opts;
  opts.sampleRate = static_cast<float>(num("sampleRate", 48000));
  opts.maxFrames = static_cast<int32_t>(num("maxFrames", 256));
  opts.capPages = static_cast<uint32_t>(num("capPages", 1024));
  opts.stackBytes = static_cast<size_t>(num("stackBytes", 0));
  opts.callTimeoutNs = static_cast<uint64_t>(num("callTimeoutMs", 5000) * 1e6);
  opts.exiting = &AddonData::Of(info.Env())->exiting;
  if (opts.maxFrames < 1 || opts.maxFrames > 16384 || opts.capPages < 1 || opts.capPages > 65535)
    return TypeErrorFalse(info.Env(), "dspLoad: maxFrames or capPages out of range"), info.Env().Undefined();
  auto* w = new LoadWorker(info.Env(), path, opts);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

class ParamsWorker : public Job {
 public:
  ParamsWorker(Napi::Env env, DspWrap* wrap, Napi::Object wrapObj, std::shared_ptr<Instance> dsp,
               std::vector<std::pair<int32_t, float>> params)
      : Job(env), deferred_(Napi::Promise::Deferred::New(env)), wrap_(wrap), dsp_(std::move(dsp)),
        params_(std::move(params)) {
    wrapRef_ = Napi::Persistent(wrapObj);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  JW_WORKER void Execute() override {
    trap_ = dsp_->ApplyParams(params_, &failed_);
    if (trap_) text_ = dsp_->TrapText(trap_);
  }
  JW_MAIN_THREAD void OnOK() override {
    wrap_->SetBusy(false);
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("trap", trap_);
    if (trap_) {
      r.Set("kind", TrapId(trap_));
      r.Set("index", static_cast<double>(failed_));
      r.Set("message", text_);
    }
    deferred_.Resolve(r);
  }

 private:
  Napi::Promise::Deferred deferred_;
  DspWrap* wrap_;
  Napi::ObjectReference wrapRef_;
  std::shared_ptr<Instance> dsp_;
  std::vector<std::pair<int32_t, float>> params_;
  int trap_ = 0;
  size_t failed_ = 0;
  std::string text_;
};

// applyParams([[index, value], ...]) -> Promise<{ trap, kind?, index?, message? }>.
// Only before the instance is attached, and not while another worker uses it.
JW_MAIN_THREAD Napi::Value DspWrap::ApplyParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!dsp_ || attached_ || busy_) {
    Napi::Error::New(env, "NativeDsp.applyParams: instance is disposed, attached or busy").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<std::pair<int32_t, float>> params;
  if (!ReadParamPairs(info[0], &params)) return TypeErrorFalse(env, "applyParams: expected [index, value] pairs"), env.Undefined();
  for (auto& p : params)
    if (p.first < 0 || p.first >= dsp_->paramCount()) return TypeErrorFalse(env, "applyParams: parameter index out of range"), env.Undefined();
  busy_ = true;
  auto* w = new ParamsWorker(env, this, info.This().As<Napi::Object>(), dsp_, std::move(params));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace jw
