// JackIo: the engine's CycleIo for the JACK process callback. Port handles
// are jack_port_t*.
#pragma once
#include <jack/jack.h>
#include <jack/midiport.h>

#include "../engine/io.h"
#include "../threads.h"

namespace jw {

class JackIo final : public CycleIo {
 public:
  JW_AUDIO_THREAD const float* AudioIn(void* port, uint32_t nframes) override {
    return static_cast<const float*>(jack_port_get_buffer(static_cast<jack_port_t*>(port), nframes));
  }
  JW_AUDIO_THREAD float* AudioOut(void* port, uint32_t nframes) override {
    return static_cast<float*>(jack_port_get_buffer(static_cast<jack_port_t*>(port), nframes));
  }
  JW_AUDIO_THREAD void* MidiIn(void* port, uint32_t nframes) override {
    return jack_port_get_buffer(static_cast<jack_port_t*>(port), nframes);
  }
  JW_AUDIO_THREAD uint32_t MidiCount(void* buf) override { return jack_midi_get_event_count(buf); }
  JW_AUDIO_THREAD bool MidiGet(void* buf, uint32_t i, MidiEvent* ev) override {
    jack_midi_event_t e;
    if (jack_midi_event_get(&e, buf, i) != 0) return false;
    ev->time = e.time;
    ev->size = static_cast<uint32_t>(e.size);
    ev->data = e.buffer;
    return true;
  }
  JW_AUDIO_THREAD void* MidiOut(void* port, uint32_t nframes) override {
    void* buf = jack_port_get_buffer(static_cast<jack_port_t*>(port), nframes);
    if (buf) jack_midi_clear_buffer(buf);
    return buf;
  }
  JW_AUDIO_THREAD int MidiWrite(void* buf, uint32_t frame, const uint8_t* bytes, uint32_t len) override {
    // Rationale: on a full buffer jack_midi_event_write prints an error
    // (a write(2) on this thread); ask for the room first.
    if (len > jack_midi_max_event_size(buf)) return -1;
    return jack_midi_event_write(buf, frame, bytes, len);
  }
};

}  // namespace jw
