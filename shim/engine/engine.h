// Engine: the modules and taps one realtime front end (a JACK client) runs,
// in order, each cycle. The main thread edits the list and publishes it as an
// immutable graph through an SPSC queue; the audio thread adopts the newest
// graph at the start of a cycle and acknowledges it. Slots, graphs and taps
// are freed on the main thread only once the audio thread can no longer be
// using them: it acknowledged a newer graph, or it is not inside a cycle (and
// will adopt the newer graph before running anything), or the engine is not
// running at all.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "../threads.h"
#include "../wasm-rt/jw-runtime.h"
#include "io.h"
#include "lockfree.h"
#include "audio-out.h"
#include "audio-stream.h"
#include "midi-stream.h"
#include "scheduler.h"
#include "slot.h"
#include "watchdog.h"

namespace jw {

// Copies audio input ports into preallocated buffers (Client.record).
struct Tap {
  uint32_t id = 0;
  std::vector<void*> ports;
  std::vector<std::vector<float>> data;  // allocated on the main thread
  uint64_t frames = 0;
  uint64_t pos = 0;                      // [audio-thread]
  uint64_t startFrame = 0;               // frame time of the first recorded frame
  bool hasStartAt = false;               // wait for frame time startAt (Client.record's startAt)
  uint32_t startAt = 0;
  bool started = false;                  // [audio-thread]
  bool late = false;                     // startAt had passed when the audio thread took the tap
  // Where the frame time did not follow on from the previous cycle (an
  // xrun): [index, frame time] pairs, preallocated; more are counted.
  std::vector<std::pair<uint64_t, uint32_t>> jumps;
  size_t jumpCount = 0;                  // [audio-thread]
  uint32_t nextFrame = 0;                // [audio-thread] the frame time the next cycle should start at
  std::atomic<bool> done{false};         // set by the audio thread once it let go
};

// The stack the audio thread runs every module of a graph on. Rationale:
// one stack for the cycle keeps its pages hot; a stack per instance was a
// cold page per module per cycle (measured: most of the per-module cost).
struct SharedStack {
  jw_stack s{};
  bool ok = false;
  explicit SharedStack(size_t bytes) { ok = jw_stack_alloc(&s, bytes) == 0; }  // [main-thread]
  ~SharedStack() { jw_stack_free(&s); }                                          // [main-thread]
  SharedStack(const SharedStack&) = delete;
  SharedStack& operator=(const SharedStack&) = delete;
};

// What the audio thread runs. Immutable once published.
struct Graph {
  uint64_t seq = 0;
  std::vector<Slot*> slots;
  std::vector<MidiStream*> midi;  // JS MIDI streams: output ones run before the modules, input ones after
  std::vector<AudioStream*> audio;  // audio streams to JS: after the modules
  std::vector<AudioOut*> outs;      // audio from JS: before the modules
  std::shared_ptr<SharedStack> stack;
};

class Engine {
 public:
  static constexpr int kCycleBuckets = 32;
  // Finer cycle-time buckets: eight per octave (host/process-time.ts has the
  // same mapping, cycleBucket). Rationale: percentiles from powers of two
  // were up to 2x off; an eighth of an octave is within 9%.
  static constexpr int kCycleFineBuckets = 256;
  [[nodiscard]] static int FineBucket(uint64_t ns) {
    if (ns < 8) return static_cast<int>(ns);
    const int e = 63 - __builtin_clzll(ns);
    const int i = (e - 2) * 8 + static_cast<int>((ns >> (e - 3)) & 7);
    return i < kCycleFineBuckets ? i : kCycleFineBuckets - 1;
  }
  // Recordings that run at the same time (more wait for a free one).
  static constexpr int kMaxTaps = 8;
  explicit Engine(const std::atomic<bool>* exiting);
  ~Engine();  // [main-thread] only when the audio thread is gone (Collect(true) first)
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- [main-thread] ---
  uint32_t NextSlotId() { return nextSlotId_++; }
  // Adds a slot at the end; false if the audio thread's queue is full.
  bool Attach(std::unique_ptr<Slot> slot);
  // Removes a slot; false if unknown or the queue is full.
  bool Detach(uint32_t id);
  enum class SwapResult { kOk, kUnknown, kBusy, kQueueFull, kNoMemory };
  // Replaces slot `id` by a new slot (same id) running `dsp` on `ports`. At
  // its first cycle the new slot takes `copies` of the old one's state; for
  // `fadeFrames` frames both run and their outputs crossfade (0: cut over at
  // once). `maxCycleFrames` sizes the crossfade buffer. `buffers`: hand-overs
  // the new slot starts with (its regions written before it runs). kBusy while the
  // slot's previous swap is still fading.
  SwapResult Swap(uint32_t id, std::shared_ptr<Instance> dsp, SlotPorts ports, uint32_t fadeFrames, uint32_t maxCycleFrames,
                  std::vector<StateCopy> copies, bool sameParams, std::vector<float> values,
                  std::vector<uint8_t> carry, const std::vector<BufferMsg>& buffers);
  Slot* Find(uint32_t id);
  // Frees what the audio thread let go of; returns the items still waiting.
  // With `all`, frees everything (the audio thread is known to be gone).
  size_t Collect(bool all = false);
  // Frees every slot, graph and tap: the front end is gone for good (its
  // audio thread too). The engine stays usable (empty).
  void ReleaseAll();
  // Whether the front end may call Process (the client is active).
  void SetRunning(bool on);
  bool running() const { return running_; }
  // Adds / removes a JS MIDI stream; false if the queue is full (or unknown).
  bool AddMidiStream(std::unique_ptr<MidiStream> s);
  bool RemoveMidiStream(uint32_t id);
  MidiStream* FindMidiStream(uint32_t id);
  // Adds / removes an audio stream to JS; false if the queue is full (or unknown).
  // A removed stream is freed (and lets go of its ring) once the audio thread let go.
  bool AddAudioStream(std::unique_ptr<AudioStream> s);
  bool RemoveAudioStream(uint32_t id);
  AudioStream* FindAudioStream(uint32_t id);
  // Adds / removes an audio output from JS (play, write streams); false if
  // the queue is full (or unknown). Freed once the audio thread let go.
  bool AddAudioOut(std::unique_ptr<AudioOut> o);
  bool RemoveAudioOut(uint32_t id);
  // Who uses a port of the front end: nobody, something running (a module,
  // a stream, an output, a tap), or only something removed that the audio
  // thread may still hold (free after the next Collect() that frees it).
  // Rationale: the engine keeps the front end's port handle; unregistered
  // while in use, the handle's index goes to the next port registered (of any
  // client) and the audio thread would write into that one.
  enum class PortUse { kFree, kLive, kRetiring };
  // `midiStreams`: count JS MIDI streams too (the port's own, which
  // unregistering it closes).
  PortUse PortUsers(const void* port, bool midiStreams = true);
  // Starts a tap; false if the queue is full.
  bool StartTap(std::unique_ptr<Tap> tap);
  // The tap's data once it is done (ownership moves to the caller), else null.
  std::unique_ptr<Tap> TakeTap(uint32_t id, bool* known);

