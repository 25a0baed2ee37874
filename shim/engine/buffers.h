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

// A hand-over on its way to the audio thread: region `region` of slot
// `slot` holds `frames` frames of `channels` channels. `seq` is what the
// audio thread acknowledges (Slot::bufferAcks) once the module was told.
struct BufferMsg {
  uint32_t slot, region, channels, frames, seq;
};

// Rationale: hand-overs of one slot are serialised by the host (it waits for
// the acknowledgement before writing again while cycles run), so a queue of
// 4 per slot, 64 slots at most, never fills in use.
constexpr uint32_t kMaxBufferSlots = 64;
constexpr size_t kBufferQueue = 256;
constexpr uint32_t kMaxBufferChannels = 64;

}  // namespace jw
