// Module rings: byte streams between a module and JS (docs/abi.md, "Rings").
// A module declares each ring's header (its write and read index, free-running
// byte counts) and data in its memory. The module owns one index, the host
// the other; the audio thread passes them across once per cycle: the host's
// index into the header before the module runs, the module's index out after
// its last block. So neither side ever reads an index the other is writing,
// and the module needs no atomics (WebAssembly threads are not supported).
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "../threads.h"

namespace jw {

constexpr uint32_t kMaxRings = 64;
constexpr uint32_t kRingMinBytes = 16;
constexpr uint32_t kRingMaxBytes = 64u << 20;

// One ring a module declares (jw_ring_table), checked to lie in memory.
struct RingDecl {
  enum Dir : uint32_t { kOut = 0, kIn = 1 };  // kOut: the module writes, JS reads
  std::string key;
  Dir dir;
  uint32_t header;  // write index at +0, read index at +4, the module's dropped bytes at +8
  uint32_t data;
  uint32_t size;    // a power of two
  // Header offset of the index the host owns (the read index of an out ring).
  uint32_t hostField() const { return header + (dir == kOut ? 4 : 0); }
  uint32_t moduleField() const { return header + (dir == kOut ? 0 : 4); }
  uint32_t droppedField() const { return header + 8; }
};
constexpr uint32_t kModuleRingHeaderBytes = 12;

// The indices as the two threads exchange them (one per ring, in the Slot).
struct RingState {
  std::atomic<uint32_t> hostIdx{0};  // [main-thread] writes; [audio-thread] copies it into the header
  std::atomic<uint32_t> modIdx{0};   // [audio-thread] copies it out of the header; [main-thread] reads
  std::atomic<uint32_t> modDropped{0};  // the module's count of bytes it dropped, copied out likewise
  uint64_t lost = 0;                 // [main-thread] bytes an out ring's module overwrote before JS read them
};

}  // namespace jw
