// Offline rendering: runs a module through the same scheduler as the JACK
// process callback (RunSlotWatched), with cycles of maxFrames frames whose
// frame time is the render position, into output buffers allocated once.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../threads.h"
#include "instance.h"
#include "transport.h"

namespace jw {

struct RenderJob {
  std::shared_ptr<Instance> dsp;
  // Per input channel: samples and their count (shorter channels, and
  // missing ones, read as silence past their end).
  std::vector<std::pair<const float*, int64_t>> inputs;
  // Per output channel: `frames` samples, written in place.
  std::vector<float*> outputs;
  int64_t frames = 0;
  struct Automation {
    int64_t frame;
    int32_t index;
    float value;
    uint32_t ramp = 0;  // frames (ParamMsg.ramp)
    float from = 0;
  };
  std::vector<Automation> automation;  // sorted by frame (stable)
  // A transport rolling from frame 0 at this tempo (modules with jw_transport); else stopped.
  bool rolling = false;
  TimebaseParams timebase{120, 4, 4, 1920};
  struct Midi {
    int64_t frame;
    uint8_t bytes[3];
    uint8_t len;
  };
  std::vector<Midi> midi;  // sorted by frame (stable)
  std::vector<BufferMsg> buffers;  // hand-overs made before the first block (regions written)
  uint64_t watchdogNs = 5000000000ull;  // per cycle
  const std::atomic<bool>* exiting = nullptr;
  std::atomic<int64_t>* progress = nullptr;  // frames rendered so far
};

struct RenderResult {
  int trap = 0;       // 0, or the trap code
  int where = -1;     // export that trapped
  int64_t frame = 0;  // render frame of the block that trapped
  std::string text;   // trap text
  int64_t elapsedNs = 0;
};

// [worker] Renders the whole job.
RenderResult Render(RenderJob& job);

}  // namespace jw
