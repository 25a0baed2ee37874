#include "audio-out.h"

#include <cstring>

#include "audio-stream.h"  // kRingHeaderBytes

namespace jw {

namespace {

template <class T>
JW_AUDIO_THREAD void Publish(T* field, T v) {
  __atomic_store_n(field, v, __ATOMIC_RELEASE);
}
template <class T>
JW_AUDIO_THREAD void Add(T* field, T v) {
  __atomic_store_n(field, __atomic_load_n(field, __ATOMIC_RELAXED) + v, __ATOMIC_RELEASE);
}

JW_AUDIO_THREAD void Silence(float* const* outs, uint32_t nch, uint32_t from, uint32_t to) {
  if (from >= to) return;
  for (uint32_t ch = 0; ch < nch; ++ch)
    if (outs[ch]) std::memset(outs[ch] + from, 0, (to - from) * sizeof(float));
}

JW_AUDIO_THREAD void Finish(AudioOut& o, uint32_t endFrame) {
  o.ctl->endFrame = endFrame;
  Publish(&o.ctl->state, kOutDone);  // after endFrame (JS loads state first)
}

// Copies up to `n` frames from the buffers to outs[..][at..]; returns how many.
JW_AUDIO_THREAD uint32_t FromBuffers(AudioOut& o, float* const* outs, uint32_t nch, uint32_t at, uint32_t n) {
  uint32_t done = 0;
  while (done < n && o.frames > 0) {
    if (o.pos >= o.frames) {
      if (!o.loop) break;
      o.pos = 0;
      Add(&o.ctl->loops, uint64_t{1});
    }
    const uint64_t left = o.frames - o.pos;
    const uint32_t take = left < n - done ? static_cast<uint32_t>(left) : n - done;
    for (uint32_t ch = 0; ch < nch; ++ch)
      if (outs[ch]) std::memcpy(outs[ch] + at + done, o.data[ch].data() + o.pos, take * sizeof(float));
    o.pos += take;
    done += take;
  }
  return done;
}

// Takes up to `n` frames from the ring (interleaved) to outs[..][at..]; returns how many.
JW_AUDIO_THREAD uint32_t FromRing(AudioOut& o, float* const* outs, uint32_t nch, uint32_t at, uint32_t n) {
  auto* write = reinterpret_cast<int32_t*>(o.ring);
  auto* read = reinterpret_cast<int32_t*>(o.ring + 64);
  const uint32_t mask = o.size - 1;
  // Rationale: JS stores the write index with Atomics.store after the data;
  // acquire pairs with it.
  const uint32_t w = static_cast<uint32_t>(__atomic_load_n(write, __ATOMIC_ACQUIRE)) & mask;
  const uint32_t r = static_cast<uint32_t>(__atomic_load_n(read, __ATOMIC_RELAXED)) & mask;
  const uint32_t frameBytes = nch * static_cast<uint32_t>(sizeof(float));
  const uint32_t avail = ((w - r) & mask) / frameBytes;
  const uint32_t take = avail < n ? avail : n;
  // Floats never straddle the end: the size is a power of two >= 4 and JS
  // writes whole floats from a float-aligned index (masked here regardless).
  const auto* data = reinterpret_cast<const float*>(o.ring + kRingHeaderBytes);
  const uint32_t fmask = (o.size >> 2) - 1;
  uint32_t idx = r >> 2;
  for (uint32_t i = 0; i < take; ++i)
    for (uint32_t ch = 0; ch < nch; ++ch, idx = (idx + 1) & fmask)
      if (outs[ch]) outs[ch][at + i] = data[idx];
  if (take) __atomic_store_n(read, static_cast<int32_t>((r + take * frameBytes) & mask), __ATOMIC_RELEASE);
  return take;
}

JW_AUDIO_THREAD uint32_t RingFrames(const AudioOut& o, uint32_t nch) {
  const uint32_t mask = o.size - 1;
  const uint32_t w = static_cast<uint32_t>(__atomic_load_n(reinterpret_cast<int32_t*>(o.ring), __ATOMIC_ACQUIRE)) & mask;
  const uint32_t r = static_cast<uint32_t>(__atomic_load_n(reinterpret_cast<int32_t*>(o.ring + 64), __ATOMIC_RELAXED)) & mask;
  return ((w - r) & mask) / (nch * static_cast<uint32_t>(sizeof(float)));
}

}  // namespace

JW_AUDIO_THREAD void RunAudioOut(AudioOut& o, CycleIo& io, uint32_t nframes, uint32_t frameTime) {
  const uint32_t nch = static_cast<uint32_t>(o.ports.size()) < kMaxOutChannels ? static_cast<uint32_t>(o.ports.size()) : kMaxOutChannels;
  float* outs[kMaxOutChannels];
  for (uint32_t ch = 0; ch < nch; ++ch) outs[ch] = io.AudioOut(o.ports[ch], nframes);
  OutControl& c = *o.ctl;
  // Flags before the ring's write index: once JS said "ended", the index it
  // stored before is final.
  const uint32_t flags = __atomic_load_n(&c.flags, __ATOMIC_ACQUIRE);
  uint32_t state = __atomic_load_n(&c.state, __ATOMIC_RELAXED);
  if (state == kOutDone) return Silence(outs, nch, 0, nframes);
  if (flags & kOutStop) {
    Finish(o, frameTime);
    return Silence(outs, nch, 0, nframes);
  }
  uint32_t at = 0;
  if (state == kOutWaiting) {
    if (o.hasStartAt) {
      const int32_t ahead = static_cast<int32_t>(o.startAt - frameTime);  // frame times wrap at 2^32
      if (ahead >= static_cast<int32_t>(nframes)) return Silence(outs, nch, 0, nframes);
      if (ahead < 0) {  // it had passed: nothing plays (JS reports TOO_LATE)
        Publish(&c.late, 1u);
        Finish(o, frameTime);
        return Silence(outs, nch, 0, nframes);
      }
      at = static_cast<uint32_t>(ahead);
    } else if (o.ring && !(flags & kOutEnded) && RingFrames(o, nch) < o.startFrames) {
      return Silence(outs, nch, 0, nframes);
    }
    Publish(&c.startFrame, frameTime + at);
    Publish(&c.started, 1u);
    Publish(&c.state, kOutPlaying);
    state = kOutPlaying;
  }
  Silence(outs, nch, 0, at);
  const uint32_t want = nframes - at;
  const uint32_t got = o.ring ? FromRing(o, outs, nch, at, want) : FromBuffers(o, outs, nch, at, want);
  Silence(outs, nch, at + got, nframes);
  if (got) Add(&c.played, static_cast<uint64_t>(got));
  if (got < want) {
    if (!o.ring || (flags & kOutEnded)) {
      // Rationale: "ended" was read before the ring, so an empty ring now is the true end.
      Finish(o, frameTime + at + got);
    } else {
      Add(&c.underrun, static_cast<uint64_t>(want - got));
      Add(&c.underruns, uint64_t{1});
    }
  }
}

}  // namespace jw
