// NativeClient: the JACK process callback, and the methods through which JS
// edits the engine it runs (modules, parameters, MIDI, taps, policies).
#include <cmath>
#include <cstring>

#include "../rtcheck.h"
#include "addon-data.h"
#include "client.h"
#include "dsp.h"
#include "port.h"
#include "util.h"

namespace jw {

JW_AUDIO_THREAD int ClientWrap::OnProcess(jack_nframes_t nframes, void* arg) {
  RtScope rt;
  auto* self = static_cast<ClientWrap*>(arg);
  // The transport for modules that want it (jw_transport): one query per cycle.
  jack_position_t pos;
  Transport& t = self->cycleTransport_;
  t.state = static_cast<uint32_t>(jack_transport_query(self->cbHandle_, &pos));
  t.valid = true;
  t.frame = pos.frame;
  t.rate = pos.frame_rate ? pos.frame_rate : self->sampleRate_.load(std::memory_order_relaxed);
  t.bbt = (pos.valid & JackPositionBBT) != 0;
  if (t.bbt) {
    t.bpm = pos.beats_per_minute;
    t.beatsPerBar = pos.beats_per_bar;
    t.beatType = pos.beat_type;
    t.ticksPerBeat = pos.ticks_per_beat;
    t.bar = pos.bar;
    t.beat = pos.beat;
    t.tick = (pos.valid & JackTickDouble) ? pos.tick_double : pos.tick;
  }
  self->io_.transport = &t;
  self->engine_->Process(self->io_, nframes, jack_last_frame_time(self->cbHandle_), self->sampleRate_.load(std::memory_order_relaxed));
  return 0;
}

namespace {

// The port handles of an array of NativePorts of this client (false if any
// entry is not a usable NativePort).
JW_MAIN_THREAD bool PortList(const Napi::Value& v, const Napi::FunctionReference& ctor, std::vector<void*>* out) {
  if (!v.IsArray()) return false;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    PortWrap* p = UnwrapChecked<PortWrap>(a.Get(i), ctor);
    if (!p || !p->handle()) return false;
    out->push_back(p->handle());
  }
  return true;
}

// The parameter values the host set on an instance (one finite number per
// parameter; `out` is sized already).
JW_MAIN_THREAD bool ReadValues(const Napi::Value& v, std::vector<float>* out) {
  if (!v.IsArray()) return false;
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() != out->size()) return false;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value x = a.Get(i);
    if (!x.IsNumber()) return false;
    (*out)[i] = x.As<Napi::Number>().FloatValue();
  }
  return true;
}

// Whether a typed array views a SharedArrayBuffer. Rationale: the audio
// thread keeps using the memory; a plain ArrayBuffer could be detached
// (transferred) under it, a SharedArrayBuffer cannot. (napi_is_arraybuffer
// is false for a SharedArrayBuffer.)
JW_MAIN_THREAD bool OverShared(const Napi::Value& typedArray) {
  // The typed array's own buffer (not its "buffer" property, which JS can redefine).
  napi_value ab = nullptr;
  bool plain = true;
  if (napi_get_typedarray_info(typedArray.Env(), typedArray, nullptr, nullptr, nullptr, &ab, nullptr) != napi_ok || !ab) return false;
  if (napi_is_arraybuffer(typedArray.Env(), ab, &plain) != napi_ok) return false;
  return !plain;
}

// Whether every handle is a port of this client flowing `flags` (JackPortIsInput or JackPortIsOutput).
JW_MAIN_THREAD bool OwnPortsOf(jack_client_t* c, const std::vector<void*>& ports, int flags) {
  for (void* h : ports) {
    auto* p = static_cast<jack_port_t*>(h);
    if (!jack_port_is_mine(c, p) || !(jack_port_flags(p) & flags) || std::strcmp(jack_port_type(p), JACK_DEFAULT_AUDIO_TYPE) != 0) return false;
  }
  return true;
}

