// What the audio thread reports, through the engine's outbox.
#pragma once
#include <cstdint>

namespace jw {

struct RtEvent {
  enum Kind : uint32_t { kTrap = 1, kOverrun = 2, kHost = 100 } kind;
  uint32_t slot;      // slot id (kTrap, kOverrun)
  int32_t code;       // trap code; for kOverrun, consecutive overruns
  int32_t where;      // export that trapped
  uint64_t a, b;      // kOverrun: measured ns, budget ns
};

}  // namespace jw
