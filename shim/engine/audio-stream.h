// Audio from the graph to JS (Client.createReadStream): each cycle the audio
// thread writes the samples of a stream's own input ports into a ring in
// memory JS reads (a SharedArrayBuffer with host/ring-buffer.ts's layout),
// one record per cycle; a cycle that does not fit is dropped and counted,
// and the next record says how many frames were lost before it.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "../threads.h"
#include "io.h"

namespace jw {

// The ring's layout (host/ring-buffer.ts): write index at byte 0, read
// index at 64, size at 128, data from 192.
constexpr uint32_t kRingHeaderBytes = 192;

// Each record: frame time, frames, frames lost since the previous record
// (or the start), channel count, then the channels one after the other (f32);
// for a meter, per channel only the cycle's peak and RMS (f32 each).
constexpr uint32_t kStreamRecordHeader = 16;

struct AudioStream {
  uint32_t id = 0;
  std::vector<void*> ports;               // the front end's own input ports
  uint8_t* ring = nullptr;                 // header + data, owned by JS (kept alive by `release`)
  uint32_t size = 0;                       // data bytes, a power of two
  uint32_t limit = 0;                      // bytes the ring may hold (0: all it can); the ring's size is a power of two, the caller's capacity need not be
  bool meter = false;                      // records carry peak and RMS per channel, not samples (Client.meter)
  std::function<void()> release;           // [main-thread] lets go of the ring's memory (called when freed)
  std::atomic<uint64_t> lostFrames{0};     // [audio-thread] writes; frames dropped in all
  std::atomic<uint64_t> records{0};        // [audio-thread] writes; cycles written
  uint32_t pendingLost = 0;                // [audio-thread] lost since the last record written
  AudioStream() = default;
  AudioStream(const AudioStream&) = delete;
  AudioStream& operator=(const AudioStream&) = delete;
  ~AudioStream() {  // [main-thread]
    if (release) release();
  }
};

// [audio-thread] Writes this cycle's record (or counts it as lost).
JW_AUDIO_THREAD void RunAudioStream(AudioStream& s, CycleIo& io, uint32_t nframes, uint32_t frameTime);

}  // namespace jw
