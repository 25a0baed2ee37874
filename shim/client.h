// NativeClient: the one native wrapper around jack_client_t.
// Validation and error objects live in TypeScript (host/client.ts); methods
// here return JACK's status codes or null and never throw for JACK failures.
#pragma once
#include <jack/jack.h>
#include <jack/metadata.h>
#include <jack/transport.h>
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <pthread.h>

#include <map>
#include <mutex>
#include <thread>

#include "dsp.h"
#include "lockfree.h"
#include "threads.h"

namespace jw {

// An event on its way from a JACK thread to JS. Allocated on the
// notify-thread / worker (never the audio thread), freed on the main thread.
struct Event {
  enum Kind {
    kXrun, kShutdown, kFreewheel, kBlockSize, kSampleRate, kClientRegistration,
    kPortRegistration, kPortConnect, kPortRename, kGraphOrder, kPropertyChange,
    kSync, kOverflow, kTrap
  } kind;
  explicit Event(Kind k) : kind(k) {}
  double d = 0;
  int64_t i1 = 0, i2 = 0;
  std::string s1, s2, s3;
  jack_position_t pos{};
};

// What the audio thread posts to its outbox (drained by a worker thread).
struct RtEvent {
  uint32_t kind;  // Event::Kind
  uint32_t seq;
  int32_t state;
  jack_position_t pos;
};

// Timebase master settings, published to the audio thread as one block.
struct TimebaseParams {
  double bpm;
  double beatsPerBar;
  double beatType;
  double ticksPerBeat;
};

// A parameter change on its way to the audio thread. Timed changes take
// effect at JACK frame time `at` (the engine splits the block there).
struct ParamMsg {
  int32_t index;
  float value;
  uint32_t at;
  uint32_t timed;
};

// A short MIDI message from JS to a module (timed like ParamMsg).
struct MidiMsg {
  uint32_t at;
  uint32_t timed;
  uint8_t bytes[3];
  uint8_t len;
};

// One DSP module running in a client's process callback. Created and freed on
// the main thread; used by the audio thread while any graph it adopted
// contains it.
struct DspSlot {
  uint32_t id = 0;
  std::shared_ptr<DspInstance> dsp;
  std::vector<jack_port_t*> in, out;
  jack_port_t* midiIn = nullptr;
  jack_port_t* midiOut = nullptr;
  SpscRing<ParamMsg> params{1024};
  std::atomic<int> trap{0};
  std::atomic<uint64_t> cycles{0};
  // Timed changes not yet due ([audio-thread] only).
  static constexpr uint32_t kPendingMax = 256;
  ParamMsg pending[kPendingMax];
  uint32_t npending = 0;
  // Overflow of the pending arrays: timed parameter changes applied early,
  // and MIDI messages from JS dropped (reported by dspStatus).
  std::atomic<uint32_t> earlyParams{0};
  std::atomic<uint32_t> droppedMidiIn{0};
  // MIDI from JS: queue, events not yet due, and this cycle's due events
  // sorted by offset ([audio-thread] scratch).
  SpscRing<MidiMsg> midiJs{1024};
  MidiMsg midiPending[kPendingMax];
  uint32_t nmidiPending = 0;
  MidiMsg midiDue[kPendingMax];
  uint32_t midiDueOff[kPendingMax];
  uint32_t nmidiDue = 0;
  // Preallocated per-block pointer arrays ([audio-thread] scratch).
  std::vector<const float*> inBlk;
  std::vector<float*> outBlk;
  std::vector<float*> outCycle;
  // MIDI output of the current cycle ([audio-thread]).
  jw_midi_sink sink{};
  void* midiOutBuf = nullptr;
  uint32_t cycleFrames = 0;
};

// Records JACK input ports into preallocated buffers (ClientWrap::record).
struct Recorder {
  uint32_t id = 0;
  std::vector<jack_port_t*> ports;
  std::vector<std::vector<float>> data;  // allocated on the main thread
  uint64_t frames = 0;
  uint64_t pos = 0;                      // [audio-thread]
  uint64_t startFrame = 0;               // JACK frame time of the first recorded frame
  std::atomic<bool> done{false};         // set by the audio thread once it let go
};

// The modules the audio thread runs, in order. Immutable once published.
struct DspGraph {
  uint64_t seq = 0;
  std::vector<DspSlot*> slots;
};

class ClientWrap : public Napi::ObjectWrap<ClientWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit ClientWrap(const Napi::CallbackInfo& info);
  ~ClientWrap() override;

  // [main-thread] The open client handle, or null once closed (or never opened).
  jack_client_t* handle() const { return client_; }
  // [main-thread] Closes every client still open (process exit).
  static void CloseAllAtExit();
  // [main-thread] Own ports, for latency propagation.
  void AddOwnPort(jack_port_t* p);
  void RemoveOwnPort(jack_port_t* p);
  // [main-thread] Remembers a latency range set by the user, so the latency
  // callback keeps it (JACK otherwise recomputes it on graph changes).
  void SetLatencyOverride(jack_port_t* p, bool capture, jack_latency_range_t range);

