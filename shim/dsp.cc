#include "dsp.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "rtcheck.h"

namespace jw {

const char* TrapKind(int code) {
  switch (code) {
    case 1: return "out of bounds memory access";
    case 2: return "integer overflow";
    case 3: return "integer divide by zero";
    case 4: return "invalid conversion to integer";
    case 5: return "unreachable executed";
    case 6: return "indirect call signature mismatch";
    case 7: return "uncaught exception";
    case 8: return "call stack exhausted";
    case JW_TRAP_ABORT: return "abort";
    case JW_TRAP_TIMEOUT: return "interrupted: ran too long";
    case JW_TRAP_BAD_CALL: return "missing export";
  }
  return "unknown trap";
}

const char* TrapId(int code) {
  switch (code) {
    case 1: return "oob";
    case 2: return "int-overflow";
    case 3: return "div-by-zero";
    case 4: return "invalid-conversion";
    case 5: return "unreachable";
    case 6: return "call-indirect";
    case 7: return "exception";
    case 8: return "stack-exhausted";
    case JW_TRAP_ABORT: return "abort";
    case JW_TRAP_TIMEOUT: return "timeout";
    case JW_TRAP_BAD_CALL: return "bad-call";
  }
  return "unknown";
}

static std::string TrapText(const DspInstance* d, int code) {
  std::string s = TrapKind(code);
  if (code == JW_TRAP_ABORT && d->api && d->inst) {
    const char* m = d->api->abort_message(d->inst);
    if (m && *m) s += std::string(": ") + m;
  }
  return s;
}

JW_WORKER std::unique_ptr<DspInstance> DspInstance::Load(const std::string& path, float sampleRate,
                                                         int32_t maxFrames, std::string* code,
                                                         std::string* message) {
  auto d = std::make_unique<DspInstance>();
  d->sampleRate = sampleRate;
  d->maxFrames = maxFrames;
  auto failWith = [&](const char* c, const std::string& m) {
    *code = c;
    *message = m;
    return nullptr;
  };
  d->dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!d->dl) return failWith("COMPILE_FAILED", std::string("cannot load compiled module: ") + dlerror());
  auto get = reinterpret_cast<jw_module_get_api_fn>(dlsym(d->dl, "jw_module_get_api"));
  if (!get) return failWith("COMPILE_FAILED", "compiled module has no jw_module_get_api");
  d->api = get();
  if (!d->api || d->api->api_version != JW_MODULE_API_VERSION)
    return failWith("COMPILE_FAILED", "compiled module was built for another engine version");
  d->exports = d->api->exports();
  d->api->set_realtime(0);

  int trap = 0;
  d->inst = d->api->create(&trap);
  if (!d->inst) {
    if (trap == 0) return failWith("MODULE_INIT_FAILED", "out of memory creating the instance");
    return failWith("MODULE_INIT_FAILED", std::string("trapped while starting (start function): ") + TrapKind(trap));
  }
  int32_t v = 0;
  if ((trap = d->api->call_i32(d->inst, JW_X_ABI, 0, &v)))
    return failWith("MODULE_INIT_FAILED", "jw_abi trapped: " + TrapText(d.get(), trap));
  if (v != 1)
    return failWith("MODULE_ABI_VERSION", "jw_abi() returned " + std::to_string(v) + "; this host supports ABI version 1");
  if ((trap = d->api->init(d->inst, sampleRate, maxFrames, &v)))
    return failWith("MODULE_INIT_FAILED", "jw_init trapped: " + TrapText(d.get(), trap));
  if (v != 0) return failWith("MODULE_INIT_FAILED", "jw_init returned error code " + std::to_string(v));

  auto callI32 = [&](jw_export which, int32_t arg, int32_t* out, const char* what) -> bool {
    int t = d->api->call_i32(d->inst, which, arg, out);
    if (t) {
      *code = "MODULE_INIT_FAILED";
      *message = std::string(what) + " trapped: " + TrapText(d.get(), t);
      return false;
    }
    return true;
  };
  if (!callI32(JW_X_INPUTS, 0, &d->nin, "jw_inputs") || !callI32(JW_X_OUTPUTS, 0, &d->nout, "jw_outputs")) return nullptr;
  if (d->nin < 0 || d->nin > 64) return failWith("MODULE_BAD_LAYOUT", "jw_inputs() returned " + std::to_string(d->nin) + " (must be 0..64)");
  if (d->nout < 0 || d->nout > 64) return failWith("MODULE_BAD_LAYOUT", "jw_outputs() returned " + std::to_string(d->nout) + " (must be 0..64)");

