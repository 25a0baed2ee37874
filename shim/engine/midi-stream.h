// MIDI between JS and a client's own MIDI ports, through the audio thread:
// an input stream copies each cycle's events of a MIDI input port into a
// ring JS drains; an output stream writes what JS queued into a MIDI output
// port at the events' frames. Messages of any length (SysEx included) go
// through one SPSC byte ring per stream; every message lost (a full ring, a
// full JACK buffer) is counted.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "../threads.h"
#include "io.h"

namespace jw {

// Records in a byte ring: frame (u32), flags (u32: 1 = timed), length (u32), bytes.
class ByteRing {
 public:
  explicit ByteRing(size_t capacity);  // [main-thread] rounded up to a power of two
  size_t capacity() const { return mask_ + 1; }
  // [producer] False (and nothing written) when the record does not fit.
  bool Push(uint32_t frame, uint32_t flags, const uint8_t* bytes, uint32_t len);
  // [consumer] The next record's header, without taking it; false when empty.
  bool Peek(uint32_t* frame, uint32_t* flags, uint32_t* len) const;
  // [consumer] Copies the next record's bytes (at most cap) to out and takes it.
  void Pop(uint8_t* out, uint32_t cap);

 private:
  void Read(size_t at, uint8_t* out, size_t n) const;
  void Write(size_t at, const uint8_t* in, size_t n);
  std::unique_ptr<uint8_t[]> buf_;
  size_t mask_;
  std::atomic<size_t> head_{0}, tail_{0};
};

struct MidiStream {
  MidiStream(uint32_t id_, void* port_, bool input_, size_t capacity) : id(id_), port(port_), input(input_), ring(capacity), now(input_ ? 64 : capacity) {}
  const uint32_t id;
  void* const port;
  const bool input;  // true: port -> JS; false: JS -> port
  ByteRing ring;  // input: what arrived; output: timed messages, in time order
  ByteRing now;   // output: untimed messages (the next cycle, ahead of later timed ones)
  std::atomic<uint64_t> dropped{0};  // messages lost
  std::atomic<uint64_t> passed{0};   // messages through
  // [audio-thread] Scratch for an output message (SysEx up to the ring's size).
  std::unique_ptr<uint8_t[]> scratch;
};

// [audio-thread] One cycle of a stream: an input stream takes the port's
// events (frames: `cycleStart` + offset); an output stream writes the queued
// messages due in this cycle (untimed and late ones at the earliest free
// offset) and leaves later ones queued.
void RunMidiStream(MidiStream& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart);

}  // namespace jw