// A RingBuffer's memory (host/ring-buffer.ts): a Uint8Array over the whole
// SharedArrayBuffer, whose size field (a power of two >= 4) matches it.
JW_MAIN_THREAD bool RingArg(Napi::Env env, const Napi::Value& v, uint8_t** mem, uint32_t* size) {
  void* p = nullptr;
  size_t length = 0;
  napi_typedarray_type type;
  if (!v.IsTypedArray() || napi_get_typedarray_info(env, v, &type, &length, &p, nullptr, nullptr) != napi_ok || !p ||
      type != napi_uint8_array || length <= kRingHeaderBytes || (reinterpret_cast<uintptr_t>(p) & 7) != 0 || !OverShared(v))
    return false;
  const uint32_t n = *reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(p) + 128);
  if (n < 4 || (n & (n - 1)) != 0 || length != kRingHeaderBytes + n) return false;
  *mem = static_cast<uint8_t*>(p);
  *size = n;
  return true;
}

// An optional NativePort: null/undefined gives null; anything else must be usable.
JW_MAIN_THREAD bool OptionalPort(const Napi::Value& v, const Napi::FunctionReference& ctor, void** out) {
  *out = nullptr;
  if (v.IsNull() || v.IsUndefined()) return true;
  PortWrap* p = UnwrapChecked<PortWrap>(v, ctor);
  if (!p || !p->handle()) return false;
  *out = p->handle();
  return true;
}

}  // namespace

// dspAttach(nativeDsp, inPorts, outPorts, midiIn | null, midiOut | null, queueSize, values, initialBuffers?)
//   initialBuffers: [slot, channels, frames, seq][] already written to region 0 (writeBuffer)
//   -> slot id (0: queue full), or null when closed
JW_MAIN_THREAD Napi::Value ClientWrap::DspAttach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!client_) return env.Null();
  DspWrap* w = UnwrapChecked<DspWrap>(info[0], data_->dspCtor);
  if (!w || !w->instance() || w->attached() || w->busy()) return TypeErrorFalse(env, "dspAttach: not a free NativeDsp"), env.Undefined();
  SlotPorts ports;
  if (!PortList(info[1], data_->portCtor, &ports.in) || !PortList(info[2], data_->portCtor, &ports.out) ||
      !OptionalPort(info[3], data_->portCtor, &ports.midiIn) || !OptionalPort(info[4], data_->portCtor, &ports.midiOut))
    return TypeErrorFalse(env, "dspAttach: ports must be NativePorts of an open client"), env.Undefined();
  auto dsp = w->instance();
  if (static_cast<int32_t>(ports.in.size()) != dsp->inputs() || static_cast<int32_t>(ports.out.size()) != dsp->outputs())
    return TypeErrorFalse(env, "dspAttach: port counts differ from the module's channels"), env.Undefined();
  JW_ARG_U32(queueSize, 5);
  if (queueSize < 16 || queueSize > 65536) return TypeErrorFalse(env, "dspAttach: queueSize out of range"), env.Undefined();
  const uint32_t id = engine_->NextSlotId();
  auto slot = std::make_unique<Slot>(id, dsp, std::move(ports), queueSize);
  if (!ReadValues(info[6], &slot->current)) return TypeErrorFalse(env, "dspAttach: values must be one number per parameter"), env.Undefined();
  std::vector<BufferMsg> initial;
  if (!ReadInitialBuffers(info[7], *dsp, &initial)) return TypeErrorFalse(env, "dspAttach: initialBuffers must be [slot, channels, frames, seq] within the module's slots"), env.Undefined();
  for (const BufferMsg& m : initial) slot->PostBuffer(m);  // before anyone runs it: the queue has room
  if (!engine_->Attach(std::move(slot))) return Napi::Number::New(env, 0);
  w->SetAttached();
  return Napi::Number::New(env, id);
}