  uint32_t memSize = 0;
  d->api->memory(d->inst, &memSize);
  const uint64_t bytes = static_cast<uint64_t>(maxFrames) * 4;
  auto offsets = [&](jw_export which, int32_t n, std::vector<uint32_t>* out, const char* what) -> bool {
    for (int32_t ch = 0; ch < n; ++ch) {
      int32_t off = 0;
      if (!callI32(which, ch, &off, what)) return false;
      const uint64_t u = static_cast<uint32_t>(off);
      if (u % 4 != 0 || u + bytes > memSize) {
        *code = "MODULE_BAD_LAYOUT";
        *message = std::string(what) + "(" + std::to_string(ch) + ") = " + std::to_string(u) + ": a buffer of " +
                   std::to_string(maxFrames) + " f32 samples there is " + (u % 4 ? "misaligned" : "outside memory") +
                   " (memory is " + std::to_string(memSize) + " bytes)";
        return false;
      }
      out->push_back(static_cast<uint32_t>(u));
    }
    return true;
  };
  if (!offsets(JW_X_INPUT, d->nin, &d->inOff, "jw_input") || !offsets(JW_X_OUTPUT, d->nout, &d->outOff, "jw_output")) return nullptr;

  if (d->Has(JW_X_PARAM_COUNT)) {
    if (!callI32(JW_X_PARAM_COUNT, 0, &d->paramCount, "jw_param_count")) return nullptr;
    if (d->paramCount < 0 || d->paramCount > 1024)
      return failWith("MODULE_BAD_LAYOUT", "jw_param_count() returned " + std::to_string(d->paramCount) + " (must be 0..1024)");
  }
  if (d->Has(JW_X_PARAM_GET)) {
    for (int32_t i = 0; i < d->paramCount; ++i) {
      float f = 0;
      int t = d->api->param_get(d->inst, i, &f);
      if (t) return failWith("MODULE_INIT_FAILED", "jw_param_get(" + std::to_string(i) + ") trapped: " + TrapText(d.get(), t));
      d->paramDefaults.push_back(f);
    }
  }
  if (d->Has(JW_X_DESCRIBE)) {
    int32_t off = 0;
    if (!callI32(JW_X_DESCRIBE, 0, &off, "jw_describe")) return nullptr;
    uint8_t* mem = d->api->memory(d->inst, &memSize);
    const uint32_t start = static_cast<uint32_t>(off);
    if (start >= memSize) return failWith("MODULE_BAD_LAYOUT", "jw_describe() returned offset " + std::to_string(start) + ", outside memory");
    const uint8_t* end = static_cast<const uint8_t*>(memchr(mem + start, 0, std::min<uint32_t>(memSize - start, 65536)));
    if (!end) return failWith("MODULE_BAD_LAYOUT", "jw_describe() text is not NUL-terminated within 64 KiB");
    d->describe.assign(reinterpret_cast<const char*>(mem + start), end - (mem + start));
  }
  return d;
}

DspInstance::~DspInstance() {
  if (api && inst) api->destroy(inst);
  if (dl) dlclose(dl);
}

JW_AUDIO_THREAD int DspInstance::RunBlock(const float* const* in, float* const* out, int32_t frames) {
  uint32_t size = 0;
  uint8_t* mem = api->memory(inst, &size);
  const size_t bytes = static_cast<size_t>(frames) * sizeof(float);
  for (int32_t ch = 0; ch < nin; ++ch) {
    if (in[ch]) std::memcpy(mem + inOff[ch], in[ch], bytes);
    else std::memset(mem + inOff[ch], 0, bytes);
  }
  const int trap = api->process(inst, frames);
  if (trap) return trap;
  mem = api->memory(inst, &size);
  for (int32_t ch = 0; ch < nout; ++ch) std::memcpy(out[ch], mem + outOff[ch], bytes);
  return 0;
}

// --- NativeDsp ---------------------------------------------------------------

static Napi::FunctionReference* gDspCtor = nullptr;

