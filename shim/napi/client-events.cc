// NativeClient: JACK's notifications, and every event that reaches JS. Events
// arrive in JS as typed objects ({ type: 'portConnect', a, b, connected }),
// delivered in order through one threadsafe function.
#include <jack/metadata.h>
#include <jack/statistics.h>
#include <time.h>

#include <algorithm>

#include "no-cancel.h"
#include "../engine/clock.h"
#include "client.h"
#include "../rtcheck.h"
#include "common.h"

namespace jw {

JW_MAIN_THREAD void ClientWrap::InstallCallbacks() {
  jack_client_t* c = client_;
  jack_set_xrun_callback(c, OnXrun, this);
  jack_on_info_shutdown(c, OnInfoShutdown, this);
  jack_set_freewheel_callback(c, OnFreewheel, this);
  jack_set_buffer_size_callback(c, OnBufferSize, this);
  jack_set_sample_rate_callback(c, OnSampleRate, this);
  jack_set_client_registration_callback(c, OnClientRegistration, this);
  jack_set_port_registration_callback(c, OnPortRegistration, this);
  jack_set_port_connect_callback(c, OnPortConnect, this);
  jack_set_port_rename_callback(c, OnPortRename, this);
  jack_set_graph_order_callback(c, OnGraphOrder, this);
  jack_set_property_change_callback(c, OnPropertyChange, this);
  jack_set_process_callback(c, OnProcess, this);
  jack_set_latency_callback(c, OnLatency, this);
}

// --- latency ---------------------------------------------------------------------

JW_MAIN_THREAD void ClientWrap::AddOwnPort(jack_port_t* p) {
  std::lock_guard<std::mutex> lock(latMu_);
  ownPorts_.push_back(p);
}

JW_MAIN_THREAD void ClientWrap::RemoveOwnPort(jack_port_t* p) {
  std::lock_guard<std::mutex> lock(latMu_);
  ownPorts_.erase(std::remove(ownPorts_.begin(), ownPorts_.end(), p), ownPorts_.end());
  latOverrides_.erase(p);
}

JW_MAIN_THREAD void ClientWrap::SetLatencyOverride(jack_port_t* p, bool capture, jack_latency_range_t range) {
  std::lock_guard<std::mutex> lock(latMu_);
  LatencyOverride& o = latOverrides_[p];
  if (capture) {
    o.capture = true;
    o.cap = range;
  } else {
    o.playback = true;
    o.play = range;
  }
}

// JACK's default propagation (capture latency flows from this client's inputs
// to its outputs, playback latency from outputs to inputs; the union of the
// ranges, as jackd2 does without a callback), then the user's own ranges.
JW_NOTIFY_THREAD void ClientWrap::OnLatency(jack_latency_callback_mode_t mode, void* arg) {
  auto* self = static_cast<ClientWrap*>(arg);
  NoCancel noCancel;  // see no-cancel.h
  std::lock_guard<std::mutex> lock(self->latMu_);
  const bool capture = mode == JackCaptureLatency;
  const int from = capture ? JackPortIsInput : JackPortIsOutput;
  jack_latency_range_t u{0, 0};
  bool any = false;
  for (jack_port_t* p : self->ownPorts_) {
    if (!(jack_port_flags(p) & from)) continue;
    jack_latency_range_t r;
    jack_port_get_latency_range(p, mode, &r);
    if (!any) u = r;
    u.min = std::min(u.min, r.min);
    u.max = std::max(u.max, r.max);
    any = true;
  }
  for (jack_port_t* p : self->ownPorts_) {
    auto it = self->latOverrides_.find(p);
    const bool overridden = it != self->latOverrides_.end() && (capture ? it->second.capture : it->second.playback);
    if (overridden) {
      jack_latency_range_t r = capture ? it->second.cap : it->second.play;
      jack_port_set_latency_range(p, mode, &r);
    } else if (!(jack_port_flags(p) & from)) {
      jack_port_set_latency_range(p, mode, &u);
    }
  }
}

// --- delivery to JS ------------------------------------------------------------------

namespace {

// [main-thread] The event as the object JS receives (host/native.ts: NativeEvent).
JW_MAIN_THREAD Napi::Object EventObject(Napi::Env env, const Event& ev) {
  Napi::Object o = Napi::Object::New(env);
  auto num = [&](const char* k, double v) { o.Set(k, Napi::Number::New(env, v)); };
  auto str = [&](const char* k, const std::string& v) { o.Set(k, Napi::String::New(env, v)); };
  auto boolean = [&](const char* k, bool v) { o.Set(k, Napi::Boolean::New(env, v)); };
  auto type = [&](const char* t) { str("type", t); };
  switch (ev.kind) {
    case Event::kXrun: type("xrun"); num("delayUsecs", ev.d); break;
    case Event::kShutdown: type("shutdown"); num("status", static_cast<double>(ev.i1)); str("reason", ev.s1); break;
    case Event::kFreewheel: type("freewheel"); boolean("starting", ev.i1 != 0); break;
    case Event::kBlockSize: type("blockSize"); num("frames", static_cast<double>(ev.i1)); break;
    case Event::kSampleRate: type("sampleRate"); num("rate", static_cast<double>(ev.i1)); break;
    case Event::kClientRegistration: type("clientRegistration"); str("name", ev.s1); boolean("registered", ev.i1 != 0); break;
    case Event::kPortRegistration: type("portRegistration"); str("port", ev.s1); boolean("registered", ev.i1 != 0); break;
    case Event::kPortConnect: type("portConnect"); str("a", ev.s1); str("b", ev.s2); boolean("connected", ev.i1 != 0); break;
    case Event::kPortRename: type("portRename"); str("port", ev.s1); str("oldName", ev.s2); str("newName", ev.s3); break;
    case Event::kGraphOrder: type("graphOrder"); break;
    case Event::kPropertyChange: type("propertyChange"); str("subject", ev.s1); str("key", ev.s2); num("change", static_cast<double>(ev.i1)); break;
    case Event::kSync:
      type("sync");
      num("seq", static_cast<double>(ev.i1));
      num("state", static_cast<double>(ev.i2));
      o.Set("position", PositionToObject(env, ev.pos));
      break;
    case Event::kOverflow: type("overflow"); num("dropped", static_cast<double>(ev.i1)); break;
    case Event::kTrap: type("trap"); num("slot", static_cast<double>(ev.i1)); num("code", static_cast<double>(ev.i2)); num("where", static_cast<double>(ev.i3)); break;
    case Event::kOverrun:
      type("overrun");
      num("slot", static_cast<double>(ev.i1));
      num("consecutive", static_cast<double>(ev.i2));
      num("count", static_cast<double>(ev.i3));
      num("ns", static_cast<double>(ev.u1));
      num("budgetNs", static_cast<double>(ev.u2));
      break;
  }
  return o;
}

// [main-thread] Runs the JS event callback with the event object.
JW_MAIN_THREAD void DeliverEvent(Napi::Env env, Napi::Function jsCb, Event* ev) {
  if (env != nullptr && jsCb != nullptr) {
    jsCb.Call({EventObject(env, *ev)});
    // An exception thrown by a listener must not be swallowed silently; Node
    // reports it like any uncaught exception.
    if (env.IsExceptionPending()) {
      Napi::Error err = env.GetAndClearPendingException();
      napi_fatal_exception(env, err.Value());
    }
  }
  delete ev;
}

}  // namespace

JW_ANY_THREAD void ClientWrap::Post(Event* ev) {
  NoCancel noCancel;  // Node's queue lock is held across a write(): see no-cancel.h
  jw_rt_note_napi();
  // The queue is unbounded: NonBlockingCall only fails once the function is
  // released (client closing), and then the event has nobody to go to.
  if (tsfn_.NonBlockingCall(ev, DeliverEvent) != napi_ok) delete ev;
}

// --- the drain thread ([worker]) ---------------------------------------------------

JW_WORKER void ClientWrap::DrainOnce() {
  SyncRequest rq;
  while (syncOut_.pop(rq)) {
    Event* ev = new Event(Event::kSync);
    ev->i1 = rq.seq;
    ev->i2 = rq.state;
    ev->pos = rq.pos;
    Post(ev);
  }
  // Overruns are coalesced per module: at most one event per module every
  // 100 ms (or before a trap it led to), with the newest figures and how many
  // overran since the last event. Rationale: with silenceAfter 0 a module can
  // overrun every cycle, hundreds of times a second.
  const uint64_t now = NowNs();
  auto flush = [&](bool all) {
    for (auto it = overruns_.begin(); it != overruns_.end();) {
      if (it->n && (all || now - it->postedAt >= 100000000ull)) {
        Event* e = new Event(Event::kOverrun);
        e->i1 = it->ev.slot;
        e->i2 = it->ev.code;
        e->i3 = it->n;
        e->u1 = it->ev.a;
        e->u2 = it->ev.b;
        Post(e);
        it->n = 0;
        it->postedAt = now;
      }
      // Forget modules quiet for a second (the list stays as short as the graph).
      if (!it->n && now - it->postedAt > 1000000000ull) it = overruns_.erase(it);
      else ++it;
    }
  };
  RtEvent rt;
  while (engine_->PopEvent(&rt)) {
    if (rt.kind == RtEvent::kOverrun) {
      auto it = std::find_if(overruns_.begin(), overruns_.end(), [&](const PendingOverrun& p) { return p.ev.slot == rt.slot; });
      if (it == overruns_.end()) {
        overruns_.push_back(PendingOverrun{rt, 0, 0});
        it = overruns_.end() - 1;
      }
      it->ev = rt;
      it->n++;
      continue;
    }
    flush(true);  // keep the order: overruns before a trap they led to
    Event* ev = new Event(Event::kTrap);
    ev->i1 = rt.slot;
    ev->i2 = rt.code;
    ev->i3 = rt.where;
    Post(ev);
  }
  flush(false);
}

JW_MAIN_THREAD void ClientWrap::StartDrain() {
  if (drainRun_.load()) return;
  drainRun_.store(true);
  drain_ = std::thread([this]() JW_WORKER {
    uint32_t reportedDrops = 0;
    while (drainRun_.load(std::memory_order_relaxed)) {
      DrainOnce();
      const uint32_t drops = rtDropped_.load(std::memory_order_relaxed) + engine_->DroppedEvents();
      if (drops != reportedDrops) {
        Event* ev = new Event(Event::kOverflow);
        ev->i1 = drops;
        Post(ev);
        reportedDrops = drops;
      }
      // Rationale: polling keeps the audio thread free of wake-up syscalls.
      struct timespec ts{0, 2 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
    DrainOnce();  // what the last cycles reported
  });
}

JW_ANY_THREAD void ClientWrap::StopDrain() {
  if (!drainRun_.exchange(false)) return;
  if (drain_.joinable()) drain_.join();
}

// --- notification callbacks ([notify-thread]) -----------------------------

namespace {
// [notify-thread] Name of a port by id; jack_port_by_id reads shared memory
// only (no server round trip), so it is allowed here.
JW_NOTIFY_THREAD std::string PortNameById(jack_client_t* c, jack_port_id_t id) {
  jack_port_t* p = c ? jack_port_by_id(c, id) : nullptr;
  const char* n = p ? jack_port_name(p) : nullptr;
  return n ? n : "";
}
}  // namespace

JW_NOTIFY_THREAD int ClientWrap::OnXrun(void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kXrun);
  ev->d = jack_get_xrun_delayed_usecs(self->cbHandle_);
  self->Post(ev);
  return 0;
}

JW_NOTIFY_THREAD void ClientWrap::OnInfoShutdown(jack_status_t code, const char* reason, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  auto* self = static_cast<ClientWrap*>(arg);
  self->serverGone_.store(true);
  Event* ev = new Event(Event::kShutdown);
  ev->i1 = code;
  ev->s1 = reason ? reason : "";
  self->Post(ev);
}

JW_NOTIFY_THREAD void ClientWrap::OnFreewheel(int starting, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  auto* self = static_cast<ClientWrap*>(arg);
  self->freewheeling_.store(starting != 0);
  Event* ev = new Event(Event::kFreewheel);
  ev->i1 = starting;
  self->Post(ev);
}

JW_NOTIFY_THREAD int ClientWrap::OnBufferSize(jack_nframes_t n, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  Event* ev = new Event(Event::kBlockSize);
  ev->i1 = n;
  static_cast<ClientWrap*>(arg)->Post(ev);
  return 0;
}

JW_NOTIFY_THREAD int ClientWrap::OnSampleRate(jack_nframes_t n, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  static_cast<ClientWrap*>(arg)->sampleRate_.store(n, std::memory_order_relaxed);
  Event* ev = new Event(Event::kSampleRate);
  ev->i1 = n;
  static_cast<ClientWrap*>(arg)->Post(ev);
  return 0;
}

JW_NOTIFY_THREAD void ClientWrap::OnClientRegistration(const char* name, int reg, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  Event* ev = new Event(Event::kClientRegistration);
  ev->s1 = name ? name : "";
  ev->i1 = reg;
  static_cast<ClientWrap*>(arg)->Post(ev);
}

JW_NOTIFY_THREAD void ClientWrap::OnPortRegistration(jack_port_id_t id, int reg, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kPortRegistration);
  ev->s1 = PortNameById(self->cbHandle_, id);
  ev->i1 = reg;
  self->Post(ev);
}

JW_NOTIFY_THREAD void ClientWrap::OnPortConnect(jack_port_id_t a, jack_port_id_t b, int connect, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kPortConnect);
  ev->s1 = PortNameById(self->cbHandle_, a);
  ev->s2 = PortNameById(self->cbHandle_, b);
  ev->i1 = connect;
  self->Post(ev);
}

JW_NOTIFY_THREAD void ClientWrap::OnPortRename(jack_port_id_t id, const char* oldName, const char* newName, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  auto* self = static_cast<ClientWrap*>(arg);
  Event* ev = new Event(Event::kPortRename);
  ev->s1 = PortNameById(self->cbHandle_, id);
  ev->s2 = oldName ? oldName : "";
  ev->s3 = newName ? newName : "";
  self->Post(ev);
}

JW_NOTIFY_THREAD int ClientWrap::OnGraphOrder(void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  static_cast<ClientWrap*>(arg)->Post(new Event(Event::kGraphOrder));
  return 0;
}

JW_NOTIFY_THREAD void ClientWrap::OnPropertyChange(jack_uuid_t subject, const char* key, jack_property_change_t change, void* arg) {
  NoCancel noCancel;  // see no-cancel.h
  Event* ev = new Event(Event::kPropertyChange);
  ev->s1 = UuidToString(subject);
  ev->s2 = key ? key : "";
  ev->i1 = change;
  static_cast<ClientWrap*>(arg)->Post(ev);
}

}  // namespace jw
