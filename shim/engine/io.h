// CycleIo: what the engine needs from whoever runs it (the JACK process
// callback, or the offline renderer) to get at one cycle's buffers. Port
// handles are opaque to the engine. The engine asks for each port's buffer
// once per cycle.
#pragma once
#include <cstdint>

#include "../threads.h"
#include "transport.h"

namespace jw {

struct MidiEvent {
  uint32_t time;  // frame offset in the cycle
  uint32_t size;
  const uint8_t* data;
};

class CycleIo {
 public:
  virtual ~CycleIo() = default;
  // [audio-thread] This cycle's samples of an audio input port, or null for
  // silence (the engine never writes to them).
  virtual const float* AudioIn(void* port, uint32_t nframes) = 0;
  // [audio-thread] This cycle's buffer of an audio output port.
  virtual float* AudioOut(void* port, uint32_t nframes) = 0;
  // [audio-thread] A MIDI input port's events for this cycle (a handle for
  // MidiCount/MidiGet), or null.
  virtual void* MidiIn(void* port, uint32_t nframes) = 0;
  virtual uint32_t MidiCount(void* buf) = 0;
  // False when event i cannot be read (the engine skips it).
  virtual bool MidiGet(void* buf, uint32_t i, MidiEvent* ev) = 0;
  // [audio-thread] A MIDI output port's buffer for this cycle, cleared; or null.
  virtual void* MidiOut(void* port, uint32_t nframes) = 0;
  // Returns 0 when written (events must come in time order).
  virtual int MidiWrite(void* buf, uint32_t frame, const uint8_t* bytes, uint32_t len) = 0;

  // [audio-thread] The transport at this cycle's start, set by the front end
  // before the engine runs the cycle (null: none).
  const Transport* transport = nullptr;
};

}  // namespace jw