// dspDetach(id) -> bool
JW_MAIN_THREAD Napi::Value ClientWrap::DspDetach(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  return Napi::Boolean::New(info.Env(), engine_->Detach(id));
}

// dspSwap(id, nativeDsp, inPorts, outPorts, midiIn | null, midiOut | null, fadeFrames, maxCycleFrames, keepState, sameParams, values, carried, initialBuffers?)
//   carried: indices of the parameters whose value in effect the new instance continues from
//   -> { result: 'ok' | 'unknown' | 'busy' | 'queue-full' | 'no-memory', carried, fresh, dropped, stateBytes }
// Replaces the slot's instance (and ports); see Engine::Swap.
JW_MAIN_THREAD Napi::Value ClientWrap::DspSwap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  JW_ARG_U32(id, 0);
  DspWrap* w = UnwrapChecked<DspWrap>(info[1], data_->dspCtor);
  if (!w || !w->instance() || w->attached() || w->busy()) return TypeErrorFalse(env, "dspSwap: not a free NativeDsp"), env.Undefined();
  SlotPorts ports;
  if (!PortList(info[2], data_->portCtor, &ports.in) || !PortList(info[3], data_->portCtor, &ports.out) ||
      !OptionalPort(info[4], data_->portCtor, &ports.midiIn) || !OptionalPort(info[5], data_->portCtor, &ports.midiOut))
    return TypeErrorFalse(env, "dspSwap: ports must be NativePorts of an open client"), env.Undefined();
  JW_ARG_U32(fadeFrames, 6);
  JW_ARG_U32(maxCycleFrames, 7);
  auto dsp = w->instance();
  if (static_cast<int32_t>(ports.in.size()) != dsp->inputs() || static_cast<int32_t>(ports.out.size()) != dsp->outputs())
    return TypeErrorFalse(env, "dspSwap: port counts differ from the module's channels"), env.Undefined();
  if (maxCycleFrames > 65536) return TypeErrorFalse(env, "dspSwap: maxCycleFrames out of range"), env.Undefined();
  Slot* old = engine_->Find(id);
  StatePlan plan;
  if (old && info[8].ToBoolean()) plan = PlanState(*old->dsp, *dsp);
  std::vector<float> values(static_cast<size_t>(std::max(0, dsp->paramCount())), 0.0f);
  if (!ReadValues(info[10], &values)) return TypeErrorFalse(env, "dspSwap: values must be one number per parameter"), env.Undefined();
  std::vector<uint8_t> carry(values.size(), 0);
  if (info[11].IsArray()) {
    Napi::Array a = info[11].As<Napi::Array>();
    for (uint32_t k = 0; k < a.Length(); ++k) {
      Napi::Value v = a.Get(k);
      if (!v.IsNumber()) return TypeErrorFalse(env, "dspSwap: carried must be parameter indices"), env.Undefined();
      const double i = v.As<Napi::Number>().DoubleValue();
      if (!(i >= 0 && i < static_cast<double>(carry.size()))) return TypeErrorFalse(env, "dspSwap: carried index out of range"), env.Undefined();
      carry[static_cast<size_t>(i)] = 1;
    }
  }
  std::vector<BufferMsg> initial;
  if (!ReadInitialBuffers(info[12], *dsp, &initial)) return TypeErrorFalse(env, "dspSwap: initialBuffers must be [slot, channels, frames, seq] within the module's slots"), env.Undefined();
  const auto r = engine_->Swap(id, dsp, std::move(ports), fadeFrames, maxCycleFrames, plan.copies, info[9].ToBoolean(), std::move(values), std::move(carry), initial);
  static const char* const kResults[] = {"ok", "unknown", "busy", "queue-full", "no-memory"};
  Napi::Object o = Napi::Object::New(env);
  o.Set("result", kResults[static_cast<int>(r)]);
  auto list = [&](const std::vector<std::string>& v) {
    Napi::Array a = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), v[i]);
    return a;
  };
  o.Set("carried", list(plan.carried));
  o.Set("fresh", list(plan.fresh));
  o.Set("dropped", list(plan.dropped));
  o.Set("stateBytes", static_cast<double>(plan.bytes));
  if (r == Engine::SwapResult::kOk) w->SetAttached();
  return o;
}

