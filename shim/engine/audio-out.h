// Audio from JS to the graph (Client.play, Client.createWriteStream,
// Client.process): each cycle the audio thread writes an output's samples to
// its own output ports, from one of two sources:
//  - a ring JS fills with interleaved frames (host/ring-buffer.ts's layout);
//    a cycle the ring cannot fill is completed with silence, and those frames
//    are counted (an underrun);
//  - buffers copied in on the main thread (Client.play), optionally looped.
// It starts at a given frame time (sample-accurate), or for a ring once it
// holds enough frames. JS follows it through a control block in shared
// memory (layout below), which needs no call into the addon.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "../threads.h"
#include "io.h"

namespace jw {

// The control block's layout (host/client-play.ts reads the same offsets).
// Rationale: 64-bit counters, so that hours of audio cannot wrap them.
struct OutControl {
  uint32_t flags;       // 0  [JS] kOutEnded | kOutStop (set with Atomics.or)
  uint32_t state;       // 4  [audio-thread] kOutWaiting, kOutPlaying, kOutDone
  uint32_t startFrame;  // 8  [audio-thread] frame time of the first frame played
  uint32_t endFrame;    // 12 [audio-thread] frame time after the last frame played (at kOutDone)
  uint64_t played;      // 16 [audio-thread] frames taken from the source
  uint64_t underrun;    // 24 [audio-thread] frames of silence because the ring was empty
  uint64_t underruns;   // 32 [audio-thread] cycles that had an underrun
  uint64_t loops;       // 40 [audio-thread] times a looped buffer wrapped
  uint32_t late;        // 48 [audio-thread] 1: startAt had passed when the output started
  uint32_t started;     // 52 [audio-thread] 1 once the first frame played (startFrame is valid)
  uint32_t pad[2];
};
static_assert(sizeof(OutControl) == 64, "the control block is 64 bytes (host/client-play.ts)");
constexpr uint32_t kOutEnded = 1;  // JS wrote its last frame: an empty ring ends the output
constexpr uint32_t kOutStop = 2;   // end now
constexpr uint32_t kOutWaiting = 0, kOutPlaying = 1, kOutDone = 2;
constexpr uint32_t kMaxOutChannels = 64;

struct AudioOut {
  uint32_t id = 0;
  std::vector<void*> ports;               // the front end's own output ports (at most kMaxOutChannels)
  OutControl* ctl = nullptr;              // shared with JS (kept alive by `release`)
  // Source: a ring of interleaved frames ...
  uint8_t* ring = nullptr;
  uint32_t size = 0;                      // data bytes, a power of two >= 4
  uint32_t startFrames = 0;               // a ring output starts once it holds this many frames (or ended)
  // ... or buffers, one per port, of `frames` each.
  std::vector<std::vector<float>> data;   // allocated on the main thread
  uint64_t frames = 0;
  bool loop = false;
  uint64_t pos = 0;                       // [audio-thread] next frame of `data`
  bool hasStartAt = false;
  uint32_t startAt = 0;
  std::function<void()> release;          // [main-thread] lets go of the shared memory (called when freed)
  AudioOut() = default;
  AudioOut(const AudioOut&) = delete;
  AudioOut& operator=(const AudioOut&) = delete;
  ~AudioOut() {  // [main-thread]
    if (release) release();
  }
};

// [audio-thread] Writes this cycle's samples of `o` to its ports.
JW_AUDIO_THREAD void RunAudioOut(AudioOut& o, CycleIo& io, uint32_t nframes, uint32_t frameTime);

}  // namespace jw