 private:
  friend class OpenWorker;
  friend class CloseWorker;

  // JS methods, all [main-thread].
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsOpen(const Napi::CallbackInfo& info);
  Napi::Value IsServerGone(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Uuid(const Napi::CallbackInfo& info);
  Napi::Value SampleRate(const Napi::CallbackInfo& info);
  Napi::Value BufferSize(const Napi::CallbackInfo& info);
  Napi::Value SetBufferSize(const Napi::CallbackInfo& info);
  Napi::Value IsRealtime(const Napi::CallbackInfo& info);
  Napi::Value FramesSinceCycleStart(const Napi::CallbackInfo& info);
  Napi::Value FrameTime(const Napi::CallbackInfo& info);
  Napi::Value LastFrameTime(const Napi::CallbackInfo& info);
  Napi::Value CpuLoad(const Napi::CallbackInfo& info);
  Napi::Value Activate(const Napi::CallbackInfo& info);
  Napi::Value Deactivate(const Napi::CallbackInfo& info);
  Napi::Value IsActive(const Napi::CallbackInfo& info);
  Napi::Value PortRegister(const Napi::CallbackInfo& info);
  Napi::Value PortByName(const Napi::CallbackInfo& info);
  Napi::Value GetPorts(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Disconnect(const Napi::CallbackInfo& info);
  Napi::Value TransportStart(const Napi::CallbackInfo& info);
  Napi::Value TransportStop(const Napi::CallbackInfo& info);
  Napi::Value TransportQuery(const Napi::CallbackInfo& info);
  Napi::Value TransportFrame(const Napi::CallbackInfo& info);
  Napi::Value TransportLocate(const Napi::CallbackInfo& info);
  Napi::Value TransportReposition(const Napi::CallbackInfo& info);
  Napi::Value SetSyncTimeout(const Napi::CallbackInfo& info);
  Napi::Value SetTimebase(const Napi::CallbackInfo& info);
  Napi::Value ReleaseTimebase(const Napi::CallbackInfo& info);
  Napi::Value SetSyncEnabled(const Napi::CallbackInfo& info);
  Napi::Value SyncReady(const Napi::CallbackInfo& info);
  Napi::Value FramesToTime(const Napi::CallbackInfo& info);
  Napi::Value TimeToFrames(const Napi::CallbackInfo& info);
  Napi::Value GetCycleTimes(const Napi::CallbackInfo& info);
  Napi::Value SetFreewheel(const Napi::CallbackInfo& info);
  Napi::Value SetProperty(const Napi::CallbackInfo& info);
  Napi::Value RemoveProperty(const Napi::CallbackInfo& info);
  Napi::Value RemoveProperties(const Napi::CallbackInfo& info);
  Napi::Value RemoveAllProperties(const Napi::CallbackInfo& info);
  Napi::Value UuidForClientName(const Napi::CallbackInfo& info);
  Napi::Value ClientNameByUuid(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value DspAttach(const Napi::CallbackInfo& info);
  Napi::Value DspDetach(const Napi::CallbackInfo& info);
  Napi::Value DspReplace(const Napi::CallbackInfo& info);
  Napi::Value DspSetParam(const Napi::CallbackInfo& info);
  Napi::Value DspSendMidi(const Napi::CallbackInfo& info);
  Napi::Value DspStatus(const Napi::CallbackInfo& info);
  Napi::Value DspCollect(const Napi::CallbackInfo& info);
  Napi::Value RecStart(const Napi::CallbackInfo& info);
  Napi::Value RecPoll(const Napi::CallbackInfo& info);
  Napi::Value SetWatchdog(const Napi::CallbackInfo& info);

  // [main-thread] Publishes the current slot list as a new graph.
  bool Publish();
  // [main-thread] Frees slots and graphs the audio thread no longer uses.
  size_t Collect(bool all);
  // [main-thread] Builds a slot for `dsp` on the given ports.
  std::unique_ptr<DspSlot> MakeSlot(uint32_t id, std::shared_ptr<DspInstance> dsp, std::vector<jack_port_t*> in,
                                    std::vector<jack_port_t*> out, jack_port_t* midiIn, jack_port_t* midiOut);
  // [audio-thread]
  void ProcessCycle(jack_nframes_t nframes);
  void RunSlot(DspSlot* s, jack_nframes_t nframes);
  void TrapSlot(DspSlot* s, int code, jack_nframes_t nframes);
  static JW_AUDIO_THREAD int OnProcess(jack_nframes_t nframes, void* arg);
  static JW_AUDIO_THREAD int MidiWrite(void* opaque, uint32_t frame, const uint8_t* bytes, uint32_t len);

  // [main-thread] Installs the notification callbacks (before activation).
  void InstallCallbacks();
  // [main-thread] Starts/stops the outbox drain thread.
  void StartDrain();
  // [worker] or [main-thread]: joins the drain thread.
  void StopDrain();
  // [worker] Blocking part of close: turns freewheel off, closes, joins.
  static void CloseHandle(ClientWrap* self, jack_client_t* c);
  // [notify-thread] / [worker] Hands an event to JS.
  void Post(Event* ev);

  // JACK callbacks.
  static JW_NOTIFY_THREAD int OnXrun(void* arg);
  static JW_NOTIFY_THREAD void OnInfoShutdown(jack_status_t code, const char* reason, void* arg);
  static JW_NOTIFY_THREAD void OnFreewheel(int starting, void* arg);
  static JW_NOTIFY_THREAD int OnBufferSize(jack_nframes_t n, void* arg);
  static JW_NOTIFY_THREAD int OnSampleRate(jack_nframes_t n, void* arg);
  static JW_NOTIFY_THREAD void OnClientRegistration(const char* name, int reg, void* arg);
  static JW_NOTIFY_THREAD void OnPortRegistration(jack_port_id_t id, int reg, void* arg);
  static JW_NOTIFY_THREAD void OnPortConnect(jack_port_id_t a, jack_port_id_t b, int connect, void* arg);
  static JW_NOTIFY_THREAD void OnPortRename(jack_port_id_t id, const char* oldName, const char* newName, void* arg);
  static JW_NOTIFY_THREAD int OnGraphOrder(void* arg);
  static JW_NOTIFY_THREAD void OnPropertyChange(jack_uuid_t subject, const char* key, jack_property_change_t change, void* arg);
  static JW_NOTIFY_THREAD void OnLatency(jack_latency_callback_mode_t mode, void* arg);
  static JW_AUDIO_THREAD int OnSync(jack_transport_state_t state, jack_position_t* pos, void* arg);
  static JW_AUDIO_THREAD void OnTimebase(jack_transport_state_t state, jack_nframes_t nframes,
                                         jack_position_t* pos, int newPos, void* arg);

  jack_client_t* client_ = nullptr;
  // The handle the JACK callbacks use: set before they are installed and never
  // cleared, since callbacks stop only once jack_client_close has returned.
  jack_client_t* cbHandle_ = nullptr;
  bool closing_ = false;
  bool active_ = false;
  Napi::ThreadSafeFunction tsfn_;
  bool tsfnLive_ = false;
  std::atomic<bool> serverGone_{false};
  std::atomic<bool> freewheeling_{false};

  // Audio-thread state for the sync callback.
  uint32_t syncSeq_ = 0;                      // [audio-thread] only
  bool syncAwaiting_ = false;                 // [audio-thread] only: a request is pending
  std::atomic<bool> syncReset_{false};        // main asks the audio thread to forget a stale request
  std::atomic<uint32_t> sampleRate_{48000};   // for the timebase callback
  int syncLastState_ = -1;                    // [audio-thread] only
  jack_nframes_t syncLastFrame_ = 0;          // [audio-thread] only
  std::atomic<uint32_t> syncReadySeq_{0};     // written by main, read by audio
  std::atomic<uint32_t> rtDropped_{0};        // outbox overflows
  SpscRing<RtEvent> outbox_{256};
  TripleBuffer<TimebaseParams> timebase_{TimebaseParams{120.0, 4.0, 4.0, 1920.0}};
  std::atomic<uint64_t> timebaseCalls_{0};

  // DSP engine. slots_/published_/garbage are [main-thread] only.
  std::vector<std::unique_ptr<DspSlot>> slots_;
  uint32_t nextSlotId_ = 1;
  uint64_t graphSeq_ = 0;
  DspGraph* published_ = nullptr;
  std::vector<std::pair<uint64_t, std::unique_ptr<DspSlot>>> garbageSlots_;
  std::vector<std::pair<uint64_t, DspGraph*>> garbageGraphs_;
  SpscRing<DspGraph*> graphIn_{64};        // main -> audio
  DspGraph* rtGraph_ = nullptr;            // [audio-thread] (main while inactive)
  std::atomic<uint64_t> ackSeq_{0};        // seq of the graph the audio thread runs
  // Watchdog: the audio thread publishes when it entered a module (ns, 0 =
  // outside); the drain thread interrupts calls that run past the budget.
  std::atomic<uint64_t> wdSince_{0};
  std::atomic<uint64_t> wdTarget_{0};
  std::atomic<pthread_t> wdThread_{};
  std::atomic<uint64_t> wdBudgetNs_{50000000};
  SpscRing<Recorder*> recIn_{16};          // main -> audio
  Recorder* rtRec_ = nullptr;              // [audio-thread]
  std::vector<std::unique_ptr<Recorder>> recorders_;  // [main-thread] owner
  uint32_t nextRecId_ = 1;

  // Latency: own ports and user-set ranges. Rationale for the mutex: the
  // latency callback runs on the notify thread, never the audio thread.
  struct LatencyOverride {
    bool capture = false, playback = false;
    jack_latency_range_t cap{0, 0}, play{0, 0};
  };
  std::mutex latMu_;
  std::vector<jack_port_t*> ownPorts_;
  std::map<jack_port_t*, LatencyOverride> latOverrides_;

  std::thread drain_;
  std::atomic<bool> drainRun_{false};
};

}  // namespace jw