// dspSetParam(id, index, value, at | undefined, rampFrames, from) -> bool (false when the queue is full or the id unknown)
JW_MAIN_THREAD Napi::Value ClientWrap::DspSetParam(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  JW_ARG_I32(index, 1);
  JW_ARG_NUM(value, 2);
  ParamMsg m{index, static_cast<float>(value), 0u, 0u};
  if (info[3].IsNumber()) {
    JW_ARG_U32(at, 3);
    m.at = at;
    m.timed = 1;
  }
  if (info[4].IsNumber()) {
    JW_ARG_U32(ramp, 4);
    JW_ARG_NUM(from, 5);
    m.ramp = ramp;
    m.from = static_cast<float>(from);
    if (!std::isfinite(m.from)) return Napi::Boolean::New(info.Env(), false);
  }
  Slot* s = engine_->Find(id);
  if (!s || index < 0 || index >= s->dsp->paramCount() || !std::isfinite(m.value)) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), s->PostParam(m));
}

// dspSendMidi(id, bytes[], at | undefined) -> bool (false when the queue is full or the id unknown)
JW_MAIN_THREAD Napi::Value ClientWrap::DspSendMidi(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  Napi::Array bytes;
  if (!ArgArray(info, 1, &bytes)) return info.Env().Undefined();
  MidiMsg m{};
  if (info[2].IsNumber()) {
    JW_ARG_U32(at, 2);
    m.at = at;
    m.timed = 1;
  }
  m.len = static_cast<uint8_t>(std::min<uint32_t>(3, bytes.Length()));
  for (uint8_t k = 0; k < m.len; ++k) m.bytes[k] = static_cast<uint8_t>(bytes.Get(k).ToNumber().Uint32Value());
  Slot* s = engine_->Find(id);
  if (!s) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), s->PostMidi(m));
}

// dspPostBuffer(id, slot, region, channels, frames, seq, replace?) -> bool (false when the queue is full or the id unknown)
// Tells the audio thread that region `region` of buffer slot `slot` is ready
// (written with NativeDsp.writeBuffer); it acknowledges `seq` in dspStatus().bufferAcks.
// With `replace`, queues nothing: the hand-over already waiting for the slot
// gets these channels and frames (only while no cycles run; else false).
JW_MAIN_THREAD Napi::Value ClientWrap::DspPostBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  JW_ARG_U32(id, 0);
  JW_ARG_U32(slotIndex, 1);
  JW_ARG_U32(region, 2);
  JW_ARG_U32(channels, 3);
  JW_ARG_U32(frames, 4);
  JW_ARG_U32(seq, 5);
  Slot* s = engine_->Find(id);
  if (!s) return Napi::Boolean::New(env, false);
  const auto& bufs = s->dsp->buffers();
  if (slotIndex >= bufs.size() || region > 1 || channels < 1 || channels > bufs[slotIndex].channels || frames > bufs[slotIndex].frames)
    return TypeErrorFalse(env, "dspPostBuffer: slot, region, channels or frames out of range"), env.Undefined();
  if (info[6].ToBoolean()) {
    if (engine_->running()) return Napi::Boolean::New(env, false);
    s->SetBufferShape(slotIndex, channels, frames);
    return Napi::Boolean::New(env, true);
  }
  return Napi::Boolean::New(env, s->PostBuffer(BufferMsg{slotIndex, region, channels, frames, seq}));
}

