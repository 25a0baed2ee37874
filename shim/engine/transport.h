// Transport and tempo for modules (the optional export jw_transport): the
// state at a cycle's start as the front end reports it, and the 64-byte view
// a module gets at each block's start.
#pragma once
#include <cstdint>

#include "../threads.h"

namespace jw {

// Tempo and signature (what the native timebase master, and offline
// rendering, derive bar/beat/tick from).
struct TimebaseParams {
  double bpm;
  double beatsPerBar;
  double beatType;
  double ticksPerBeat;
};

// The transport at the start of a cycle.
struct Transport {
  uint32_t state = 0;   // JACK's: 0 stopped, 1 rolling, 2 looping, 3 starting, 4 net-starting
  bool valid = false;   // a transport exists (frame and rate are meaningful)
  bool bbt = false;     // bar, beat, tick, tempo and signature are meaningful
  uint32_t frame = 0;   // transport frame of the cycle's first sample
  uint32_t rate = 0;
  double bpm = 0, beatsPerBar = 0, beatType = 0, ticksPerBeat = 0;
  int32_t bar = 0, beat = 0;  // 1-based
  double tick = 0;            // ticks into the beat
};

// [any-thread] Bar, beat and tick of `frame` at a constant tempo from frame
// 0 (the native timebase master's rule: relocation needs no history).
void BbtAt(double frame, double rate, const TimebaseParams& p, Transport* t);

// [audio-thread] Writes the module's view (docs/abi.md, Transport) of `t`
// advanced by `offset` frames (while rolling) to `dst` (64 bytes).
void WriteTransport(const Transport& t, uint32_t offset, uint8_t* dst);

}  // namespace jw
