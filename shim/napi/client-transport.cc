// NativeClient: transport, the native timebase master, slow sync and time.
#include <cmath>
#include <cstring>

#include "../rtcheck.h"
#include "client.h"
#include "common.h"
#include "util.h"

namespace jw {

#define JW_CLIENT_OR_NULL()   \
  jack_client_t* c = client_; \
  if (!c) return info.Env().Null()

// --- realtime callbacks ([audio-thread]) ----------------------------------

// Slow-sync: JS decides readiness asynchronously. This callback only compares
// an atomic sequence number; a new (state, frame) request is posted to the
// outbox for the drain thread to forward to JS.
JW_AUDIO_THREAD int ClientWrap::OnSync(jack_transport_state_t state, jack_position_t* pos, void* arg) {
  RtScope rt;
  auto* self = static_cast<ClientWrap*>(arg);
  if (self->syncReset_.exchange(false, std::memory_order_acq_rel)) self->syncAwaiting_ = false;
  // Rationale: jackd2 stops calling a client's sync callback once it returned
  // ready, until the next start or relocation. So any call while no request
  // is pending, or with a new state/frame, is a new request.
  if (!self->syncAwaiting_ || static_cast<int>(state) != self->syncLastState_ || pos->frame != self->syncLastFrame_) {
    self->syncAwaiting_ = true;
    self->syncLastState_ = static_cast<int>(state);
    self->syncLastFrame_ = pos->frame;
    self->syncSeq_++;
    SyncRequest req;
    req.seq = self->syncSeq_;
    req.state = static_cast<int32_t>(state);
    req.pos = *pos;
    if (!self->syncOut_.push(req)) {
      // Nobody will hear about this request: report ready rather than stall
      // the transport, and count the loss.
      self->rtDropped_.fetch_add(1, std::memory_order_relaxed);
      self->syncAwaiting_ = false;
      return 1;
    }
  }
  if (self->syncReadySeq_.load(std::memory_order_acquire) == self->syncSeq_) {
    self->syncAwaiting_ = false;
    return 1;
  }
  return 0;
}

// Timebase master: BBT is a pure function of the frame and the current
// settings, so relocation works without history.
JW_AUDIO_THREAD void ClientWrap::OnTimebase(jack_transport_state_t, jack_nframes_t, jack_position_t* pos, int, void* arg) {
  RtScope rt;
  auto* self = static_cast<ClientWrap*>(arg);
  const TimebaseParams& p = self->timebase_.read();
  // Rationale: after jack_transport_locate, jackd2 hands the master a position
  // whose frame_rate is uninitialised for one cycle; use the client's rate.
  const double rate = static_cast<double>(self->sampleRate_.load(std::memory_order_relaxed));
  Transport t;
  BbtAt(static_cast<double>(pos->frame), rate, p, &t);
  pos->valid = static_cast<jack_position_bits_t>(JackPositionBBT | JackTickDouble);
  pos->bar = t.bar;
  pos->beat = t.beat;
  pos->tick = static_cast<int32_t>(t.tick);
  pos->tick_double = t.tick;
  pos->bar_start_tick = (t.bar - 1) * p.beatsPerBar * p.ticksPerBeat;
  pos->beats_per_bar = static_cast<float>(p.beatsPerBar);
  pos->beat_type = static_cast<float>(p.beatType);
  pos->ticks_per_beat = p.ticksPerBeat;
  pos->beats_per_minute = p.bpm;
  self->timebaseCalls_.fetch_add(1, std::memory_order_relaxed);
}

// --- transport ([main-thread]) ------------------------------------------------

JW_MAIN_THREAD Napi::Value ClientWrap::TransportStart(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_transport_start(c);
  return info.Env().Undefined();
}
JW_MAIN_THREAD Napi::Value ClientWrap::TransportStop(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_transport_stop(c);
  return info.Env().Undefined();
}
// transportQuery() -> [state, position]
JW_MAIN_THREAD Napi::Value ClientWrap::TransportQuery(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_position_t pos;
  std::memset(&pos, 0, sizeof pos);
  jack_transport_state_t st = jack_transport_query(c, &pos);
  Napi::Array arr = Napi::Array::New(info.Env(), 2);
  arr.Set(0u, Napi::Number::New(info.Env(), static_cast<int>(st)));
  arr.Set(1u, PositionToObject(info.Env(), pos));
  return arr;
}
JW_MAIN_THREAD Napi::Value ClientWrap::TransportFrame(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_get_current_transport_frame(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::TransportLocate(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_U32(frame, 0);
  return Napi::Number::New(info.Env(), jack_transport_locate(c, frame));
}
JW_MAIN_THREAD Napi::Value ClientWrap::TransportReposition(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  if (!info[0].IsObject()) return TypeErrorFalse(info.Env(), "argument 0 must be a position object"), info.Env().Undefined();
  jack_position_t pos;
  std::memset(&pos, 0, sizeof pos);
  ObjectToPosition(info[0].As<Napi::Object>(), &pos);
  return Napi::Number::New(info.Env(), jack_transport_reposition(c, &pos));
}
JW_MAIN_THREAD Napi::Value ClientWrap::SetSyncTimeout(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_NUM(usecs, 0);
  return Napi::Number::New(info.Env(), jack_set_sync_timeout(c, static_cast<jack_time_t>(usecs)));
}

// setTimebase(conditional, bpm, beatsPerBar, beatType, ticksPerBeat) -> rc
JW_MAIN_THREAD Napi::Value ClientWrap::SetTimebase(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_NUM(bpm, 1);
  JW_ARG_NUM(beatsPerBar, 2);
  JW_ARG_NUM(beatType, 3);
  JW_ARG_NUM(ticksPerBeat, 4);
  timebase_.write(TimebaseParams{bpm, beatsPerBar, beatType, ticksPerBeat});
  const int rc = jack_set_timebase_callback(c, info[0].ToBoolean().Value() ? 1 : 0, OnTimebase, this);
  return Napi::Number::New(info.Env(), rc);
}
JW_MAIN_THREAD Napi::Value ClientWrap::ReleaseTimebase(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_release_timebase(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::SetSyncEnabled(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  const bool on = info[0].ToBoolean().Value();
  if (on) syncReset_.store(true, std::memory_order_release);
  return Napi::Number::New(info.Env(), jack_set_sync_callback(c, on ? OnSync : nullptr, on ? this : nullptr));
}
// syncReady(seq): JS finished preparing for sync request `seq`.
JW_MAIN_THREAD Napi::Value ClientWrap::SyncReady(const Napi::CallbackInfo& info) {
  JW_ARG_U32(seq, 0);
  syncReadySeq_.store(seq, std::memory_order_release);
  return info.Env().Undefined();
}

// --- time ([main-thread]) -------------------------------------------------------

JW_MAIN_THREAD Napi::Value ClientWrap::FramesSinceCycleStart(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_frames_since_cycle_start(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::FrameTime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_frame_time(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::LastFrameTime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  return Napi::Number::New(info.Env(), jack_last_frame_time(c));
}
JW_MAIN_THREAD Napi::Value ClientWrap::FramesToTime(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_U32(frames, 0);
  return Napi::Number::New(info.Env(), static_cast<double>(jack_frames_to_time(c, frames)));
}
JW_MAIN_THREAD Napi::Value ClientWrap::TimeToFrames(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  JW_ARG_NUM(usecs, 0);
  return Napi::Number::New(info.Env(), jack_time_to_frames(c, static_cast<jack_time_t>(usecs)));
}
JW_MAIN_THREAD Napi::Value ClientWrap::GetCycleTimes(const Napi::CallbackInfo& info) {
  JW_CLIENT_OR_NULL();
  jack_nframes_t frames = 0;
  jack_time_t cur = 0, next = 0;
  float period = 0;
  if (jack_get_cycle_times(c, &frames, &cur, &next, &period) != 0) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("currentFrames", Napi::Number::New(info.Env(), frames));
  o.Set("currentUsecs", Napi::Number::New(info.Env(), static_cast<double>(cur)));
  o.Set("nextUsecs", Napi::Number::New(info.Env(), static_cast<double>(next)));
  o.Set("periodUsecs", Napi::Number::New(info.Env(), period));
  return o;
}

}  // namespace jw
