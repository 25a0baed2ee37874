#include "audio-stream.h"

#include <cstring>

namespace jw {

namespace {

// Copies `n` bytes to the ring at data offset `at` (wrapping).
JW_AUDIO_THREAD void Put(AudioStream& s, uint32_t at, const void* src, uint32_t n) {
  uint8_t* data = s.ring + kRingHeaderBytes;
  const uint32_t first = n < s.size - at ? n : s.size - at;
  std::memcpy(data + at, src, first);
  if (n > first) std::memcpy(data, static_cast<const uint8_t*>(src) + first, n - first);
}

JW_AUDIO_THREAD void Zero(AudioStream& s, uint32_t at, uint32_t n) {
  uint8_t* data = s.ring + kRingHeaderBytes;
  const uint32_t first = n < s.size - at ? n : s.size - at;
  std::memset(data + at, 0, first);
  if (n > first) std::memset(data, 0, n - first);
}

}  // namespace

JW_AUDIO_THREAD void RunAudioStream(AudioStream& s, CycleIo& io, uint32_t nframes, uint32_t frameTime) {
  auto* write = reinterpret_cast<int32_t*>(s.ring);
  auto* read = reinterpret_cast<int32_t*>(s.ring + 64);
  const uint32_t mask = s.size - 1;
  // Rationale: JS stores the read index with Atomics.store (sequentially
  // consistent) after it took the data; acquire pairs with it.
  const uint32_t w = static_cast<uint32_t>(__atomic_load_n(write, __ATOMIC_RELAXED)) & mask;
  const uint32_t r = static_cast<uint32_t>(__atomic_load_n(read, __ATOMIC_ACQUIRE)) & mask;
  uint32_t space = (r - w - 1) & mask;
  if (s.limit) {
    const uint32_t used = (w - r) & mask;
    space = used >= s.limit ? 0 : (s.limit - used < space ? s.limit - used : space);
  }
  const uint32_t nch = static_cast<uint32_t>(s.ports.size());
  const uint64_t perChannel = s.meter ? 2 * sizeof(float) : static_cast<uint64_t>(nframes) * sizeof(float);
  const uint64_t need = kStreamRecordHeader + nch * perChannel;
  if (need > space) {
    s.pendingLost += nframes;
    s.lostFrames.store(s.lostFrames.load(std::memory_order_relaxed) + nframes, std::memory_order_relaxed);
    return;
  }
  const uint32_t head[4] = {frameTime, nframes, s.pendingLost, nch};
  uint32_t at = w;
  Put(s, at, head, kStreamRecordHeader);
  at = (at + kStreamRecordHeader) & mask;
  for (uint32_t ch = 0; ch < nch; ++ch) {
    const float* src = io.AudioIn(s.ports[ch], nframes);
    if (s.meter) {
      float level[2] = {0.0f, 0.0f};  // peak, RMS
      if (src && nframes) {
        float peak = 0.0f;
        double sum = 0.0;
        for (uint32_t i = 0; i < nframes; ++i) {
          const float a = src[i] < 0 ? -src[i] : src[i];
          peak = (a > peak || a != a) ? a : peak;  // a NaN stays (it shows, as in the RMS)
          sum += static_cast<double>(src[i]) * src[i];
        }
        level[0] = peak;
        level[1] = static_cast<float>(__builtin_sqrt(sum / nframes));
      }
      Put(s, at, level, sizeof level);
      at = (at + sizeof level) & mask;
      continue;
    }
    const uint32_t bytes = nframes * static_cast<uint32_t>(sizeof(float));
    if (src) Put(s, at, src, bytes);
    else Zero(s, at, bytes);
    at = (at + bytes) & mask;
  }
  s.pendingLost = 0;
  // The record is complete before JS can see it (release pairs with its Atomics.load).
  __atomic_store_n(write, static_cast<int32_t>(at), __ATOMIC_RELEASE);
  s.records.store(s.records.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace jw
