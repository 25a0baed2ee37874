// Slot: one module running in an engine, with everything the audio thread
// needs for it preallocated: the queues from JS, the lists of timed events
// not yet due, per-block scratch, MIDI output, and its counters.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "../threads.h"
#include "buffers.h"
#include "instance.h"
#include "io.h"
#include "lockfree.h"
#include "state.h"

namespace jw {

// A parameter change on its way to the audio thread. Timed changes take
// effect at frame `at` (the engine splits the block there). With `ramp`
// frames, the value moves linearly from `from` (or from where a running ramp
// of the parameter is) to `value` (see Ramp).
struct ParamMsg {
  int32_t index;
  float value;
  uint32_t at;
  uint32_t timed;
  uint32_t ramp = 0;
  float from = 0;
};

// A parameter ramp in progress ([audio-thread]): the module gets the value
// on the line from (start, from) to (start + frames, to) every kRampStep
// frames, and exactly `to` at the end. Frames are JACK frame times.
struct Ramp {
  int32_t index;
  float from, to;
  uint32_t start, frames;
  uint32_t next;  // frame of the next step
};
// Rationale: a jw_param_set per sample would split every block into
// one-frame calls; 16 frames (0.33 ms at 48 kHz) is finer than any
// smoother an SDK module puts behind it.
constexpr uint32_t kRampStep = 16;

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

// One module channel as the audio thread sees it.
struct SlotChan {
  void* port;       // the engine front end's port handle
  float* cycle;     // this cycle's port buffer (inputs: null = silence)
  uint32_t memOff;  // the channel's buffer in module memory
};

struct alignas(64) Slot {
  // [main-thread] / [worker] Allocates everything; `pendingCap` bounds the
  // messages waiting in each queue from JS and the timed events waiting per
  // list (the host keeps what it sends within it: DspModule's queue budget).
  Slot(uint32_t id, std::shared_ptr<Instance> dsp, SlotPorts ports, size_t pendingCap = 256);

  // Rationale: the hot block. A cycle runs every module once with caches
  // mostly cold (the period is long next to the work), so what one module
  // costs is mostly the cache lines it touches. Everything RunSlot needs for
  // a module without MIDI or queued messages sits in these lines and one
  // contiguous channel array, copied from the Instance and the ports.
  const jw_module_api* const api;
  void* const inst;
  uint8_t* const mem;
  SlotChan* chans;  // inputs, then outputs (owned by chanStore)
  const uint32_t nin, nout;
  const uint32_t block;  // maxFrames: the block grid
  const bool hasMidi;    // the module has jw_midi
  const uint32_t transportOff;  // where it wants the transport (0: nowhere)
  std::atomic<int> trap{0};
  std::atomic<uint64_t> cycles{0};
  // Rationale: messages from JS bump `posted` after their push, so the audio
  // thread reads one line it already has, not two ring indices per queue,
  // to learn that nothing came.
  std::atomic<uint32_t> posted{0};  // [main-thread] writes
  uint32_t seen = 0;                // [audio-thread] the last `posted` it drained
  FixedVec<ParamMsg> pending;  // [audio-thread] timed parameter changes not yet applied
  FixedVec<Ramp> ramps;        // [audio-thread] at most one per parameter
  std::vector<float> current;  // [audio-thread] each parameter's value as last set (the host seeds it)
  void* const midiInPort;      // ports.midiIn, ports.midiOut
  void* const midiOutPort;
  // [audio-thread] this cycle's I/O, for the MIDI sink.
  jw_midi_sink sink{};
  CycleIo* io = nullptr;
  void* midiOutBuf = nullptr;
  uint32_t cycleFrames = 0;
  // Time accounting ([audio-thread] writes, others read).
  uint32_t consecutiveOverruns = 0;  // [audio-thread]
  std::atomic<uint64_t> lastNs{0}, maxNs{0};

  const uint32_t id;
  const std::shared_ptr<Instance> dsp;
  const SlotPorts ports;

