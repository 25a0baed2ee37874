#include "transport.h"

#include <cmath>
#include <cstring>

namespace jw {

JW_ANY_THREAD void BbtAt(double frame, double rate, const TimebaseParams& p, Transport* t) {
  const double absTick = frame * p.bpm * p.ticksPerBeat / (rate * 60.0);
  const double absBeat = std::floor(absTick / p.ticksPerBeat);
  const double bar = std::floor(absBeat / p.beatsPerBar);
  t->bbt = true;
  t->bar = static_cast<int32_t>(bar) + 1;
  t->beat = static_cast<int32_t>(absBeat - bar * p.beatsPerBar) + 1;
  t->tick = absTick - absBeat * p.ticksPerBeat;
  t->bpm = p.bpm;
  t->beatsPerBar = p.beatsPerBar;
  t->beatType = p.beatType;
  t->ticksPerBeat = p.ticksPerBeat;
}

namespace {
template <typename T>
JW_AUDIO_THREAD void Put(uint8_t* dst, size_t at, T v) {
  std::memcpy(dst + at, &v, sizeof v);
}
}  // namespace

JW_AUDIO_THREAD void WriteTransport(const Transport& t, uint32_t offset, uint8_t* dst) {
  const bool rolling = t.state == 1 || t.state == 2;
  Transport b = t;
  if (rolling && offset) {
    b.frame = t.frame + offset;
    if (t.bbt && t.rate && t.ticksPerBeat > 0 && t.beatsPerBar > 0) {
      // Advance the cycle's position by `offset` frames at its tempo.
      const double perBar = t.beatsPerBar * t.ticksPerBeat;
      double abs = (t.bar - 1) * perBar + (t.beat - 1) * t.ticksPerBeat + t.tick + offset * t.bpm * t.ticksPerBeat / (60.0 * t.rate);
      const double bar = std::floor(abs / perBar);
      abs -= bar * perBar;
      const double beat = std::floor(abs / t.ticksPerBeat);
      b.bar = static_cast<int32_t>(bar) + 1;
      b.beat = static_cast<int32_t>(beat) + 1;
      b.tick = abs - beat * t.ticksPerBeat;
    }
  }
  const uint32_t flags = (b.valid ? 1u : 0u) | (b.valid && b.bbt ? 2u : 0u);
  std::memset(dst, 0, 64);
  Put<uint32_t>(dst, 0, b.state);
  Put<uint32_t>(dst, 4, flags);
  Put<uint32_t>(dst, 8, b.frame);
  Put<uint32_t>(dst, 12, b.rate);
  if (!(flags & 2u)) return;
  Put<double>(dst, 16, b.bpm);
  Put<double>(dst, 24, (b.beat - 1) + (b.ticksPerBeat > 0 ? b.tick / b.ticksPerBeat : 0));
  Put<int32_t>(dst, 32, b.bar);
  Put<int32_t>(dst, 36, b.beat);
  Put<double>(dst, 40, b.tick);
  Put<float>(dst, 48, static_cast<float>(b.beatsPerBar));
  Put<float>(dst, 52, static_cast<float>(b.beatType));
  Put<double>(dst, 56, b.ticksPerBeat);
}

}  // namespace jw
