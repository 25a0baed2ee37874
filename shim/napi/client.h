// NativeClient: the one native wrapper around jack_client_t, with the engine
// its process callback runs. Validation and error objects live in TypeScript
// (host/client.ts); methods here return JACK's status codes or null and never
// throw for JACK failures. The methods are split by responsibility:
//   client.cc            construction, open/close, activation, ports, connections
//   client-events.cc     JACK notifications and the events sent to JS
//   client-transport.cc  transport, timebase master, slow sync, time
//   client-metadata.cc   metadata and UUID lookups
//   client-engine.cc     the process callback and the DSP engine's methods
#pragma once
#include <jack/jack.h>
#include <jack/metadata.h>
#include <jack/transport.h>
#include <napi.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../engine/engine.h"
#include "../engine/lockfree.h"
#include "../jack/jack-io.h"
#include "../engine/transport.h"
#include "../threads.h"

namespace jw {

struct AddonData;

// An event on its way from a JACK thread to JS. Allocated on the
// notify-thread / worker (never the audio thread), freed on the main thread.
struct Event {
  enum Kind {
    kXrun, kShutdown, kFreewheel, kBlockSize, kSampleRate, kClientRegistration,
    kPortRegistration, kPortConnect, kPortRename, kGraphOrder, kPropertyChange,
    kSync, kOverflow, kTrap, kOverrun
  } kind;
  explicit Event(Kind k) : kind(k) {}
  double d = 0;
  int64_t i1 = 0, i2 = 0, i3 = 0;
  uint64_t u1 = 0, u2 = 0;
  std::string s1, s2, s3;
  jack_position_t pos{};
};

// What the audio thread's transport callbacks post (drained by a worker).
struct SyncRequest {
  uint32_t seq;
  int32_t state;
  jack_position_t pos;
};

// Timebase master settings, published to the audio thread as one block.

class ClientWrap : public Napi::ObjectWrap<ClientWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit ClientWrap(const Napi::CallbackInfo& info);
  ~ClientWrap() override;

  // [main-thread] The open client handle, or null once closed (or never opened).
  jack_client_t* handle() const { return client_; }
  // [main-thread] Closes every client still open in this environment (exit).
  static void CloseAllAtExit(AddonData* data);
  // [main-thread] Own ports, for latency propagation.
  void AddOwnPort(jack_port_t* p);
  void RemoveOwnPort(jack_port_t* p);
  // [main-thread] The engine (null once the client is gone).
  Engine* engine() const { return engine_.get(); }
  // [main-thread] Remembers a latency range set by the user, so the latency
  // callback keeps it (JACK otherwise recomputes it on graph changes).
  void SetLatencyOverride(jack_port_t* p, bool capture, jack_latency_range_t range);

 private:
  friend class OpenWorker;
  friend class CloseWorker;