JW_MAIN_THREAD Napi::Function DspWrap::Init(Napi::Env env) {
  Napi::Function fn = DefineClass(env, "NativeDsp", {
      InstanceMethod("info", &DspWrap::Info),
      InstanceMethod("setParam", &DspWrap::SetParam),
      InstanceMethod("render", &DspWrap::Render),
      InstanceMethod("drainLogs", &DspWrap::DrainLogs),
      InstanceMethod("abortMessage", &DspWrap::AbortMessage),
      InstanceMethod("dropped", &DspWrap::Dropped),
      InstanceMethod("dispose", &DspWrap::Dispose),
  });
  gDspCtor = new Napi::FunctionReference(Napi::Persistent(fn));
  return fn;
}

DspWrap::DspWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DspWrap>(info) {}

JW_MAIN_THREAD Napi::Object DspWrap::Wrap(Napi::Env env, std::unique_ptr<DspInstance> dsp) {
  Napi::Object obj = gDspCtor->New({});
  DspWrap::Unwrap(obj)->dsp_ = std::shared_ptr<DspInstance>(dsp.release());
  return obj;
}

JW_MAIN_THREAD Napi::Value DspWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!dsp_) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("inputs", dsp_->nin);
  o.Set("outputs", dsp_->nout);
  o.Set("paramCount", dsp_->paramCount);
  o.Set("maxFrames", dsp_->maxFrames);
  o.Set("sampleRate", dsp_->sampleRate);
  o.Set("describe", dsp_->Has(JW_X_DESCRIBE) ? Napi::Value(Napi::String::New(env, dsp_->describe)) : env.Null());
  o.Set("hasMidi", dsp_->Has(JW_X_MIDI));
  o.Set("hasParamSet", dsp_->Has(JW_X_PARAM_SET));
  Napi::Array defs = Napi::Array::New(env, dsp_->paramDefaults.size());
  for (size_t i = 0; i < dsp_->paramDefaults.size(); ++i) defs.Set(static_cast<uint32_t>(i), dsp_->paramDefaults[i]);
  o.Set("paramDefaults", defs);
  uint32_t size = 0;
  dsp_->api->memory(dsp_->inst, &size);
  o.Set("memoryBytes", static_cast<double>(size));
  return o;
}

// setParam(index, value) -> trap code; only before the instance is attached.
JW_MAIN_THREAD Napi::Value DspWrap::SetParam(const Napi::CallbackInfo& info) {
  if (!dsp_ || attached_ || busy_) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), dsp_->api->param_set(dsp_->inst, info[0].ToNumber().Int32Value(),
                                                            info[1].ToNumber().FloatValue()));
}

JW_MAIN_THREAD Napi::Value DspWrap::DrainLogs(const Napi::CallbackInfo& info) {
  Napi::Array arr = Napi::Array::New(info.Env());
  if (!dsp_) return arr;
  jw_log_msg msg;
  uint32_t n = 0;
  while (dsp_->api->log_pop(dsp_->inst, &msg)) arr.Set(n++, Napi::String::New(info.Env(), msg.text, msg.len));
  return arr;
}

JW_MAIN_THREAD Napi::Value DspWrap::AbortMessage(const Napi::CallbackInfo& info) {
  if (!dsp_) return info.Env().Null();
  return Napi::String::New(info.Env(), dsp_->api->abort_message(dsp_->inst));
}

JW_MAIN_THREAD Napi::Value DspWrap::Dropped(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("logs", dsp_ ? dsp_->api->dropped_logs(dsp_->inst) : 0);
  o.Set("midi", dsp_ ? dsp_->api->dropped_midi(dsp_->inst) : 0);
  return o;
}

// dispose(): drops this wrapper's reference (the engine may still hold one).
JW_MAIN_THREAD Napi::Value DspWrap::Dispose(const Napi::CallbackInfo& info) {
  if (!busy_) dsp_.reset();
  return info.Env().Undefined();
}

// --- offline render ([worker]) -------------------------------------------

struct MidiEvent {
  int64_t frame;
  uint8_t bytes[3];
  uint8_t len;
};

