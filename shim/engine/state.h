// State carry-over: which declared state of a module (jw_state_table) its
// successor in a swap takes over, as a list of copies the audio thread makes
// at the handover.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../threads.h"
#include "instance.h"

namespace jw {

// `len` bytes from offset `from` in the old instance's memory to `to` in the
// new one's.
struct StateCopy {
  uint32_t from, to, len;
};

// What carries over. Entries are matched by key in groups: the part of the
// key before the first '.' ("voices" for "voices.note"). A group carries
// over only when both sides declare the same keys with the same lengths;
// otherwise the new instance keeps its own fresh state for the whole group.
// Rationale: an SDK object declares several arrays; taking some of them
// and not others would leave it inconsistent (a voice list of 8 with a
// level array of 16).
struct StatePlan {
  std::vector<StateCopy> copies;
  std::vector<std::string> carried;  // groups copied
  std::vector<std::string> fresh;    // groups of the new instance left fresh: "name (new)" or "name (layout changed)"
  std::vector<std::string> dropped;  // groups only the old instance had
  uint64_t bytes = 0;                // total copied
};

// [main-thread] Matches `to`'s declared state against `from`'s.
StatePlan PlanState(const Instance& from, const Instance& to);

// [audio-thread] Makes the copies between the two memories (bounds were
// checked when the tables were read; memories never shrink).
void ApplyState(const std::vector<StateCopy>& copies, const uint8_t* from, uint8_t* to);

}  // namespace jw