// dspStatus(id) -> { trap, where, cycles, earlyParams, droppedMidiIn, lastNs, maxNs, overruns, fading, stateTaken, bufferAcks } | null
JW_MAIN_THREAD Napi::Value ClientWrap::DspStatus(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  Slot* s = engine_->Find(id);
  if (!s) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("trap", s->trap.load());
  o.Set("where", s->trapWhere.load());
  o.Set("cycles", static_cast<double>(s->cycles.load()));
  o.Set("earlyParams", s->earlyParams.load());
  o.Set("droppedMidiIn", s->droppedMidiIn.load());
  o.Set("lastNs", static_cast<double>(s->lastNs.load()));
  o.Set("maxNs", static_cast<double>(s->maxNs.load()));
  o.Set("overruns", static_cast<double>(s->overruns.load()));
  // A swap still crossfading; whether its state copies were made (1) or skipped (2: the predecessor had trapped).
  o.Set("fading", s->prev != nullptr && !s->prevReleased.load(std::memory_order_acquire));
  o.Set("stateTaken", s->stateTaken.load(std::memory_order_relaxed));
  o.Set("adopted", s->adopted.load(std::memory_order_acquire));
  o.Set("adoptedFrame", static_cast<double>(s->adoptedFrame.load(std::memory_order_relaxed)));
  const size_t nb = s->dsp->buffers().size();
  Napi::Array acks = Napi::Array::New(info.Env(), nb);
  for (size_t k = 0; k < nb; ++k) acks.Set(static_cast<uint32_t>(k), s->bufferAcks[k].load(std::memory_order_acquire));
  o.Set("bufferAcks", acks);
  return o;
}

// dspCollect() -> number of items still waiting for the audio thread to let go
JW_MAIN_THREAD Napi::Value ClientWrap::DspCollect(const Napi::CallbackInfo& info) {
  // Rationale: while close() runs on its worker the audio thread may still be
  // in a cycle (jack_client_close has not returned): free only what it let go.
  return Napi::Number::New(info.Env(), static_cast<double>(engine_->Collect(!client_ && !closing_)));
}

// setWatchdog(budgetMs): how long one module may run within a cycle before
// it is interrupted with a timeout trap.
JW_MAIN_THREAD Napi::Value ClientWrap::SetWatchdog(const Napi::CallbackInfo& info) {
  JW_ARG_NUM(ms, 0);
  engine_->SetWatchdogNs(static_cast<uint64_t>(ms * 1e6));
  return info.Env().Undefined();
}

// setOverrunPolicy(share, silenceAfter): a cycle over share x period is an
// overrun; that many in a row silence the module (0 = never).
JW_MAIN_THREAD Napi::Value ClientWrap::SetOverrunPolicy(const Napi::CallbackInfo& info) {
  JW_ARG_NUM(share, 0);
  JW_ARG_U32(silenceAfter, 1);
  engine_->SetOverrunPolicy(share, silenceAfter);
  return info.Env().Undefined();
}

// recStart(inputPorts, frames, startAt?) -> id (0 if the queue is full or the client inactive)
JW_MAIN_THREAD Napi::Value ClientWrap::RecStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto t = std::make_unique<Tap>();
  if (!client_ || !PortList(info[0], data_->portCtor, &t->ports)) return Napi::Number::New(env, 0);
  JW_ARG_NUM(frames, 1);
  if (!(frames >= 1 && frames <= 268435456.0)) return TypeErrorFalse(env, "recStart: frames out of range"), env.Undefined();
  t->id = nextTapId_++;
  t->frames = static_cast<uint64_t>(frames);
  if (info.Length() > 2 && info[2].IsNumber()) {
    const double at = info[2].As<Napi::Number>().DoubleValue();
    if (!(at >= 0 && at <= 4294967295.0) || at != static_cast<double>(static_cast<uint32_t>(at)))
      return TypeErrorFalse(env, "recStart: startAt out of range"), env.Undefined();
    t->hasStartAt = true;
    t->startAt = static_cast<uint32_t>(at);
  }
  t->data.assign(t->ports.size(), std::vector<float>(t->frames, 0.0f));
  t->jumps.resize(1024);
  const uint32_t id = t->id;
  if (!engine_->StartTap(std::move(t))) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, id);
}