  void SetWatchdogNs(uint64_t ns) { policyWatchdogNs_.store(ns, std::memory_order_relaxed); }
  void SetOverrunPolicy(double share, uint32_t silenceAfter) {
    policyShare_.store(share, std::memory_order_relaxed);
    policySilence_.store(silenceAfter, std::memory_order_relaxed);
  }

  // --- [audio-thread] ---
  // One cycle: every module in order, then the taps.
  void Process(CycleIo& io, uint32_t nframes, uint32_t frameTime, uint32_t sampleRate);

  // [any-thread] Time spent in Process: cycles, total, smallest and largest
  // (ns), cycles that took longer than their period (nframes at the sample
  // rate), a histogram of cycle times in buckets of powers of two (bucket i:
  // up to 2^i ns) and one with eight buckets per octave (FineBucket).
  struct CycleStats {
    uint64_t cycles, totalNs, minNs, maxNs, overPeriod;
    uint64_t buckets[kCycleBuckets];
    uint64_t fine[kCycleFineBuckets];
  };
  CycleStats cycleStats() const;

  // --- [worker] (the front end's event drain) ---
  bool PopEvent(RtEvent* ev) { return outbox_.ring.pop(*ev); }
  uint32_t DroppedEvents() const { return outbox_.dropped.load(std::memory_order_relaxed); }
  WatchCell* cell() { return &cell_; }

