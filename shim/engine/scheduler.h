// The block scheduler: runs one cycle of one module. The JACK process
// callback (Engine::Process) and offline rendering (Render) both call
// RunSlotWatched, so live and offline output are the same by construction.
//
// Within a cycle: untimed parameter changes first, then blocks on the
// maxFrames grid from the cycle start, each split where a timed parameter
// change falls; per block the changes due at its start, its MIDI (input
// port and JS, in time order, the port first at equal times), jw_process.
#pragma once
#include <atomic>
#include <cstdint>

#include "../threads.h"
#include "../wasm-rt/jw-runtime.h"
#include "events.h"
#include "io.h"
#include "lockfree.h"
#include "slot.h"
#include "watchdog.h"

namespace jw {

struct RunPolicy {
  uint64_t watchdogNs = 50000000;  // hard limit per module per cycle (timeout trap)
  double budgetShare = 0;          // overrun when a cycle takes more than this share of the period; 0 = off
  uint32_t silenceAfter = 0;       // consecutive overruns that silence the module; 0 = never
  uint32_t sampleRate = 48000;
  jw_tls* tls = nullptr;           // the running thread's runtime state, if the caller has it
  double nsPerTick = 1;            // for the clock the caller passes (see Ticks())
};

// Where a run reports traps and overruns ([audio-thread] producer).
struct Outbox {
  SpscRing<RtEvent> ring{256};
  std::atomic<uint32_t> dropped{0};
  JW_AUDIO_THREAD void Post(const RtEvent& ev) {
    if (!ring.push(ev)) dropped.fetch_add(1, std::memory_order_relaxed);
  }
};

// [audio-thread] (or [worker] offline) One cycle of `s`, without the
// watchdog window. Returns 0, or the trap code if it trapped in this cycle
// (the slot is then silenced and its outputs are zero for the cycle).
int RunSlot(Slot& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart);

// [audio-thread] (or [worker] offline) RunSlot inside a watchdog window on
// `cell`, with the time accounting of `policy`; traps and overruns go to
// `outbox` (may be null). With `clock` (the Ticks() this module starts at),
// the module's time is measured against the policy, and *clock becomes the
// time it ended (the next module's start); null: no time accounting.
//
// A slot that replaced another (Engine::Swap) first takes the declared state
// of its predecessor, then for its crossfade runs the predecessor beside
// itself and mixes their outputs; then it lets the predecessor go.
int RunSlotWatched(Slot& s, CycleIo& io, uint32_t nframes, uint32_t cycleStart, WatchCell* cell, const RunPolicy& policy,
                   Outbox* outbox, uint64_t* clock);

// [audio-thread] before a slot's first cycle, or [main-thread] when no audio
// thread runs: takes the predecessor's state and, without a crossfade (or
// when the predecessor trapped), lets it go.
// Returns 0, or the trap code of the new instance's jw_param_set (only
// called with `callModule`, inside a watchdog window).
int AdoptSlot(Slot& s, bool callModule);

}  // namespace jw