  // JS methods, all [main-thread]. client.cc:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsOpen(const Napi::CallbackInfo& info);
  Napi::Value IsServerGone(const Napi::CallbackInfo& info);
  Napi::Value IsFreewheeling(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Uuid(const Napi::CallbackInfo& info);
  Napi::Value SampleRate(const Napi::CallbackInfo& info);
  Napi::Value BufferSize(const Napi::CallbackInfo& info);
  Napi::Value SetBufferSize(const Napi::CallbackInfo& info);
  Napi::Value IsRealtime(const Napi::CallbackInfo& info);
  Napi::Value CpuLoad(const Napi::CallbackInfo& info);
  Napi::Value Activate(const Napi::CallbackInfo& info);
  Napi::Value Deactivate(const Napi::CallbackInfo& info);
  Napi::Value IsActive(const Napi::CallbackInfo& info);
  Napi::Value PortRegister(const Napi::CallbackInfo& info);
  Napi::Value PortByName(const Napi::CallbackInfo& info);
  Napi::Value GetPorts(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Disconnect(const Napi::CallbackInfo& info);
  Napi::Value SetFreewheel(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  // client-transport.cc:
  Napi::Value FramesSinceCycleStart(const Napi::CallbackInfo& info);
  Napi::Value FrameTime(const Napi::CallbackInfo& info);
  Napi::Value LastFrameTime(const Napi::CallbackInfo& info);
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
  // client-metadata.cc:
  Napi::Value SetProperty(const Napi::CallbackInfo& info);
  Napi::Value RemoveProperty(const Napi::CallbackInfo& info);
  Napi::Value RemoveProperties(const Napi::CallbackInfo& info);
  Napi::Value RemoveAllProperties(const Napi::CallbackInfo& info);
  Napi::Value UuidForClientName(const Napi::CallbackInfo& info);
  Napi::Value ClientNameByUuid(const Napi::CallbackInfo& info);
  // client-engine.cc:
  Napi::Value DspAttach(const Napi::CallbackInfo& info);
  Napi::Value DspDetach(const Napi::CallbackInfo& info);
  Napi::Value DspSwap(const Napi::CallbackInfo& info);
  Napi::Value MidiOpen(const Napi::CallbackInfo& info);
  Napi::Value StreamOpen(const Napi::CallbackInfo& info);
  Napi::Value OutOpen(const Napi::CallbackInfo& info);
  Napi::Value OutClose(const Napi::CallbackInfo& info);
  Napi::Value StreamClose(const Napi::CallbackInfo& info);
  Napi::Value StreamStats(const Napi::CallbackInfo& info);
  Napi::Value MidiClose(const Napi::CallbackInfo& info);
  Napi::Value MidiWrite(const Napi::CallbackInfo& info);
  Napi::Value MidiRead(const Napi::CallbackInfo& info);
  Napi::Value MidiStats(const Napi::CallbackInfo& info);
  Napi::Value DspSetParam(const Napi::CallbackInfo& info);
  Napi::Value DspSendMidi(const Napi::CallbackInfo& info);
  Napi::Value DspPostBuffer(const Napi::CallbackInfo& info);
  Napi::Value DspRingRead(const Napi::CallbackInfo& info);  // napi/client-rings.cc
  Napi::Value DspRingWrite(const Napi::CallbackInfo& info);
  Napi::Value DspRingSpace(const Napi::CallbackInfo& info);
  Napi::Value DspStatus(const Napi::CallbackInfo& info);
  Napi::Value DspCollect(const Napi::CallbackInfo& info);
  Napi::Value SetWatchdog(const Napi::CallbackInfo& info);
  Napi::Value SetOverrunPolicy(const Napi::CallbackInfo& info);
  Napi::Value RecStart(const Napi::CallbackInfo& info);
  Napi::Value RecPoll(const Napi::CallbackInfo& info);

  // [main-thread] Installs the notification callbacks (before activation).
  void InstallCallbacks();
  // [main-thread] Starts the event drain thread; [any-thread] stops it.
  void StartDrain();
  void StopDrain();
  // [worker] The drain thread: engine and transport events to JS.
  void DrainOnce();
  // [worker] Blocking part of close: turns freewheel off, closes, joins.
  static void CloseHandle(ClientWrap* self, jack_client_t* c);
  // [main-thread] After the client is closed: frees the engine's state.
  void ReleaseAfterClose();
  // [notify-thread] / [worker] Hands an event to JS.
  void Post(Event* ev);

  // JACK callbacks.
  static JW_AUDIO_THREAD int OnProcess(jack_nframes_t nframes, void* arg);
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
  static JW_AUDIO_THREAD void OnTimebase(jack_transport_state_t state, jack_nframes_t nframes, jack_position_t* pos, int newPos,
                                         void* arg);

  AddonData* data_ = nullptr;
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
  std::atomic<uint32_t> sampleRate_{48000};   // for the timebase callback and the engine
  int syncLastState_ = -1;                    // [audio-thread] only
  jack_nframes_t syncLastFrame_ = 0;          // [audio-thread] only
  std::atomic<uint32_t> syncReadySeq_{0};     // written by main, read by audio
  std::atomic<uint32_t> rtDropped_{0};        // sync outbox overflows
  SpscRing<SyncRequest> syncOut_{256};
  TripleBuffer<TimebaseParams> timebase_{TimebaseParams{120.0, 4.0, 4.0, 1920.0}};
  std::atomic<uint64_t> timebaseCalls_{0};

  // The DSP engine this client's process callback runs.
  std::unique_ptr<Engine> engine_;
  JackIo io_;
  Transport cycleTransport_;  // [audio-thread] this cycle's, for the engine
  uint32_t nextMidiId_ = 1;   // [main-thread]
  uint32_t nextStreamId_ = 1; // [main-thread]
  uint32_t nextTapId_ = 1;

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
  // [worker] (the drain thread) Overruns waiting to be reported, per module.
  struct PendingOverrun {
    RtEvent ev;
    uint32_t n;
    uint64_t postedAt;
  };
  std::vector<PendingOverrun> overruns_;
};

}  // namespace jw
