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
      pending(pendingCap),
      midiInPort(ports_.midiIn),
      midiOutPort(ports_.midiOut),
      id(id_),
      dsp(std::move(dsp_)),
      ports(std::move(ports_)),
      midiPending(pendingCap),
      midiDue(pendingCap),
      midiDueOff(pendingCap),
      chanStore(new SlotChan[nin + nout + 1]) {
  chans = chanStore.get();
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

// Offset of a timed message in the cycle (negative: late, apply at once).
template <typename M>
JW_AUDIO_THREAD int64_t OffsetOf(const M& m, uint32_t cycleStart) {
  return m.timed ? static_cast<int64_t>(static_cast<int32_t>(m.at - cycleStart)) : 0;
}

}  // namespace

JW_AUDIO_THREAD int RunSlot(Slot& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart) {
  for (uint32_t ch = s.nin; ch < s.nin + s.nout; ++ch) s.chans[ch].cycle = io.AudioOut(s.chans[ch].port, nframes);
  s.midiOutBuf = s.midiOutPort ? io.MidiOut(s.midiOutPort, nframes) : nullptr;
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
    return 0;
  }
  Instance& d = *s.dsp;
  void* midiIn = s.midiInPort ? io.MidiIn(s.midiInPort, nframes) : nullptr;
  // Rationale: const_cast only to share SlotChan; input buffers are never written.
  for (uint32_t ch = 0; ch < s.nin; ++ch) s.chans[ch].cycle = const_cast<float*>(io.AudioIn(s.chans[ch].port, nframes));

  // Parameters from JS: untimed ones now, in order; timed ones wait.
  ParamMsg pm;
  while (news && s.params.pop(pm)) {
    if (pm.timed && s.pending.push(pm)) continue;
    if (pm.timed) s.earlyParams.fetch_add(1, std::memory_order_relaxed);  // applied now instead
    if (int t = d.ParamSet(pm.index, pm.value)) return Trap(s, t, JW_X_PARAM_SET, 0, nframes);
  }
  const bool hasMidi = s.hasMidi;
  // MIDI from JS due in this cycle, sorted by offset (stable; late or
  // untimed events at offset 0); later ones wait in midiPending. Modules
  // without jw_midi get none (sendMidi refuses them).
  if (hasMidi) {
    s.midiDue.clear();
    s.midiDueOff.clear();
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
      s.midiDue.push(e);
      s.midiDueOff.push(o);
      for (size_t pos = s.midiDue.size() - 1; pos > 0 && s.midiDueOff[pos - 1] > o; --pos) {  // insertion sort, stable
        std::swap(s.midiDue[pos], s.midiDue[pos - 1]);
        std::swap(s.midiDueOff[pos], s.midiDueOff[pos - 1]);
      }
    }
    s.midiPending.resize_down(keep);
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
        if (int t = d.ParamSet(m.index, m.value)) return Trap(s, t, JW_X_PARAM_SET, start, nframes);
        continue;
      }
      if (off < static_cast<int64_t>(end)) end = static_cast<uint32_t>(off);
      s.pending[keep++] = m;
    }
    s.pending.resize_down(keep);
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
      const bool haveJs = hasMidi && ji < s.midiDue.size() && s.midiDueOff[ji] < start + n;
      if (!havePort && !haveJs) break;
      const uint8_t* b;
      uint32_t size, time;
      if (havePort && (!haveJs || ev.time <= s.midiDueOff[ji])) {
        b = ev.data;
        size = ev.size;
        time = std::max(ev.time, start);
        ++ei;
      } else {
        b = s.midiDue[ji].bytes;
        size = s.midiDue[ji].len;
        time = std::max(s.midiDueOff[ji], start);
        ++ji;
      }
      if (size < 1 || size > 3 || !hasMidi) continue;  // short messages only
      const int32_t d1 = size > 1 ? b[1] : 0, d2 = size > 2 ? b[2] : 0;
      if (int t = d.Midi(static_cast<int32_t>(time - start), b[0], d1, d2)) return Trap(s, t, JW_X_MIDI, start, nframes);
    }
    if (int t = RunBlock(s, start, n)) return Trap(s, t, JW_X_PROCESS, start, nframes);
    start = end;
  }
  // One writer: a plain store, not a locked read-modify-write.
  s.cycles.store(s.cycles.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return 0;
}

JW_AUDIO_THREAD int RunSlotWatched(Slot& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart, WatchCell* cell,
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

}  // namespace jw
