#include "state.h"

#include <cstring>
#include <map>

namespace jw {

namespace {
JW_MAIN_THREAD std::string GroupOf(const std::string& key) { return key.substr(0, key.find('.')); }

// Group -> its entries, keyed by full key.
using Groups = std::map<std::string, std::map<std::string, const StateEntry*>>;

JW_MAIN_THREAD Groups GroupsOf(const Instance& d) {
  Groups g;
  for (const StateEntry& e : d.state()) g[GroupOf(e.key)][e.key] = &e;
  return g;
}
}  // namespace

JW_MAIN_THREAD StatePlan PlanState(const Instance& from, const Instance& to) {
  StatePlan plan;
  const Groups oldG = GroupsOf(from), newG = GroupsOf(to);
  for (const auto& [name, entries] : newG) {
    auto it = oldG.find(name);
    if (it == oldG.end()) {
      plan.fresh.push_back(name + " (new)");
      continue;
    }
    bool same = it->second.size() == entries.size();
    for (const auto& [key, e] : entries) {
      auto o = it->second.find(key);
      if (!same || o == it->second.end() || o->second->len != e->len) {
        same = false;
        break;
      }
    }
    if (!same) {
      plan.fresh.push_back(name + " (layout changed)");
      continue;
    }
    for (const auto& [key, e] : entries) {
      const StateEntry* o = it->second.at(key);
      if (e->len) plan.copies.push_back(StateCopy{o->off, e->off, e->len});
      plan.bytes += e->len;
    }
    plan.carried.push_back(name);
  }
  for (const auto& [name, entries] : oldG)
    if (!newG.count(name)) plan.dropped.push_back(name);
  return plan;
}

JW_AUDIO_THREAD void ApplyState(const std::vector<StateCopy>& copies, const uint8_t* from, uint8_t* to) {
  // memmove: a hostile table may declare overlapping entries.
  for (const StateCopy& c : copies) std::memmove(to + c.to, from + c.from, c.len);
}

}  // namespace jw
