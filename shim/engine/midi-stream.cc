#include "midi-stream.h"

#include <algorithm>

namespace jw {

namespace {
constexpr uint32_t kHeader = 12;
}

JW_MAIN_THREAD ByteRing::ByteRing(size_t capacity) {
  size_t cap = 64;
  while (cap < capacity) cap <<= 1;
  mask_ = cap - 1;
  buf_.reset(new uint8_t[cap]);
}

JW_ANY_THREAD void ByteRing::Read(size_t at, uint8_t* out, size_t n) const {
  const size_t i = at & mask_, first = std::min(n, mask_ + 1 - i);
  std::memcpy(out, buf_.get() + i, first);
  std::memcpy(out + first, buf_.get(), n - first);
}

JW_ANY_THREAD void ByteRing::Write(size_t at, const uint8_t* in, size_t n) {
  const size_t i = at & mask_, first = std::min(n, mask_ + 1 - i);
  std::memcpy(buf_.get() + i, in, first);
  std::memcpy(buf_.get(), in + first, n - first);
}

JW_ANY_THREAD bool ByteRing::Push(uint32_t frame, uint32_t flags, const uint8_t* bytes, uint32_t len) {
  const size_t head = head_.load(std::memory_order_relaxed);
  const size_t tail = tail_.load(std::memory_order_acquire);
  if (head - tail + kHeader + len > mask_ + 1) return false;
  const uint32_t h[3] = {frame, flags, len};
  Write(head, reinterpret_cast<const uint8_t*>(h), kHeader);
  Write(head + kHeader, bytes, len);
  head_.store(head + kHeader + len, std::memory_order_release);
  return true;
}

JW_ANY_THREAD bool ByteRing::Peek(uint32_t* frame, uint32_t* flags, uint32_t* len) const {
  const size_t tail = tail_.load(std::memory_order_relaxed);
  if (head_.load(std::memory_order_acquire) == tail) return false;
  uint32_t h[3];
  Read(tail, reinterpret_cast<uint8_t*>(h), kHeader);
  *frame = h[0];
  *flags = h[1];
  *len = h[2];
  return true;
}

JW_ANY_THREAD void ByteRing::Pop(uint8_t* out, uint32_t cap) {
  const size_t tail = tail_.load(std::memory_order_relaxed);
  uint32_t h[3];
  Read(tail, reinterpret_cast<uint8_t*>(h), kHeader);
  if (out) Read(tail + kHeader, out, std::min(h[2], cap));
  tail_.store(tail + kHeader + h[2], std::memory_order_release);
}

JW_AUDIO_THREAD void RunMidiStream(MidiStream& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart) {
  if (s.input) {
    void* buf = io.MidiIn(s.port, nframes);
    const uint32_t n = buf ? io.MidiCount(buf) : 0;
    for (uint32_t i = 0; i < n; ++i) {
      MidiEvent ev{};
      if (!io.MidiGet(buf, i, &ev)) continue;
      if (s.ring.Push(cycleStart + ev.time, 1, ev.data, ev.size)) s.passed.fetch_add(1, std::memory_order_relaxed);
      else s.dropped.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  void* buf = io.MidiOut(s.port, nframes);  // cleared
  uint32_t at = 0;  // JACK wants events in time order
  uint32_t frame, flags, len;
  // Untimed messages first, at the cycle's start.
  while (s.now.Peek(&frame, &flags, &len)) {
    s.now.Pop(s.scratch.get(), static_cast<uint32_t>(s.ring.capacity()));
    if (buf && len && io.MidiWrite(buf, 0, s.scratch.get(), len) == 0) s.passed.fetch_add(1, std::memory_order_relaxed);
    else s.dropped.fetch_add(1, std::memory_order_relaxed);
  }
  while (s.ring.Peek(&frame, &flags, &len)) {
    const int64_t off = (flags & 1u) ? static_cast<int32_t>(frame - cycleStart) : 0;
    if (off >= static_cast<int64_t>(nframes)) break;  // a later cycle's
    if (off > static_cast<int64_t>(at)) at = static_cast<uint32_t>(off);
    s.ring.Pop(s.scratch.get(), static_cast<uint32_t>(s.ring.capacity()));
    if (buf && len && io.MidiWrite(buf, at, s.scratch.get(), len) == 0) s.passed.fetch_add(1, std::memory_order_relaxed);
    else s.dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace jw
