// Slot: one module running in an engine, with everything the audio thread
// needs for it preallocated: the queues from JS, the lists of timed events
// not yet due, per-block scratch, MIDI output, and its counters.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "../threads.h"
#include "instance.h"
#include "io.h"
#include "lockfree.h"

namespace jw {

// A parameter change on its way to the audio thread. Timed changes take
// effect at frame `at` (the engine splits the block there).
struct ParamMsg {
  int32_t index;
  float value;
  uint32_t at;
  uint32_t timed;
};

// A short MIDI message from JS to a module (timed like ParamMsg).
struct MidiMsg {
  uint32_t at;
  uint32_t timed;
  uint8_t bytes[3];
  uint8_t len;
};

struct SlotPorts {
  std::vector<void*> in, out;  // one per module channel
  void* midiIn = nullptr;
  void* midiOut = nullptr;
};

struct Slot {
  // [main-thread] / [worker] Allocates everything; `pendingCap` bounds the
  // timed events waiting per list.
  Slot(uint32_t id, std::shared_ptr<Instance> dsp, SlotPorts ports, size_t pendingCap = 256);

  const uint32_t id;
  const std::shared_ptr<Instance> dsp;
  const SlotPorts ports;

  // From JS ([main-thread] producer, [audio-thread] consumer).
  SpscRing<ParamMsg> params{1024};
  SpscRing<MidiMsg> midiJs{1024};

  // State the audio thread reports.
  std::atomic<int> trap{0};
  std::atomic<int> trapWhere{-1};       // export that trapped (enum jw_export)
  std::atomic<uint32_t> trapOffset{0};  // frame offset in the cycle
  std::atomic<uint64_t> cycles{0};
  // Overflow of the pending lists: timed parameter changes applied early,
  // MIDI messages from JS dropped.
  std::atomic<uint32_t> earlyParams{0};
  std::atomic<uint32_t> droppedMidiIn{0};
  // Time accounting ([audio-thread] writes, others read).
  std::atomic<uint64_t> lastNs{0}, maxNs{0}, overruns{0};
  uint32_t consecutiveOverruns = 0;  // [audio-thread]

  // [audio-thread] scratch.
  FixedVec<ParamMsg> pending;     // timed parameter changes not yet applied
  FixedVec<MidiMsg> midiPending;  // MIDI from JS not yet due
  FixedVec<MidiMsg> midiDue;      // this cycle's, sorted by offset
  FixedVec<uint32_t> midiDueOff;
  std::vector<const float*> inCycle, inBlk;
  std::vector<float*> outCycle, outBlk;
  jw_midi_sink sink{};
  CycleIo* io = nullptr;
  void* midiOutBuf = nullptr;
  uint32_t cycleFrames = 0;
};

}  // namespace jw