// recPoll(id) -> null while recording, undefined if unknown, else { data: Float32Array[], startFrame, late, jumps, jumpsLost }
JW_MAIN_THREAD Napi::Value ClientWrap::RecPoll(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  bool known = false;
  std::unique_ptr<Tap> t = engine_->TakeTap(id, &known);
  if (!known) return info.Env().Undefined();
  if (!t) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  Napi::Array arr = Napi::Array::New(info.Env(), t->data.size());
  for (size_t ch = 0; ch < t->data.size(); ++ch) {
    Napi::Float32Array a = Napi::Float32Array::New(info.Env(), t->frames);
    std::memcpy(a.Data(), t->data[ch].data(), t->frames * sizeof(float));
    arr.Set(static_cast<uint32_t>(ch), a);
  }
  o.Set("data", arr);
  o.Set("startFrame", static_cast<double>(t->startFrame));
  o.Set("late", t->late);
  const size_t nj = std::min(t->jumpCount, t->jumps.size());
  Napi::Array jumps = Napi::Array::New(info.Env(), nj);
  for (size_t k = 0; k < nj; ++k) {
    Napi::Array j = Napi::Array::New(info.Env(), 2);
    j.Set(0u, static_cast<double>(t->jumps[k].first));
    j.Set(1u, static_cast<double>(t->jumps[k].second));
    jumps.Set(static_cast<uint32_t>(k), j);
  }
  o.Set("jumps", jumps);
  o.Set("jumpsLost", static_cast<double>(t->jumpCount - nj));
  return o;
}

}  // namespace jw

namespace jw {

// --- Audio streams to JS ([main-thread]) ------------------------------------

// streamOpen(inputPorts, ring: Uint8Array over a RingBuffer's SharedArrayBuffer, meter?, limitBytes?) -> id (0: the queue is full)
// With `meter`, records carry each channel's peak and RMS per cycle instead of its samples.
// The ring's memory stays referenced until the audio thread has let go of the stream.
JW_MAIN_THREAD Napi::Value ClientWrap::StreamOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!client_) return env.Null();
  auto s = std::make_unique<AudioStream>();
  if (!PortList(info[0], data_->portCtor, &s->ports) || s->ports.empty() || !OwnPortsOf(client_, s->ports, JackPortIsInput))
    return TypeErrorFalse(env, "streamOpen: ports must be this client's own audio input ports"), env.Undefined();
  uint8_t* mem = nullptr;
  uint32_t size = 0;
  if (!RingArg(env, info[1], &mem, &size))
    return TypeErrorFalse(env, "streamOpen: expected a RingBuffer's memory (a Uint8Array over its SharedArrayBuffer)"), env.Undefined();
  s->id = nextStreamId_++;
  s->ring = mem;
  s->size = size;
  s->meter = info[2].ToBoolean().Value();
  if (info[3].IsNumber()) s->limit = info[3].As<Napi::Number>().Uint32Value();
  auto* ref = new Napi::Reference<Napi::Value>(Napi::Persistent(info[1]));
  s->release = [ref]() { delete ref; };  // [main-thread] when the engine frees the stream
  const uint32_t id = s->id;
  if (!engine_->AddAudioStream(std::move(s))) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, id);
}

// streamClose(id) -> bool (false: unknown, or the queue is full: try again)
JW_MAIN_THREAD Napi::Value ClientWrap::StreamClose(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  return Napi::Boolean::New(info.Env(), engine_->RemoveAudioStream(id));
}

