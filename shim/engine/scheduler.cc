#include "scheduler.h"

#include <algorithm>
#include <cstring>

#include "../wasm-rt/jw-runtime.h"
#include "clock.h"

namespace jw {

Slot::Slot(uint32_t id_, std::shared_ptr<Instance> dsp_, SlotPorts ports_, size_t pendingCap)
    // The hot block's members come first in declaration order, so they
    // read dsp_ before it is moved into `dsp`.
    : api(dsp_->api()),
      inst(dsp_->handle()),
      mem(dsp_->memoryBase()),
      chans(nullptr),
      nin(static_cast<uint32_t>(dsp_->inputs())),
      nout(static_cast<uint32_t>(dsp_->outputs())),
      block(static_cast<uint32_t>(dsp_->options().maxFrames)),
      hasMidi(dsp_->Has(JW_X_MIDI)),
      transportOff(dsp_->transportOffset()),
      pending(pendingCap),
      ramps(static_cast<size_t>(std::max(1, dsp_->paramCount()))),
      midiInPort(ports_.midiIn),
      midiOutPort(ports_.midiOut),
      id(id_),
      dsp(std::move(dsp_)),
      ports(std::move(ports_)),
      params(pendingCap),
      midiJs(pendingCap),
      bufferCount(static_cast<uint32_t>(dsp->buffers().size())),
      ringCount(static_cast<uint32_t>(dsp->rings().size())),
      midiPending(pendingCap),
      midiDue(pendingCap),
      midiOrder(pendingCap),
      chanStore(new SlotChan[nin + nout + 1]) {
  rings.reset(new RingState[std::max<uint32_t>(1, ringCount)]);
  chans = chanStore.get();
  bufferAcks.reset(new std::atomic<uint32_t>[std::max<uint32_t>(1, bufferCount)]);
  bufferShape.reset(new std::atomic<uint64_t>[std::max<uint32_t>(1, bufferCount)]);
  for (uint32_t k = 0; k < std::max<uint32_t>(1, bufferCount); ++k) {
    bufferAcks[k].store(0, std::memory_order_relaxed);
    bufferShape[k].store(0, std::memory_order_relaxed);
  }
  current.assign(static_cast<size_t>(std::max(0, dsp->paramCount())), 0.0f);
  for (uint32_t ch = 0; ch < nin; ++ch) chans[ch] = SlotChan{ports.in[ch], nullptr, dsp->inputOffset(static_cast<int32_t>(ch))};
  for (uint32_t ch = 0; ch < nout; ++ch) chans[nin + ch] = SlotChan{ports.out[ch], nullptr, dsp->outputOffset(static_cast<int32_t>(ch))};
  sink.opaque = this;
  sink.write = [](void* opaque, uint32_t frame, const uint8_t* bytes, uint32_t len) JW_AUDIO_THREAD -> int {
    auto* self = static_cast<Slot*>(opaque);
    if (!self->midiOutBuf || !self->io || frame >= self->cycleFrames) return -1;
    return self->io->MidiWrite(self->midiOutBuf, frame, bytes, len);
  };
  dsp->SetMidiSink(&sink);
}

namespace {

// Rationale: at namespace scope, so no function-local static guard (a lock)
// is ever taken on the audio thread.
const Transport kNoTransport{};

JW_AUDIO_THREAD void Silence(Slot& s, uint32_t nframes) {
  for (uint32_t ch = s.nin; ch < s.nin + s.nout; ++ch)
    if (float* o = s.chans[ch].cycle) std::memset(o, 0, nframes * sizeof(float));
}

// Copies `n` frames from `start` of each input (null: silence) into the
// module, runs jw_process, copies the outputs out. Returns 0 or a trap code
// (outputs untouched then).
JW_AUDIO_THREAD int RunBlock(Slot& s, uint32_t start, uint32_t n) {
  const size_t bytes = static_cast<size_t>(n) * sizeof(float);
  const SlotChan* c = s.chans;
  for (uint32_t ch = 0; ch < s.nin; ++ch, ++c) {
    if (c->cycle) std::memcpy(s.mem + c->memOff, c->cycle + start, bytes);
    else std::memset(s.mem + c->memOff, 0, bytes);
  }
  if (s.transportOff) WriteTransport(s.io->transport ? *s.io->transport : kNoTransport, start, s.mem + s.transportOff);
  jw_val a[1];
  a[0].i32 = static_cast<int32_t>(n);
  if (const int trap = s.api->call(s.inst, JW_X_PROCESS, a, nullptr)) return trap;
  for (uint32_t ch = 0; ch < s.nout; ++ch, ++c) std::memcpy(c->cycle + start, s.mem + c->memOff, bytes);
  return 0;
}

JW_AUDIO_THREAD int Trap(Slot& s, int code, int where, uint32_t offset, uint32_t nframes) {
  s.trapWhere.store(where, std::memory_order_relaxed);
  s.trapOffset.store(offset, std::memory_order_relaxed);
  s.trap.store(code, std::memory_order_release);
  // A trapped module goes silent for the whole cycle and from then on.
  Silence(s, nframes);
  return code;
}

// A point on a ramp, computed in double (an f32 `to - from` may overflow)
// and kept between the ends.
JW_AUDIO_THREAD float RampAt(float from, float to, uint32_t done, uint32_t frames) {
  if (done >= frames) return to;
  const double v = from + (static_cast<double>(to) - from) * (static_cast<double>(done) / frames);
  const float f = static_cast<float>(v);
  return std::min(std::max(f, std::min(from, to)), std::max(from, to));
}

// Sets a parameter and remembers the value (a swap hands it on).
JW_AUDIO_THREAD int SetValue(Slot& s, int32_t index, float v) {
  if (static_cast<size_t>(index) < s.current.size()) s.current[static_cast<size_t>(index)] = v;
  return s.dsp->ParamSet(index, v);
}

// Applies a parameter change at frame `at` (a JACK frame time): a plain set
// ends any ramp of the parameter; a ramped one starts a ramp from where the
// running one is (else from the message's `from`). Returns 0 or a trap code.
JW_AUDIO_THREAD int ApplyParam(Slot& s, const ParamMsg& m, uint32_t at) {
  float from = m.from;
  for (size_t k = 0; k < s.ramps.size(); ++k) {
    const Ramp r = s.ramps[k];
    if (r.index != m.index) continue;
    from = RampAt(r.from, r.to, std::min(at - r.start, r.frames), r.frames);
    s.ramps[k] = s.ramps[s.ramps.size() - 1];
    s.ramps.resize_down(s.ramps.size() - 1);
    break;
  }
  if (!m.ramp || !s.ramps.push(Ramp{m.index, from, m.value, at, m.ramp, at + std::min(kRampStep, m.ramp)})) {
    return SetValue(s, m.index, m.value);
  }
  return SetValue(s, m.index, from);
}

// The ramp steps due at `start` (a frame offset in the cycle); lowers *end
// to the next one. Returns 0 or a trap code.
JW_AUDIO_THREAD int StepRamps(Slot& s, uint32_t cycleStart, uint32_t start, uint32_t* end) {
  for (size_t k = 0; k < s.ramps.size();) {
    Ramp& r = s.ramps[k];
    int64_t off = static_cast<int32_t>(r.next - cycleStart);
    if (off <= static_cast<int64_t>(start)) {
      const uint32_t at = r.next;
      const uint32_t done = at - r.start;
      const bool last = done >= r.frames;
      const float v = RampAt(r.from, r.to, done, r.frames);
      const int32_t index = r.index;
      if (last) {
        s.ramps[k] = s.ramps[s.ramps.size() - 1];
        s.ramps.resize_down(s.ramps.size() - 1);
      } else {
        r.next = at + std::min(kRampStep, r.frames - done);
        off = static_cast<int32_t>(r.next - cycleStart);
      }
      if (const int t = SetValue(s, index, v)) return t;
      if (last) continue;
    }
    if (off < static_cast<int64_t>(*end)) *end = static_cast<uint32_t>(off);
    ++k;
  }
  return 0;
}

// Tells the module a buffer region is ready (bounds checked when posted).
JW_AUDIO_THREAD int BufferReady(Slot& s, const BufferNote& m) {
  const uint64_t shape = s.bufferShape[m.slot].load(std::memory_order_acquire);
  jw_val a[4];
  a[0].i32 = static_cast<int32_t>(m.slot);
  a[1].i32 = static_cast<int32_t>(m.region);
  a[2].i32 = static_cast<int32_t>(shape >> 32);
  a[3].i32 = static_cast<int32_t>(shape & 0xffffffffu);
  return s.api->call(s.inst, JW_X_BUFFER_READY, a, nullptr);
}

JW_AUDIO_THREAD void Ack(Slot& s, const BufferNote& m) { s.bufferAcks[m.slot].store(m.seq, std::memory_order_release); }

// Offset of a timed message in the cycle (negative: late, apply at once).
template <typename M>
JW_AUDIO_THREAD int64_t OffsetOf(const M& m, uint32_t cycleStart) {
  return m.timed ? static_cast<int64_t>(static_cast<int32_t>(m.at - cycleStart)) : 0;
}

}  // namespace

JW_AUDIO_THREAD int RunSlot(Slot& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart) {
  for (uint32_t ch = s.nin; ch < s.nin + s.nout; ++ch) s.chans[ch].cycle = io.AudioOut(s.chans[ch].port, nframes);
  // (A retiring slot's MIDI output is dropped: its successor speaks now.)
  s.midiOutBuf = s.midiOutPort ? io.MidiOut(s.midiOutPort, nframes) : nullptr;
  if (s.retiring.load(std::memory_order_relaxed)) s.midiOutBuf = nullptr;
  s.io = &io;
  s.cycleFrames = nframes;
  const uint32_t posted = s.posted.load(std::memory_order_acquire);
  const bool news = posted != s.seen;
  s.seen = posted;
  if (s.trap.load(std::memory_order_relaxed)) {
    // Silent until reset(); discard what JS keeps sending so its queues never fill.
    Silence(s, nframes);
    ParamMsg pm;
    while (news && s.params.pop(pm)) {
    }
    MidiMsg mm;
    while (news && s.midiJs.pop(mm)) {
    }
    // Acknowledged all the same: the host keeps the data for a reset or swap.
    BufferNote bm;
    while (news && s.buffers.pop(bm)) Ack(s, bm);
    return 0;
  }
  Instance& d = *s.dsp;
  void* midiIn = s.midiInPort ? io.MidiIn(s.midiInPort, nframes) : nullptr;
  // Rationale: const_cast only to share SlotChan; input buffers are never written.
  for (uint32_t ch = 0; ch < s.nin; ++ch) s.chans[ch].cycle = const_cast<float*>(io.AudioIn(s.chans[ch].port, nframes));

  // Rings: the host's indices in, before the module runs.
  for (uint32_t k = 0; k < s.ringCount; ++k) d.SetRingHostIndex(d.rings()[k], s.rings[k].hostIdx.load(std::memory_order_acquire));
  // Buffers first, so that what JS sends after loadBuffer finds them.
  BufferNote bm;
  while (news && s.buffers.pop(bm)) {
    if (const int t = BufferReady(s, bm)) {
      // The trap first: whoever sees the acknowledgement also sees the trap.
      Trap(s, t, JW_X_BUFFER_READY, 0, nframes);
      Ack(s, bm);
      return t;
    }
    Ack(s, bm);
  }
  // Parameters from JS: untimed ones now, in order; timed ones wait.
  ParamMsg pm;
  while (news && s.params.pop(pm)) {
    if (pm.timed && s.pending.push(pm)) continue;
    if (pm.timed) s.earlyParams.fetch_add(1, std::memory_order_relaxed);  // applied now instead
    if (int t = ApplyParam(s, pm, cycleStart)) return Trap(s, t, JW_X_PARAM_SET, 0, nframes);
  }
  const bool hasMidi = s.hasMidi;
  // MIDI from JS due in this cycle, sorted by offset (stable; late or
  // untimed events at offset 0); later ones wait in midiPending. Modules
  // without jw_midi get none (sendMidi refuses them).
  if (hasMidi) {
    s.midiDue.clear();
    s.midiOrder.clear();
    MidiMsg mm;
    while (news && s.midiJs.pop(mm)) {
      if (!s.midiPending.push(mm)) s.droppedMidiIn.fetch_add(1, std::memory_order_relaxed);
    }
    size_t keep = 0;
    for (size_t k = 0; k < s.midiPending.size(); ++k) {
      const MidiMsg e = s.midiPending[k];
      const int64_t off = OffsetOf(e, cycleStart);
      if (off >= static_cast<int64_t>(nframes)) {
        s.midiPending[keep++] = e;
        continue;
      }
      const uint32_t o = off < 0 ? 0u : static_cast<uint32_t>(off);
      s.midiOrder.push((static_cast<uint64_t>(o) << 32) | s.midiDue.size());
      s.midiDue.push(e);
    }
    s.midiPending.resize_down(keep);
    std::sort(s.midiOrder.begin(), s.midiOrder.end());
  }

  const uint32_t nev = midiIn ? io.MidiCount(midiIn) : 0;
  uint32_t ei = 0, ji = 0;
  const uint32_t block = s.block;
  for (uint32_t start = 0; start < nframes;) {
    // Blocks stay on the maxFrames grid from the cycle start; a timed
    // parameter change splits a block at its frame.
    uint32_t end = std::min<uint32_t>(nframes, (start / block + 1) * block);
    // Due changes are applied in the order they were set; the rest keep
    // that order (one compacting pass: linear however many are due).
    size_t keep = 0;
    for (size_t k = 0; k < s.pending.size(); ++k) {
      const ParamMsg m = s.pending[k];
      const int64_t off = OffsetOf(m, cycleStart);
      if (off <= static_cast<int64_t>(start)) {
        if (int t = ApplyParam(s, m, cycleStart + start)) return Trap(s, t, JW_X_PARAM_SET, start, nframes);
        continue;
      }
      if (off < static_cast<int64_t>(end)) end = static_cast<uint32_t>(off);
      s.pending[keep++] = m;
    }
    s.pending.resize_down(keep);
    if (s.ramps.size()) {
      if (int t = StepRamps(s, cycleStart, start, &end)) return Trap(s, t, JW_X_PARAM_SET, start, nframes);
    }
    const uint32_t n = end - start;
    // jw_host.midi_out counts from this block's start, also while jw_midi runs.
    s.sink.block_offset = start;
    // This block's MIDI from the input port and from JS, in time order (the
    // port's events first at equal times).
    for (;;) {
      MidiEvent ev{};
      bool havePort = false;
      while (ei < nev) {
        if (io.MidiGet(midiIn, ei, &ev)) {
          havePort = true;
          break;
        }
        ++ei;
      }
      if (havePort && ev.time >= start + n) havePort = false;
      const uint64_t key = hasMidi && ji < s.midiOrder.size() ? s.midiOrder[ji] : 0;
      const uint32_t jsOff = static_cast<uint32_t>(key >> 32);
      const MidiMsg& js = s.midiDue[static_cast<uint32_t>(key)];
      const bool haveJs = hasMidi && ji < s.midiOrder.size() && jsOff < start + n;
      if (!havePort && !haveJs) break;
      const uint8_t* b;
      uint32_t size, time;
      if (havePort && (!haveJs || ev.time <= jsOff)) {
        b = ev.data;
        size = ev.size;
        time = std::max(ev.time, start);
        ++ei;
      } else {
        b = js.bytes;
        size = js.len;
        time = std::max(jsOff, start);
        ++ji;
      }
      if (size < 1 || size > 3 || !hasMidi) continue;  // short messages only
      const int32_t d1 = size > 1 ? b[1] : 0, d2 = size > 2 ? b[2] : 0;
      if (int t = d.Midi(static_cast<int32_t>(time - start), b[0], d1, d2)) return Trap(s, t, JW_X_MIDI, start, nframes);
    }
    if (int t = RunBlock(s, start, n)) return Trap(s, t, JW_X_PROCESS, start, nframes);
    start = end;
  }
  // Rings: the module's indices out, after its last block (its stores to
  // the data came before, on this thread: the release publishes them).
  for (uint32_t k = 0; k < s.ringCount; ++k) {
    s.rings[k].modDropped.store(d.RingModuleDropped(d.rings()[k]), std::memory_order_relaxed);
    s.rings[k].modIdx.store(d.RingModuleIndex(d.rings()[k]), std::memory_order_release);
  }
  // One writer: a plain store, not a locked read-modify-write.
  s.cycles.store(s.cycles.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return 0;
}

namespace {
JW_AUDIO_THREAD int RunWatchedOne(Slot& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart, WatchCell* cell,
                                  const RunPolicy& policy, Outbox* outbox, uint64_t* clock) {
  const bool wasTrapped = s.trap.load(std::memory_order_relaxed) != 0;
  jw_tls* t = policy.tls ? policy.tls : jw_tls_self();
  t->realtime = 1;
  Watchdog::Begin(cell, policy.watchdogNs, t);
  const int trap = RunSlot(s, io, nframes, cycleStart);
  Watchdog::End(cell, t);
  // Time accounting: one counter read per module; this module's start is
  // the previous one's end (or the cycle's start).
  uint64_t t0 = 0, t1 = 0;
  if (clock) {
    t0 = *clock;
    t1 = *clock = Ticks();
  }
  if (trap) {
    if (outbox) {
      RtEvent ev{};
      ev.kind = RtEvent::kTrap;
      ev.slot = s.id;
      ev.code = trap;
      ev.where = s.trapWhere.load(std::memory_order_relaxed);
      outbox->Post(ev);
    }
    return trap;
  }
  if (wasTrapped || policy.budgetShare <= 0 || !clock) return 0;
  const uint64_t ns = static_cast<uint64_t>(static_cast<double>(t1 - t0) * policy.nsPerTick);
  s.lastNs.store(ns, std::memory_order_relaxed);
  if (ns > s.maxNs.load(std::memory_order_relaxed)) s.maxNs.store(ns, std::memory_order_relaxed);
  const uint64_t budget = static_cast<uint64_t>(policy.budgetShare * 1e9 * nframes / policy.sampleRate);
  if (ns <= budget) {
    s.consecutiveOverruns = 0;
    return 0;
  }
  s.overruns.fetch_add(1, std::memory_order_relaxed);
  ++s.consecutiveOverruns;
  RtEvent ev{};
  ev.kind = RtEvent::kOverrun;
  ev.slot = s.id;
  ev.code = static_cast<int32_t>(s.consecutiveOverruns);
  ev.a = ns;
  ev.b = budget;
  if (outbox) outbox->Post(ev);
  if (policy.silenceAfter && s.consecutiveOverruns >= policy.silenceAfter) {
    s.trapWhere.store(JW_X_PROCESS, std::memory_order_relaxed);
    s.trap.store(JW_TRAP_OVERRUN, std::memory_order_release);
    ev.kind = RtEvent::kTrap;
    ev.code = JW_TRAP_OVERRUN;
    ev.where = JW_X_PROCESS;
    if (outbox) outbox->Post(ev);
    return JW_TRAP_OVERRUN;
  }
  return 0;
}

}  // namespace

JW_ANY_THREAD int AdoptSlot(Slot& s, bool callModule) {
  s.adopted.store(true, std::memory_order_release);
  Slot* p = s.prev.get();
  if (!p) return 0;
  const bool trapped = p->trap.load(std::memory_order_acquire) != 0;
  // What JS sent the predecessor and it has not applied yet goes to the
  // successor too (and stays with the predecessor for the crossfade): no
  // timed change or note is lost by a swap. Queue sizes are equal.
  ParamMsg pm;
  while (p->params.pop(pm)) {
    if (!p->pending.push(pm)) p->earlyParams.fetch_add(1, std::memory_order_relaxed);
  }
  MidiMsg mm;
  while (p->midiJs.pop(mm)) {
    if (!p->midiPending.push(mm)) p->droppedMidiIn.fetch_add(1, std::memory_order_relaxed);
  }
  // Parameter indices mean the same only if the layout is the same;
  // otherwise the host already gave the new instance the latest values.
  for (size_t k = 0; s.sameParams && k < p->pending.size(); ++k) {
    if (!s.pending.push(p->pending[k])) s.earlyParams.fetch_add(1, std::memory_order_relaxed);
  }
  for (size_t k = 0; k < p->midiPending.size(); ++k) {
    if (!s.hasMidi || !s.midiPending.push(p->midiPending[k])) s.droppedMidiIn.fetch_add(1, std::memory_order_relaxed);
  }
  int trap = 0;
  if (s.sameParams && !p->trap.load(std::memory_order_relaxed)) {
    // The host seeded the new instance with the values last set; where the
    // old one is still on its way to them (a ramp, a change not yet due),
    // continue from where it is, and the ramps with it. Only parameters the
    // user set: the others keep the new code's defaults.
    for (size_t k = 0; k < p->ramps.size(); ++k) s.ramps.push(p->ramps[k]);
    for (size_t i = 0; callModule && !trap && i < s.current.size() && i < p->current.size() && i < s.carry.size(); ++i) {
      if (s.carry[i] && s.current[i] != p->current[i]) trap = SetValue(s, static_cast<int32_t>(i), p->current[i]);
    }
  }
  // A trapped predecessor stopped mid-block: its state is not worth taking,
  // nor its (silent) output fading.
  if (!s.stateCopies.empty()) {
    if (trapped) {
      s.stateTaken.store(2, std::memory_order_relaxed);
    } else {
      ApplyState(s.stateCopies, p->mem, s.mem);
      s.stateTaken.store(1, std::memory_order_relaxed);
    }
  }
  if (trapped) s.fadeFrom = nullptr;
  if (!s.fadeFrom) s.prevReleased.store(true, std::memory_order_release);
  return trap;
}

namespace {
JW_AUDIO_THREAD void EndFade(Slot& s) {
  s.fadeFrom = nullptr;
  s.prevReleased.store(true, std::memory_order_release);
}

// Mixes this cycle's outputs of `old` (saved in s.fadeBuf) into those of `s`
// along a linear crossfade. Channels on the same port mix as
// old + g * (new - old), so identical outputs stay identical to the bit;
// a port only the old one has fades out, one only the new one has fades in.
JW_AUDIO_THREAD void MixFade(Slot& s, const Slot& old, uint32_t nframes) {
  const float inv = 1.0f / static_cast<float>(s.fadeFrames);
  auto gain = [&](uint32_t i) {
    const uint32_t k = s.fadePos + i + 1;
    return k >= s.fadeFrames ? 1.0f : static_cast<float>(k) * inv;
  };
  for (uint32_t k = 0; k < old.nout; ++k) {
    const SlotChan& oc = old.chans[old.nin + k];
    const float* saved = s.fadeBuf.data() + static_cast<size_t>(k) * s.fadeCap;
    float* out = nullptr;
    for (uint32_t j = 0; j < s.nout && !out; ++j)
      if (s.chans[s.nin + j].port == oc.port) out = s.chans[s.nin + j].cycle;
    if (out) {
      for (uint32_t i = 0; i < nframes; ++i) {
        const float g = gain(i);
        if (g < 1.0f) out[i] = saved[i] + g * (out[i] - saved[i]);
      }
    } else if (oc.cycle) {
      for (uint32_t i = 0; i < nframes; ++i) oc.cycle[i] = saved[i] * (1.0f - gain(i));
    }
  }
  for (uint32_t j = 0; j < s.nout; ++j) {
    const SlotChan& nc = s.chans[s.nin + j];
    bool shared = false;
    for (uint32_t k = 0; k < old.nout && !shared; ++k) shared = old.chans[old.nin + k].port == nc.port;
    if (shared || !nc.cycle) continue;
    for (uint32_t i = 0; i < nframes; ++i) nc.cycle[i] *= gain(i);
  }
}
}  // namespace

JW_AUDIO_THREAD int RunSlotWatched(Slot& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart, WatchCell* cell,
                                   const RunPolicy& policy, Outbox* outbox, uint64_t* clock) {
  if (!s.adopted.load(std::memory_order_relaxed)) {
    s.adoptedFrame.store(cycleStart, std::memory_order_relaxed);
    // Watched: it may call the new instance's jw_param_set (and copies the
    // declared state, whose size the load bounded).
    jw_tls* t = policy.tls ? policy.tls : jw_tls_self();
    t->realtime = 1;
    Watchdog::Begin(cell, policy.watchdogNs, t);
    const int trap = AdoptSlot(s, true);
    Watchdog::End(cell, t);
    if (trap) {
      s.fadeFrom = nullptr;
      s.prevReleased.store(true, std::memory_order_release);
      for (uint32_t ch = s.nin; ch < s.nin + s.nout; ++ch) s.chans[ch].cycle = io.AudioOut(s.chans[ch].port, nframes);
      Trap(s, trap, JW_X_PARAM_SET, 0, nframes);
      if (outbox) {
        RtEvent ev{};
        ev.kind = RtEvent::kTrap;
        ev.slot = s.id;
        ev.code = trap;
        ev.where = JW_X_PARAM_SET;
        outbox->Post(ev);
      }
      return trap;
    }
  }
  Slot* old = s.fadeFrom;
  if (old && nframes > s.fadeCap) {
    EndFade(s);  // a cycle longer than the buffer (the block size grew): cut over
    old = nullptr;
  }
  if (!old) return RunWatchedOne(s, io, nframes, cycleStart, cell, policy, outbox, clock);
  // The predecessor first, reporting nothing (its traps and overruns are
  // no longer the module's); its outputs are kept aside.
  // Its time is its own: the new one's is measured from where it ended.
  RunWatchedOne(*old, io, nframes, cycleStart, cell, policy, nullptr, clock);
  for (uint32_t k = 0; k < old->nout; ++k) {
    float* dst = s.fadeBuf.data() + static_cast<size_t>(k) * s.fadeCap;
    const float* src = old->chans[old->nin + k].cycle;
    if (src) std::memcpy(dst, src, nframes * sizeof(float));
    else std::memset(dst, 0, nframes * sizeof(float));
  }
  const int trap = RunWatchedOne(s, io, nframes, cycleStart, cell, policy, outbox, clock);
  MixFade(s, *old, nframes);
  s.fadePos += nframes;
  if (s.fadePos >= s.fadeFrames) EndFade(s);
  return trap;
}

}  // namespace jw
