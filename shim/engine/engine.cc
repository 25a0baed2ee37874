#include "engine.h"

#include "clock.h"

#include <algorithm>
#include <cstring>

namespace jw {

JW_MAIN_THREAD Engine::Engine(const std::atomic<bool>* exiting) : nsPerTick_(1.0 / TicksPerNs()) {
  cell_.exiting = exiting;
  Watchdog::Get().Register(&cell_);
}

JW_MAIN_THREAD Engine::~Engine() {
  Watchdog::Get().Unregister(&cell_);
  Collect(true);
  slots_.clear();
  delete published_;
}

JW_MAIN_THREAD void Engine::SetRunning(bool on) {
  running_ = on;
  if (!on) {
    // Nothing runs the graph any more: the newest one is current.
    rt_.pending.exchange(nullptr, std::memory_order_acq_rel);
    rt_.graph = published_;
    if (published_) rt_.ackSeq.store(published_->seq, std::memory_order_release);
  }
}

JW_MAIN_THREAD bool Engine::EnsureStack(const Instance& dsp) {
  const size_t want = dsp.options().stackBytes ? dsp.options().stackBytes : JW_DEFAULT_STACK_BYTES;
  if (stack_ && stack_->s.bytes >= want + JW_STACK_GUARD + JW_STACK_MARGIN) return true;
  auto s = std::make_shared<SharedStack>(want);
  if (!s->ok) return false;
  stack_ = std::move(s);  // graphs still running the old one keep it alive
  return true;
}

JW_MAIN_THREAD bool Engine::Publish() {
  auto* g = new Graph();
  g->seq = ++graphSeq_;
  g->stack = stack_;
  for (auto& s : slots_) g->slots.push_back(s.get());
  for (auto& m : midi_) g->midi.push_back(m.get());
  for (auto& a : audio_) g->audio.push_back(a.get());
  for (auto& o : outs_) g->outs.push_back(o.get());
  if (running_) {
    // Rationale: a mailbox of one, not a queue: every graph is a whole
    // snapshot, so the audio thread needs only the newest, and a burst of
    // changes (70 unloads at once) can never find it full. A graph the
    // audio thread never took is freed at once.
    if (Graph* untaken = rt_.pending.exchange(g, std::memory_order_acq_rel)) {
      delete untaken;  // it was published_
      published_ = nullptr;
    }
    rt_.posted.store(rt_.posted.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    // Rationale: pairs with the fence in Process, so that a cycle starting
    // after SafeFor() saw no cycle in progress also sees this graph.
    std::atomic_thread_fence(std::memory_order_seq_cst);
  } else {
    rt_.graph = g;
    rt_.ackSeq.store(g->seq, std::memory_order_release);
  }
  if (published_) garbageGraphs_.emplace_back(g->seq, published_);
  published_ = g;
  return true;
}

JW_MAIN_THREAD bool Engine::Attach(std::unique_ptr<Slot> slot) {
  if (!EnsureStack(*slot->dsp)) return false;
  slots_.push_back(std::move(slot));
  if (Publish()) return true;
  slots_.pop_back();
  return false;
}

JW_MAIN_THREAD bool Engine::Detach(uint32_t id) {
  for (auto it = slots_.begin(); it != slots_.end(); ++it) {
    if ((*it)->id != id) continue;
    std::unique_ptr<Slot> gone = std::move(*it);
    slots_.erase(it);
    if (!Publish()) {
      slots_.push_back(std::move(gone));  // queue full: nothing changed
      return false;
    }
    garbageSlots_.emplace_back(graphSeq_, std::move(gone));
    return true;
  }
  return false;
}

JW_MAIN_THREAD Engine::SwapResult Engine::Swap(uint32_t id, std::shared_ptr<Instance> dsp, SlotPorts ports, uint32_t fadeFrames,
                                               uint32_t maxCycleFrames, std::vector<StateCopy> copies, bool sameParams,
                                               std::vector<float> values, std::vector<uint8_t> carry,
                                               const std::vector<BufferMsg>& buffers) {
  Collect();  // lets go of a finished earlier swap's predecessor
  for (auto& slot : slots_) {
    if (slot->id != id) continue;
    if (slot->prev) return SwapResult::kBusy;
    if (!dsp || !EnsureStack(*dsp)) return SwapResult::kNoMemory;
    auto fresh = std::make_unique<Slot>(id, std::move(dsp), std::move(ports), slot->pending.capacity());
    fresh->cycles.store(slot->cycles.load(std::memory_order_relaxed), std::memory_order_relaxed);
    fresh->stateCopies = std::move(copies);
    fresh->sameParams = sameParams;
    if (values.size() == fresh->current.size()) fresh->current = std::move(values);
    fresh->carry = std::move(carry);
    for (const BufferMsg& m : buffers) fresh->PostBuffer(m);
    if (fadeFrames && maxCycleFrames) {
      fresh->fadeFrames = fadeFrames;
      fresh->fadeCap = maxCycleFrames;
      fresh->fadeBuf.assign(static_cast<size_t>(slot->nout) * maxCycleFrames, 0.0f);
      fresh->fadeFrom = slot.get();
    }
    slot->retiring.store(fresh->fadeFrom != nullptr, std::memory_order_relaxed);
    fresh->prev = std::move(slot);
    slot = std::move(fresh);
    if (!Publish()) {
      std::unique_ptr<Slot> back = std::move(slot->prev);
      back->retiring.store(false, std::memory_order_relaxed);
      slot = std::move(back);
      return SwapResult::kQueueFull;
    }
    if (!running_) Collect();  // nothing runs: take the state and let go now
    return SwapResult::kOk;
  }
  return SwapResult::kUnknown;
}

// Streams (MIDI or audio) join the graph with the next publish, and leave
// it the same way; a removed one is freed once the audio thread let go.
template <class T>
JW_MAIN_THREAD bool Engine::AddStream(std::vector<std::unique_ptr<T>>& live, std::unique_ptr<T> s) {
  live.push_back(std::move(s));
  if (Publish()) return true;
  live.pop_back();
  return false;
}

template <class T>
JW_MAIN_THREAD bool Engine::RemoveStream(std::vector<std::unique_ptr<T>>& live, std::vector<std::pair<uint64_t, std::unique_ptr<T>>>& garbage, uint32_t id) {
  for (auto it = live.begin(); it != live.end(); ++it) {
    if ((*it)->id != id) continue;
    std::unique_ptr<T> gone = std::move(*it);
    live.erase(it);
    if (!Publish()) {
      live.push_back(std::move(gone));
      return false;
    }
    garbage.emplace_back(graphSeq_, std::move(gone));
    return true;
  }
  return false;
}

JW_MAIN_THREAD bool Engine::AddMidiStream(std::unique_ptr<MidiStream> s) { return AddStream(midi_, std::move(s)); }
JW_MAIN_THREAD bool Engine::RemoveMidiStream(uint32_t id) { return RemoveStream(midi_, garbageMidi_, id); }
JW_MAIN_THREAD bool Engine::AddAudioStream(std::unique_ptr<AudioStream> s) { return AddStream(audio_, std::move(s)); }
JW_MAIN_THREAD bool Engine::RemoveAudioStream(uint32_t id) { return RemoveStream(audio_, garbageAudio_, id); }
JW_MAIN_THREAD bool Engine::AddAudioOut(std::unique_ptr<AudioOut> o) { return AddStream(outs_, std::move(o)); }
JW_MAIN_THREAD bool Engine::RemoveAudioOut(uint32_t id) { return RemoveStream(outs_, garbageOuts_, id); }

JW_MAIN_THREAD AudioStream* Engine::FindAudioStream(uint32_t id) {
  for (auto& a : audio_)
    if (a->id == id) return a.get();
  return nullptr;
}

JW_MAIN_THREAD MidiStream* Engine::FindMidiStream(uint32_t id) {
  for (auto& m : midi_)
    if (m->id == id) return m.get();
  return nullptr;
}

JW_MAIN_THREAD Slot* Engine::Find(uint32_t id) {
  for (auto& s : slots_)
    if (s->id == id) return s.get();
  return nullptr;
}

JW_MAIN_THREAD bool Engine::SafeFor(uint64_t seq) const {
  if (!running_ || seq <= rt_.ackSeq.load(std::memory_order_acquire)) return true;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Not inside a cycle now: the next one adopts the newest graph first.
  return rt_.cyclesIn.load(std::memory_order_seq_cst) == rt_.cyclesOut.load(std::memory_order_seq_cst);
}

JW_MAIN_THREAD size_t Engine::Collect(bool all) {
  size_t fading = 0;
  for (auto& s : slots_) {
    if (!s->prev) continue;
    // Without an audio thread, the main thread does what its first cycle would.
    // (No module call here: nothing watches this thread.)
    if (!running_ && !s->adopted.load(std::memory_order_relaxed)) AdoptSlot(*s, false);
    if (!running_) {
      s->fadeFrom = nullptr;
      s->prevReleased.store(true, std::memory_order_release);
    }
    if (all || s->prevReleased.load(std::memory_order_acquire)) s->prev.reset();
    else ++fading;
  }
  for (auto it = garbageGraphs_.begin(); it != garbageGraphs_.end();) {
    if (all || SafeFor(it->first)) {
      delete it->second;
      it = garbageGraphs_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = garbageSlots_.begin(); it != garbageSlots_.end();) {
    it = all || SafeFor(it->first) ? garbageSlots_.erase(it) : it + 1;
  }
  for (auto it = garbageMidi_.begin(); it != garbageMidi_.end();) {
    it = all || SafeFor(it->first) ? garbageMidi_.erase(it) : it + 1;
  }
  for (auto it = garbageAudio_.begin(); it != garbageAudio_.end();) {
    it = all || SafeFor(it->first) ? garbageAudio_.erase(it) : it + 1;
  }
  for (auto it = garbageOuts_.begin(); it != garbageOuts_.end();) {
    it = all || SafeFor(it->first) ? garbageOuts_.erase(it) : it + 1;
  }
  return garbageGraphs_.size() + garbageSlots_.size() + garbageMidi_.size() + garbageAudio_.size() + garbageOuts_.size() + fading;
}

JW_MAIN_THREAD void Engine::ReleaseAll() {
  SetRunning(false);
  slots_.clear();
  midi_.clear();
  audio_.clear();
  outs_.clear();
  Publish();  // an empty graph; the old one becomes garbage
  Collect(true);
  for (auto& t : taps_) t->done.store(true);
  for (Tap*& slot : rt_.taps) slot = nullptr;
  Tap* pending;
  while (tapIn_.pop(pending)) ++rt_.tapsTaken;  // the audio thread is gone
}

namespace {
JW_MAIN_THREAD bool SlotUses(const Slot& s, const void* port) {
  for (void* p : s.ports.in)
    if (p == port) return true;
  for (void* p : s.ports.out)
    if (p == port) return true;
  return s.ports.midiIn == port || s.ports.midiOut == port || (s.prev && SlotUses(*s.prev, port));
}
template <class T>
JW_MAIN_THREAD bool StreamUses(const T& s, const void* port) {
  for (void* p : s.ports)
    if (p == port) return true;
  return false;
}
JW_MAIN_THREAD bool StreamUses(const MidiStream& s, const void* port) { return s.port == port; }
}  // namespace

JW_MAIN_THREAD Engine::PortUse Engine::PortUsers(const void* port, bool midiStreams) {
  Collect();
  for (auto& s : slots_)
    if (SlotUses(*s, port)) return PortUse::kLive;
  for (auto& s : midi_)
    if (midiStreams && StreamUses(*s, port)) return PortUse::kLive;
  for (auto& s : audio_)
    if (StreamUses(*s, port)) return PortUse::kLive;
  for (auto& s : outs_)
    if (StreamUses(*s, port)) return PortUse::kLive;
  for (auto& t : taps_)
    if (!t->done.load(std::memory_order_acquire) && StreamUses(*t, port)) return PortUse::kLive;
  for (auto& [seq, s] : garbageSlots_)
    if (SlotUses(*s, port)) return PortUse::kRetiring;
  for (auto& [seq, s] : garbageMidi_)
    if (StreamUses(*s, port)) return PortUse::kRetiring;
  for (auto& [seq, s] : garbageAudio_)
    if (StreamUses(*s, port)) return PortUse::kRetiring;
  for (auto& [seq, s] : garbageOuts_)
    if (StreamUses(*s, port)) return PortUse::kRetiring;
  return PortUse::kFree;
}

JW_MAIN_THREAD bool Engine::StartTap(std::unique_ptr<Tap> tap) {
  if (!running_ || !tapIn_.push(tap.get())) return false;
  rt_.tapsPosted.store(rt_.tapsPosted.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  taps_.push_back(std::move(tap));
  return true;
}

JW_MAIN_THREAD std::unique_ptr<Tap> Engine::TakeTap(uint32_t id, bool* known) {
  *known = false;
  for (auto it = taps_.begin(); it != taps_.end(); ++it) {
    if ((*it)->id != id) continue;
    *known = true;
    if (!(*it)->done.load(std::memory_order_acquire)) return nullptr;
    std::unique_ptr<Tap> t = std::move(*it);
    taps_.erase(it);
    return t;
  }
  return nullptr;
}

JW_ANY_THREAD Engine::CycleStats Engine::cycleStats() const {
  CycleStats s{};
  s.cycles = statCycles_.load(std::memory_order_relaxed);
  s.totalNs = static_cast<uint64_t>(static_cast<double>(statTicks_.load(std::memory_order_relaxed)) * nsPerTick_);
  s.maxNs = static_cast<uint64_t>(static_cast<double>(statMaxTicks_.load(std::memory_order_relaxed)) * nsPerTick_);
  const uint64_t minTicks = statMinTicks_.load(std::memory_order_relaxed);
  s.minNs = minTicks == UINT64_MAX ? 0 : static_cast<uint64_t>(static_cast<double>(minTicks) * nsPerTick_);
  s.overPeriod = statOverPeriod_.load(std::memory_order_relaxed);
  for (int i = 0; i < kCycleBuckets; ++i) s.buckets[i] = statBuckets_[i].load(std::memory_order_relaxed);
  for (int i = 0; i < kCycleFineBuckets; ++i) s.fine[i] = statFine_[i].load(std::memory_order_relaxed);
  return s;
}

JW_AUDIO_THREAD void Engine::Process(CycleIo& io, uint32_t nframes, uint32_t frameTime, uint32_t sampleRate) {
  const uint64_t start = Ticks();
  rt_.cyclesIn.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint32_t posted = rt_.posted.load(std::memory_order_acquire);
  const bool news = posted != rt_.seen;
  rt_.seen = posted;
  if (news) {
    if (Graph* g = rt_.pending.exchange(nullptr, std::memory_order_acq_rel)) rt_.graph = g;
  }
  if (rt_.graph) {
    rt_.ackSeq.store(rt_.graph->seq, std::memory_order_release);
    RunPolicy p;
    p.watchdogNs = policyWatchdogNs_.load(std::memory_order_relaxed);
    p.budgetShare = policyShare_.load(std::memory_order_relaxed);
    p.silenceAfter = policySilence_.load(std::memory_order_relaxed);
    p.sampleRate = sampleRate;
    p.tls = jw_tls_self();
    p.nsPerTick = nsPerTick_;
    p.tls->stack = rt_.graph->stack ? &rt_.graph->stack->s : nullptr;
    // MIDI from JS goes out before the modules run (a module reading the
    // port gets it this cycle); MIDI to JS is read after them (it sees what
    // this cycle's modules wrote to ports connected to it).
    for (MidiStream* m : rt_.graph->midi)
      if (!m->input) RunMidiStream(*m, io, nframes, frameTime);
    // Audio from JS too: a module reading a port connected to it hears it this cycle.
    for (AudioOut* o : rt_.graph->outs) RunAudioOut(*o, io, nframes, frameTime);
    uint64_t clock = 0;
    uint64_t* timed = nullptr;
    if (p.budgetShare > 0 && !rt_.graph->slots.empty()) {
      clock = Ticks();
      timed = &clock;
    }
    for (Slot* s : rt_.graph->slots) RunSlotWatched(*s, io, nframes, frameTime, &cell_, p, &outbox_, timed);
    for (MidiStream* m : rt_.graph->midi)
      if (m->input) RunMidiStream(*m, io, nframes, frameTime);
    // After the modules: a stream of their outputs sees this cycle's samples.
    for (AudioStream* a : rt_.graph->audio) RunAudioStream(*a, io, nframes, frameTime);
    p.tls->stack = nullptr;
  }
  // Taps run after the modules, so they see this cycle's module output
  // through connections to the front end's own ports.
  for (Tap*& slot : rt_.taps) {
    if (!slot && rt_.tapsPosted.load(std::memory_order_acquire) != rt_.tapsTaken && tapIn_.pop(slot)) {
      ++rt_.tapsTaken;
      // startAt: a frame that has passed ends the tap at once, unrecorded
      // (the main thread reports it), rather than starting it off the frame.
      if (slot->hasStartAt && static_cast<int32_t>(slot->startAt - frameTime) < 0) {
        slot->late = true;
        slot->startFrame = frameTime;
        slot->done.store(true, std::memory_order_release);
        slot = nullptr;
        continue;
      }
    }
    Tap* t = slot;
    if (!t) continue;
    uint32_t offset = 0;  // first frame of this cycle to record
    if (!t->started) {
      if (t->hasStartAt) {
        const int32_t d = static_cast<int32_t>(t->startAt - frameTime);
        if (d >= static_cast<int32_t>(nframes)) continue;  // not yet
        // d < 0 only if an xrun jumped over startAt: start here, as a jump.
        // It then starts at startAt with a discontinuity at index 0.
        offset = d > 0 ? static_cast<uint32_t>(d) : 0;
        t->startFrame = t->startAt;
        if (d < 0) {
          if (t->jumpCount < t->jumps.size()) t->jumps[t->jumpCount] = {0, frameTime};
          ++t->jumpCount;
        }
      } else {
        t->startFrame = frameTime;
      }
      t->started = true;
      t->nextFrame = frameTime;
    }
    if (frameTime != t->nextFrame) {
      if (t->jumpCount < t->jumps.size()) t->jumps[t->jumpCount] = {t->pos, frameTime};
      ++t->jumpCount;
    }
    t->nextFrame = frameTime + nframes;
    const uint64_t n = std::min<uint64_t>(nframes - offset, t->frames - t->pos);
    for (size_t ch = 0; ch < t->ports.size(); ++ch) {
      const float* src = io.AudioIn(t->ports[ch], nframes);
      if (src) std::memcpy(t->data[ch].data() + t->pos, src + offset, n * sizeof(float));
      else std::memset(t->data[ch].data() + t->pos, 0, n * sizeof(float));
    }
    t->pos += n;
    if (t->pos == t->frames) {
      slot = nullptr;
      t->done.store(true, std::memory_order_release);
    }
  }
  // Cycle statistics (one writer: relaxed read-modify-write without a lock prefix).
  const uint64_t ticks = Ticks() - start;
  statCycles_.store(statCycles_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  statTicks_.store(statTicks_.load(std::memory_order_relaxed) + ticks, std::memory_order_relaxed);
  if (ticks > statMaxTicks_.load(std::memory_order_relaxed)) statMaxTicks_.store(ticks, std::memory_order_relaxed);
  if (ticks < statMinTicks_.load(std::memory_order_relaxed)) statMinTicks_.store(ticks, std::memory_order_relaxed);
  const uint64_t ns = static_cast<uint64_t>(static_cast<double>(ticks) * nsPerTick_);
  const int bucket = ns ? std::min(kCycleBuckets - 1, 64 - __builtin_clzll(ns)) : 0;
  statBuckets_[bucket].store(statBuckets_[bucket].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  const int fine = FineBucket(ns);
  statFine_[fine].store(statFine_[fine].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // Over the period: this cycle alone would have made the server late.
  if (sampleRate && static_cast<double>(ns) * sampleRate > static_cast<double>(nframes) * 1e9) {
    statOverPeriod_.store(statOverPeriod_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  rt_.cyclesOut.fetch_add(1, std::memory_order_seq_cst);
}

}  // namespace jw