  // From JS ([main-thread] producer, [audio-thread] consumer): post through
  // PostParam / PostMidi, which bump `posted`.
  SpscRing<ParamMsg> params;
  SpscRing<MidiMsg> midiJs;
  SpscRing<BufferNote> buffers{kBufferQueue};
  // [main-thread] False when the queue is full.
  bool PostParam(const ParamMsg& m) { return params.push(m) && Posted(); }
  bool PostMidi(const MidiMsg& m) { return midiJs.push(m) && Posted(); }
  bool PostBuffer(const BufferMsg& m) {
    if (m.slot >= bufferCount) return false;
    SetBufferShape(m.slot, m.channels, m.frames);
    return buffers.push(BufferNote{m.slot, m.region, m.seq}) && Posted();
  }
  // [main-thread] While no cycles run: the hand-over of `slot` waiting in the
  // queue now carries this audio (the host rewrote its region).
  void SetBufferShape(uint32_t slot, uint32_t channels, uint32_t frames) {
    bufferShape[slot].store((static_cast<uint64_t>(channels) << 32) | frames, std::memory_order_release);
  }
  // [audio-thread] writes: per buffer slot, the `seq` of the last hand-over
  // the module was told about (or, trapped, that was dropped).
  std::unique_ptr<std::atomic<uint32_t>[]> bufferAcks;
  // Per buffer slot: channels << 32 | frames of the hand-over in the queue.
  std::unique_ptr<std::atomic<uint64_t>[]> bufferShape;
  const uint32_t bufferCount;
  // The module's rings (dsp->rings()), their indices as exchanged each cycle.
  std::unique_ptr<RingState[]> rings;
  const uint32_t ringCount;

  // State the audio thread reports (besides trap and cycles above).
  std::atomic<int> trapWhere{-1};       // export that trapped (enum jw_export)
  std::atomic<uint32_t> trapOffset{0};  // frame offset in the cycle
  // Overflow of the pending lists: timed parameter changes applied early,
  // MIDI messages from JS dropped.
  std::atomic<uint32_t> earlyParams{0};
  std::atomic<uint32_t> droppedMidiIn{0};
  std::atomic<uint64_t> overruns{0};

  // [audio-thread] scratch.
  FixedVec<MidiMsg> midiPending;  // MIDI from JS not yet due
  FixedVec<MidiMsg> midiDue;      // this cycle's, in arrival order
  // Rationale: (offset << 32 | index into midiDue), sorted in place
  // (O(n log n), no allocation): equal offsets keep arrival order, and
  // messages sent in any order cost no more than in order.
  FixedVec<uint64_t> midiOrder;
  std::unique_ptr<SlotChan[]> chanStore;  // owns `chans`

  // Hot-swap (Engine::Swap). The slot this one replaced keeps running
  // beside it until the crossfade is over; the main thread owns it and
  // frees it once the audio thread has set `prevReleased`.
  std::unique_ptr<Slot> prev;          // [main-thread] owner
  Slot* fadeFrom = nullptr;            // [audio-thread] `prev` while crossfading, then null
  uint32_t fadeFrames = 0;             // crossfade length (0: instant)
  uint32_t fadePos = 0;                // [audio-thread] frames of it done
  std::vector<StateCopy> stateCopies;  // state taken from `prev` before the first cycle
  bool sameParams = false;             // `prev` has the same parameter layout: its pending changes carry over
  std::vector<uint8_t> carry;          // [main-thread] set before publishing: parameters that continue from `prev`'s value (those the user set)
  std::vector<float> fadeBuf;          // prev's outputs during a cycle: prev->nout x fadeCap
  uint32_t fadeCap = 0;                // frames per channel in fadeBuf (a longer cycle ends the fade)
  std::atomic<bool> adopted{false};    // [audio-thread] its first cycle began (state taken)
  std::atomic<uint32_t> adoptedFrame{0};  // the frame time that cycle started at
  std::atomic<bool> retiring{false};   // runs as someone's `prev`: its MIDI output is dropped
  std::atomic<bool> prevReleased{false};  // [audio-thread] sets when it will not touch `prev` again
  std::atomic<uint32_t> stateTaken{0};    // 1 when the state copies were made, 2 when skipped (prev trapped)

 private:
  bool Posted() {
    posted.store(posted.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    return true;
  }
};

}  // namespace jw
