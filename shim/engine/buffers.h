// Buffers: named, double-buffered regions of a module's memory that JS fills
// with audio (DspModule.loadBuffer) while the module runs. The module
// declares them (jw_buffer_table); the host writes the region the module is
// not reading, then tells it through the slot's buffer queue, and the audio
// thread calls jw_buffer_ready at the start of the next cycle. See
// docs/abi.md, "Buffers".
#pragma once
#include <cstdint>
#include <string>

#include "../threads.h"

namespace jw {

// One slot a module declares: `channels` planar channels of `frames` f32
// samples in each of two regions (byte offsets in its memory).
struct BufferSlot {
  std::string key;
  uint32_t channels, frames;
  uint32_t region[2];
};

// A hand-over: region `region` of slot `slot` holds `frames` frames of
// `channels` channels. `seq` is what the audio thread acknowledges
// (Slot::bufferAcks) once the module was told.
struct BufferMsg {
  uint32_t slot, region, channels, frames, seq;
};

// What goes through the queue; the channels and frames wait in the slot
// (Slot::bufferShape), so that while no cycles run the host can replace the
// audio of a hand-over not yet taken without queueing another.
struct BufferNote {
  uint32_t slot, region, seq;
};

// Rationale: the host keeps at most one hand-over per slot in the queue (it
// waits for the acknowledgement while cycles run, and replaces the waiting
// one while none do), so 64 slots never fill it.
constexpr uint32_t kMaxBufferSlots = 64;
constexpr size_t kBufferQueue = 128;
constexpr uint32_t kMaxBufferChannels = 64;

}  // namespace jw
