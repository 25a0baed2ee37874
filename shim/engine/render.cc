#include "render.h"

#include <algorithm>
#include <cstring>

#include "../wasm-rt/jw-runtime.h"
#include "clock.h"
#include "scheduler.h"

namespace jw {

namespace {

// Ports of an offline render are channel numbers; MIDI input is the job's
// event list. Input channels that end inside a cycle are padded with silence
// in a scratch buffer.
class OfflineIo : public CycleIo {
 public:
  OfflineIo(RenderJob& job, int32_t maxFrames) : job_(job), pad_(job.inputs.size() * static_cast<size_t>(maxFrames)) {}

  void BeginCycle(int64_t start, uint32_t n, size_t midiFirst, size_t midiEnd) {
    start_ = start;
    midiFirst_ = midiFirst;
    midiEnd_ = midiEnd;
    (void)n;
  }

  const float* AudioIn(void* port, uint32_t nframes) override {
    const size_t ch = reinterpret_cast<uintptr_t>(port) - 1;
    if (ch >= job_.inputs.size()) return nullptr;
    const auto& in = job_.inputs[ch];
    if (in.second >= start_ + nframes) return in.first + start_;
    if (in.second <= start_) return nullptr;
    float* p = pad_.data() + ch * (pad_.size() / job_.inputs.size());
    const int64_t have = in.second - start_;
    std::memcpy(p, in.first + start_, static_cast<size_t>(have) * sizeof(float));
    std::memset(p + have, 0, static_cast<size_t>(nframes - have) * sizeof(float));
    return p;
  }
  float* AudioOut(void* port, uint32_t) override {
    const size_t ch = reinterpret_cast<uintptr_t>(port) - 1;
    return job_.outputs[ch] + start_;
  }
  void* MidiIn(void*, uint32_t) override { return midiEnd_ > midiFirst_ ? this : nullptr; }
  uint32_t MidiCount(void*) override { return static_cast<uint32_t>(midiEnd_ - midiFirst_); }
  bool MidiGet(void*, uint32_t i, MidiEvent* ev) override {
    const RenderJob::Midi& m = job_.midi[midiFirst_ + i];
    ev->time = static_cast<uint32_t>(m.frame - start_);
    ev->size = m.len;
    ev->data = m.bytes;
    return true;
  }
  void* MidiOut(void*, uint32_t) override { return nullptr; }
  int MidiWrite(void*, uint32_t, const uint8_t*, uint32_t) override { return -1; }

 private:
  RenderJob& job_;
  std::vector<float> pad_;
  int64_t start_ = 0;
  size_t midiFirst_ = 0, midiEnd_ = 0;
};

void* PortOf(size_t ch) { return reinterpret_cast<void*>(static_cast<uintptr_t>(ch + 1)); }

}  // namespace

JW_WORKER RenderResult Render(RenderJob& job) {
  RenderResult r;
  const uint64_t t0 = NowNs();
  Instance& d = *job.dsp;
  const int32_t block = d.options().maxFrames;
  // The largest number of automation events in one cycle bounds the slot's
  // pending list (so none is applied early).
  size_t densest = 0;
  for (size_t i = 0, j = 0; i < job.automation.size(); i = j) {
    const int64_t cycle = job.automation[i].frame / block;
    for (j = i; j < job.automation.size() && job.automation[j].frame / block == cycle;) ++j;
    densest = std::max(densest, j - i);
  }
  SlotPorts ports;
  for (int32_t ch = 0; ch < d.inputs(); ++ch) ports.in.push_back(PortOf(ch));
  for (int32_t ch = 0; ch < d.outputs(); ++ch) ports.out.push_back(PortOf(ch));
  if (d.Has(JW_X_MIDI)) ports.midiIn = PortOf(0);
  Slot slot(1, job.dsp, std::move(ports), std::max<size_t>(256, densest));
  for (const BufferMsg& m : job.buffers) slot.PostBuffer(m);
  OfflineIo io(job, block);
  WorkerWatch watch(job.exiting);
  RunPolicy policy;
  policy.watchdogNs = job.watchdogNs;
  policy.sampleRate = static_cast<uint32_t>(d.options().sampleRate);
  policy.tls = jw_tls_self();
  size_t ai = 0, mi = 0;
  for (int64_t start = 0; start < job.frames; start += block) {
    const uint32_t n = static_cast<uint32_t>(std::min<int64_t>(block, job.frames - start));
    while (ai < job.automation.size() && job.automation[ai].frame < start + n) {
      const RenderJob::Automation& a = job.automation[ai++];
      slot.pending.push(ParamMsg{a.index, a.value, static_cast<uint32_t>(a.frame), 1, a.ramp, a.from});
    }
    const size_t midiFirst = mi;
    while (mi < job.midi.size() && job.midi[mi].frame < start + n) ++mi;
    io.BeginCycle(start, n, midiFirst, mi);
    Transport t;
    t.valid = true;
    t.rate = static_cast<uint32_t>(d.options().sampleRate);
    if (job.rolling) {
      t.frame = static_cast<uint32_t>(start);
      t.state = 1;
      BbtAt(static_cast<double>(start), d.options().sampleRate, job.timebase, &t);
    }
    io.transport = &t;
    const int trap = RunSlotWatched(slot, io, n, static_cast<uint32_t>(start), &watch.cell, policy, nullptr, nullptr);
    if (trap) {
      r.trap = trap;
      r.where = slot.trapWhere.load();
      r.frame = start + slot.trapOffset.load();
      r.text = d.TrapText(trap);
      break;
    }
    if (job.progress) job.progress->store(start + n, std::memory_order_relaxed);
  }
  jw_set_realtime(0);  // the worker thread runs other things next
  r.elapsedNs = static_cast<int64_t>(NowNs() - t0);
  return r;
}

}  // namespace jw