 private:
  bool Publish();
  bool SafeFor(uint64_t seq) const;
  template <class T>
  bool AddStream(std::vector<std::unique_ptr<T>>& live, std::unique_ptr<T> s);
  template <class T>
  bool RemoveStream(std::vector<std::unique_ptr<T>>& live, std::vector<std::pair<uint64_t, std::unique_ptr<T>>>& garbage, uint32_t id);
  // [main-thread] Makes sure the shared stack holds what `dsp` asked for.
  bool EnsureStack(const Instance& dsp);

  std::vector<std::unique_ptr<Slot>> slots_;  // [main-thread]
  std::shared_ptr<SharedStack> stack_;          // [main-thread] the stack new graphs get
  uint32_t nextSlotId_ = 1;
  uint64_t graphSeq_ = 0;
  Graph* published_ = nullptr;
  std::vector<std::pair<uint64_t, std::unique_ptr<Slot>>> garbageSlots_;
  std::vector<std::unique_ptr<MidiStream>> midi_;  // [main-thread]
  std::vector<std::pair<uint64_t, std::unique_ptr<MidiStream>>> garbageMidi_;
  std::vector<std::unique_ptr<AudioStream>> audio_;  // [main-thread]
  std::vector<std::pair<uint64_t, std::unique_ptr<AudioStream>>> garbageAudio_;
  std::vector<std::unique_ptr<AudioOut>> outs_;  // [main-thread]
  std::vector<std::pair<uint64_t, std::unique_ptr<AudioOut>>> garbageOuts_;
  std::vector<std::pair<uint64_t, Graph*>> garbageGraphs_;
  bool running_ = false;

  // What the audio thread reads every cycle, together (see Slot's hot block).
  struct alignas(64) {
    Graph* graph = nullptr;                // [audio-thread] (main while not running)
    Tap* taps[kMaxTaps] = {};              // [audio-thread] recording now
    uint32_t seen = 0;                     // [audio-thread] the last `posted` it drained
    uint32_t tapsTaken = 0;                // [audio-thread] taps popped from tapIn_
    std::atomic<uint32_t> posted{0};       // [main-thread] bumped after each graph put in `pending`
    std::atomic<Graph*> pending{nullptr};  // the newest graph the audio thread has not taken
    std::atomic<uint32_t> tapsPosted{0};   // [main-thread] bumped after each push to tapIn_
    std::atomic<uint64_t> ackSeq{0};       // seq of the graph the audio thread runs
    std::atomic<uint64_t> cyclesIn{0}, cyclesOut{0};  // Process entries and exits
  } rt_;
  SpscRing<Tap*> tapIn_{16};      // main -> audio
  std::vector<std::unique_ptr<Tap>> taps_;   // [main-thread] owner

  WatchCell cell_;
  Outbox outbox_;
  std::atomic<uint64_t> policyWatchdogNs_{50000000};
  std::atomic<double> policyShare_{1.0};
  std::atomic<uint32_t> policySilence_{8};
  const double nsPerTick_;
  std::atomic<uint64_t> statCycles_{0}, statTicks_{0}, statMaxTicks_{0}, statMinTicks_{UINT64_MAX}, statOverPeriod_{0};
  std::atomic<uint64_t> statBuckets_[kCycleBuckets] = {};
  std::atomic<uint64_t> statFine_[kCycleFineBuckets] = {};
};

}  // namespace jw