// streamStats(id) -> { lostFrames, records } | undefined
JW_MAIN_THREAD Napi::Value ClientWrap::StreamStats(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  AudioStream* s = engine_->FindAudioStream(id);
  if (!s) return info.Env().Undefined();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("lostFrames", static_cast<double>(s->lostFrames.load(std::memory_order_relaxed)));
  o.Set("records", static_cast<double>(s->records.load(std::memory_order_relaxed)));
  return o;
}

// --- Audio from JS to the graph ([main-thread]) -------------------------------

// outOpen(outputPorts, control: Uint8Array (64 bytes of a SharedArrayBuffer),
//         ring: Uint8Array | null, buffers: Float32Array[] | null,
//         startAt: number | undefined, startFrames, loop) -> id (0: the queue is full)
// The source is the ring (a write stream) or a copy of the buffers (play).
JW_MAIN_THREAD Napi::Value ClientWrap::OutOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!client_) return env.Null();
  auto o = std::make_unique<AudioOut>();
  if (!PortList(info[0], data_->portCtor, &o->ports) || o->ports.empty() || o->ports.size() > kMaxOutChannels || !OwnPortsOf(client_, o->ports, JackPortIsOutput))
    return TypeErrorFalse(env, "outOpen: ports must be 1 to 64 of this client's own audio output ports"), env.Undefined();
  void* ctl = nullptr;
  size_t ctlLength = 0;
  napi_typedarray_type type;
  if (!info[1].IsTypedArray() || napi_get_typedarray_info(env, info[1], &type, &ctlLength, &ctl, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array || ctlLength != sizeof(OutControl) || (reinterpret_cast<uintptr_t>(ctl) & 7) != 0 ||
      !OverShared(info[1]))
    return TypeErrorFalse(env, "outOpen: expected a 64-byte control block"), env.Undefined();
  std::memset(ctl, 0, sizeof(OutControl));
  o->ctl = static_cast<OutControl*>(ctl);
  const bool hasRing = !info[2].IsNull() && !info[2].IsUndefined();
  if (hasRing && !RingArg(env, info[2], &o->ring, &o->size))
    return TypeErrorFalse(env, "outOpen: expected a RingBuffer's memory"), env.Undefined();
  if (!hasRing) {
    if (!info[3].IsArray() || info[3].As<Napi::Array>().Length() != o->ports.size())
      return TypeErrorFalse(env, "outOpen: expected one Float32Array per port"), env.Undefined();
    Napi::Array a = info[3].As<Napi::Array>();
    for (uint32_t ch = 0; ch < a.Length(); ++ch) {
      Napi::Value x = a.Get(ch);
      if (!x.IsTypedArray() || x.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        return TypeErrorFalse(env, "outOpen: buffers must be Float32Arrays"), env.Undefined();
      auto f = x.As<Napi::Float32Array>();
      if (ch == 0) o->frames = f.ElementLength();
      if (f.ElementLength() != o->frames || o->frames == 0)
        return TypeErrorFalse(env, "outOpen: buffers must be non-empty and of one length"), env.Undefined();
      // A copy: JS may change or transfer its arrays while they play.
      o->data.emplace_back(f.Data(), f.Data() + f.ElementLength());
    }
  }
  if (info[4].IsNumber()) {
    o->hasStartAt = true;
    o->startAt = info[4].As<Napi::Number>().Uint32Value();
  }
  JW_ARG_U32(startFrames, 5);
  o->startFrames = startFrames;
  o->loop = info[6].ToBoolean().Value();
  o->id = nextStreamId_++;
  // The shared memory stays referenced until the engine frees the output.
  auto* refCtl = new Napi::Reference<Napi::Value>(Napi::Persistent(info[1]));
  Napi::Reference<Napi::Value>* refRing = hasRing ? new Napi::Reference<Napi::Value>(Napi::Persistent(info[2])) : nullptr;
  o->release = [refCtl, refRing]() {  // [main-thread]
    delete refCtl;
    delete refRing;
  };
  const uint32_t id = o->id;
  if (!engine_->AddAudioOut(std::move(o))) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, id);
}

