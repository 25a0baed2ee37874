#include "clock.h"

namespace jw {

JW_MAIN_THREAD double TicksPerNs() {
  static const double ratio = [] {
    const uint64_t n0 = NowNs(), t0 = Ticks();
    uint64_t n1 = n0;
    while (n1 - n0 < 2000000) n1 = NowNs();
    const uint64_t t1 = Ticks();
    const double r = static_cast<double>(t1 - t0) / static_cast<double>(n1 - n0);
    return r > 0 ? r : 1.0;
  }();
  return ratio;
}

}  // namespace jw