class RenderWorker : public Napi::AsyncWorker {
 public:
  RenderWorker(Napi::Env env, DspWrap* wrap, Napi::Object wrapObj, std::shared_ptr<DspInstance> dsp)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), wrap_(wrap), dsp_(std::move(dsp)) {
    wrapRef_ = Napi::Persistent(wrapObj);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  // Inputs and outputs are the JS arrays' own memory, kept alive by the
  // references below (ArrayBuffer contents never move).
  std::vector<std::pair<const float*, int64_t>> inputs;
  std::vector<Napi::ObjectReference> keep;
  std::vector<float*> outputs;
  Napi::ObjectReference outArray;
  std::vector<std::pair<int32_t, float>> params;
  struct Automation {
    int64_t frame;
    int32_t index;
    float value;
  };
  std::vector<Automation> automation;  // sorted by frame (stable)
  std::vector<MidiEvent> midi;
  int64_t frames = 0;

  JW_WORKER void Execute() override {
    DspInstance& d = *dsp_;
    const int32_t block = d.maxFrames;
    const auto t0 = std::chrono::steady_clock::now();
    struct Elapsed {
      std::chrono::steady_clock::time_point t0;
      int64_t& ns;
      ~Elapsed() { ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count(); }
    } elapsed{t0, elapsedNs_};
    for (auto& p : params) {
      int t = d.api->param_set(d.inst, p.first, p.second);
      if (t) return Trapped(t, 0, "jw_param_set");
    }
    std::vector<const float*> in(d.nin, nullptr);
    std::vector<float*> out(d.nout, nullptr);
    size_t mi = 0, ai = 0;
    // Same order as the realtime engine: blocks on the maxFrames grid, split
    // at automation frames; per block the changes due, its MIDI, process.
    d.api->set_realtime(1);
    for (int64_t start = 0; start < frames;) {
      int64_t end = std::min<int64_t>(frames, (start / block + 1) * block);
      while (ai < automation.size() && automation[ai].frame <= start) {
        const Automation& a = automation[ai++];
        if (int t = d.api->param_set(d.inst, a.index, a.value)) {
          d.api->set_realtime(0);
          return Trapped(t, start, "jw_param_set");
        }
      }
      if (ai < automation.size() && automation[ai].frame < end) end = automation[ai].frame;
      const int32_t n = static_cast<int32_t>(end - start);
      while (mi < midi.size() && midi[mi].frame < start + n) {
        const MidiEvent& e = midi[mi++];
        if (!d.Has(JW_X_MIDI)) continue;
        int t = d.api->midi(d.inst, static_cast<int32_t>(e.frame - start), e.bytes[0], e.len > 1 ? e.bytes[1] : 0,
                            e.len > 2 ? e.bytes[2] : 0);
        if (t) {
          d.api->set_realtime(0);
          return Trapped(t, start, "jw_midi");
        }
      }
      for (int32_t ch = 0; ch < d.nin; ++ch)
        in[ch] = static_cast<size_t>(ch) < inputs.size() && inputs[ch].second >= start + n ? inputs[ch].first + start : nullptr;
      for (int32_t ch = 0; ch < d.nout; ++ch) out[ch] = outputs[ch] + start;
      int t = RunPartial(d, in, out, n, start);
      if (t) {
        d.api->set_realtime(0);
        return Trapped(t, start, "jw_process");
      }
      start = end;
    }
    d.api->set_realtime(0);
  }

  JW_MAIN_THREAD void OnOK() override {
    Napi::Env env = Env();
    wrap_->busyDone();
    Napi::Object r = Napi::Object::New(env);
    r.Set("outputs", outArray.Value());
    r.Set("elapsedNs", static_cast<double>(elapsedNs_));
    if (trap_) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("code", trap_);
      t.Set("kind", TrapId(trap_));
      t.Set("message", trapText_);
      t.Set("frame", static_cast<double>(trapFrame_));
      t.Set("where", trapWhere_);
      r.Set("trap", t);
    }
    deferred_.Resolve(r);
  }

 private:
  // A channel that ends inside the block is padded with silence in a copy;
  // channels that end before it (or are missing) read as silence.
  int RunPartial(DspInstance& d, std::vector<const float*>& in, std::vector<float*>& out, int32_t n, int64_t start) {
    bool padded = false;
    for (int32_t ch = 0; ch < d.nin; ++ch) {
      if (in[ch] || static_cast<size_t>(ch) >= inputs.size()) continue;
      const int64_t have = inputs[ch].second - start;
      if (have <= 0) continue;
      if (!padded) pad_.assign(static_cast<size_t>(n) * d.nin, 0.0f);
      padded = true;
      float* p = pad_.data() + static_cast<size_t>(ch) * n;
      std::copy(inputs[ch].first + start, inputs[ch].first + inputs[ch].second, p);
      in[ch] = p;
    }
    return d.RunBlock(in.data(), out.data(), n);
  }

  void Trapped(int code, int64_t frame, const char* where) {
    trap_ = code;
    trapFrame_ = frame;
    trapWhere_ = where;
    trapText_ = TrapText(dsp_.get(), code);
  }

  Napi::Promise::Deferred deferred_;
  DspWrap* wrap_;
  Napi::ObjectReference wrapRef_;
  std::shared_ptr<DspInstance> dsp_;
  std::vector<float> pad_;
  int64_t elapsedNs_ = 0;
  int trap_ = 0;
  int64_t trapFrame_ = 0;
  std::string trapWhere_, trapText_;
};