// outClose(id) -> bool (false: unknown, or the queue is full: try again)
JW_MAIN_THREAD Napi::Value ClientWrap::OutClose(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  return Napi::Boolean::New(info.Env(), engine_->RemoveAudioOut(id));
}

// --- MIDI between JS and the client's own MIDI ports ([main-thread]) ---------

// midiOpen(port, input, capacityBytes) -> stream id (0: the queue to the audio thread is full)
JW_MAIN_THREAD Napi::Value ClientWrap::MidiOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!client_) return env.Null();
  PortWrap* p = UnwrapChecked<PortWrap>(info[0], data_->portCtor);
  if (!p || !p->handle()) return TypeErrorFalse(env, "midiOpen: not a port of an open client"), env.Undefined();
  JW_ARG_U32(capacity, 2);
  if (capacity < 64 || capacity > (64u << 20)) return TypeErrorFalse(env, "midiOpen: capacity out of range"), env.Undefined();
  auto s = std::make_unique<MidiStream>(nextMidiId_++, p->handle(), info[1].ToBoolean().Value(), capacity);
  s->scratch.reset(new uint8_t[s->ring.capacity()]);
  const uint32_t id = s->id;
  if (!engine_->AddMidiStream(std::move(s))) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, id);
}

// midiClose(id) -> bool
JW_MAIN_THREAD Napi::Value ClientWrap::MidiClose(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  return Napi::Boolean::New(info.Env(), engine_->RemoveMidiStream(id));
}

// midiWrite(id, bytes: Uint8Array, at | undefined) -> bool (false: the ring is full or the id unknown)
JW_MAIN_THREAD Napi::Value ClientWrap::MidiWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  JW_ARG_U32(id, 0);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    return TypeErrorFalse(env, "midiWrite: bytes must be a Uint8Array"), env.Undefined();
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  uint32_t at = 0, flags = 0;
  if (info[2].IsNumber()) {
    JW_ARG_U32(frame, 2);
    at = frame;
    flags = 1;
  }
  MidiStream* s = engine_->FindMidiStream(id);
  if (!s || s->input) return Napi::Boolean::New(env, false);
  ByteRing& ring = flags ? s->ring : s->now;
  return Napi::Boolean::New(env, ring.Push(at, flags, bytes.Data(), static_cast<uint32_t>(bytes.ElementLength())));
}

// midiRead(id) -> Uint8Array of records { u32 frame, u32 flags, u32 length, bytes } | null (unknown id)
JW_MAIN_THREAD Napi::Value ClientWrap::MidiRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  JW_ARG_U32(id, 0);
  MidiStream* s = engine_->FindMidiStream(id);
  if (!s || !s->input) return env.Null();
  std::vector<uint8_t> out;
  uint32_t frame, flags, len;
  while (s->ring.Peek(&frame, &flags, &len)) {
    const size_t at = out.size();
    out.resize(at + 12 + len);
    std::memcpy(out.data() + at, &frame, 4);
    std::memcpy(out.data() + at + 4, &flags, 4);
    std::memcpy(out.data() + at + 8, &len, 4);
    s->ring.Pop(out.data() + at + 12, len);
  }
  Napi::Uint8Array a = Napi::Uint8Array::New(env, out.size());
  if (!out.empty()) std::memcpy(a.Data(), out.data(), out.size());
  return a;
}

// midiStats(id) -> { passed, dropped } | null
JW_MAIN_THREAD Napi::Value ClientWrap::MidiStats(const Napi::CallbackInfo& info) {
  JW_ARG_U32(id, 0);
  MidiStream* s = engine_->FindMidiStream(id);
  if (!s) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("passed", static_cast<double>(s->passed.load()));
  o.Set("dropped", static_cast<double>(s->dropped.load()));
  return o;
}

}  // namespace jw