// render(inputs: Float32Array[], frames, params: [i, v][], midi: [frame, b0, b1?, b2?][], automation?: [frame, i, v][])
//   -> Promise<{ outputs, trap? }>. The instance must be fresh and unattached.
JW_MAIN_THREAD Napi::Value DspWrap::Render(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!dsp_ || attached_ || busy_) {
    Napi::Error::New(env, "NativeDsp.render: instance is disposed, attached or busy").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* w = new RenderWorker(env, this, info.This().As<Napi::Object>(), dsp_);
  Napi::Array ins = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < ins.Length(); ++i) {
    Napi::Float32Array a = ins.Get(i).As<Napi::Float32Array>();
    w->inputs.emplace_back(a.Data(), static_cast<int64_t>(a.ElementLength()));
    w->keep.push_back(Napi::Persistent(a.As<Napi::Object>()));
  }
  w->frames = static_cast<int64_t>(info[1].ToNumber().DoubleValue());
  Napi::Array outs = Napi::Array::New(env, dsp_->nout);
  for (int32_t ch = 0; ch < dsp_->nout; ++ch) {
    Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(w->frames));
    w->outputs.push_back(a.Data());
    outs.Set(static_cast<uint32_t>(ch), a);
  }
  w->outArray = Napi::Persistent(outs.As<Napi::Object>());
  Napi::Array ps = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < ps.Length(); ++i) {
    Napi::Array p = ps.Get(i).As<Napi::Array>();
    w->params.emplace_back(p.Get(0u).ToNumber().Int32Value(), p.Get(1u).ToNumber().FloatValue());
  }
  Napi::Array ms = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < ms.Length(); ++i) {
    Napi::Array m = ms.Get(i).As<Napi::Array>();
    MidiEvent e{};
    e.frame = static_cast<int64_t>(m.Get(0u).ToNumber().DoubleValue());
    e.len = static_cast<uint8_t>(std::min<uint32_t>(3, m.Length() - 1));
    for (uint8_t k = 0; k < e.len; ++k) e.bytes[k] = static_cast<uint8_t>(m.Get(k + 1u).ToNumber().Uint32Value());
    w->midi.push_back(e);
  }
  std::stable_sort(w->midi.begin(), w->midi.end(), [](const MidiEvent& a, const MidiEvent& b) { return a.frame < b.frame; });
  if (info[4].IsArray()) {
    Napi::Array as = info[4].As<Napi::Array>();
    for (uint32_t i = 0; i < as.Length(); ++i) {
      Napi::Array a = as.Get(i).As<Napi::Array>();
      w->automation.push_back({static_cast<int64_t>(a.Get(0u).ToNumber().DoubleValue()), a.Get(1u).ToNumber().Int32Value(),
                               a.Get(2u).ToNumber().FloatValue()});
    }
    std::stable_sort(w->automation.begin(), w->automation.end(),
                     [](const RenderWorker::Automation& a, const RenderWorker::Automation& b) { return a.frame < b.frame; });
  }
  busy_ = true;
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// --- loading ([worker]) --------------------------------------------------------

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, float sr, int32_t maxFrames)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), path_(std::move(path)), sr_(sr),
        maxFrames_(maxFrames) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  JW_WORKER void Execute() override { dsp_ = DspInstance::Load(path_, sr_, maxFrames_, &code_, &message_); }
  JW_MAIN_THREAD void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("ok", dsp_ != nullptr);
    if (dsp_) {
      r.Set("dsp", DspWrap::Wrap(env, std::move(dsp_)));
    } else {
      r.Set("code", code_);
      r.Set("message", message_);
    }
    deferred_.Resolve(r);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string path_;
  float sr_;
  int32_t maxFrames_;
  std::unique_ptr<DspInstance> dsp_;
  std::string code_, message_;
};

JW_MAIN_THREAD Napi::Value DspLoad(const Napi::CallbackInfo& info) {
  auto* w = new LoadWorker(info.Env(), info[0].As<Napi::String>().Utf8Value(), info[1].ToNumber().FloatValue(),
                           info[2].ToNumber().Int32Value());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace jw
