// Instance: one instance of a compiled DSP module (.so from the compile
// pipeline): loading, the layout it declares, and every call into it. Every
// call at load time runs under the watchdog with a time budget.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../threads.h"
#include "../wasm-rt/jw-module.h"
#include "buffers.h"
#include "module-rings.h"

namespace jw {

struct InstanceOptions {
  float sampleRate = 48000;
  int32_t maxFrames = 256;
  uint32_t capPages = 1024;           // memory cap, 64 KiB pages
  size_t stackBytes = 0;              // module stack; 0 = runtime default
  uint64_t callTimeoutNs = 5000000000ull;  // budget of all load-time calls together (and of each ApplyParams)
  const std::atomic<bool>* exiting = nullptr;  // the owning environment is shutting down
};

// Why a load or a call failed: a code from the manifest's error list and a
// message for people.
struct EngineError {
  int code = JW_OK;  // enum jw_error
  std::string message;
  explicit operator bool() const { return code != JW_OK; }
};

// One entry of the state a module declares (jw_state_table): `len` bytes
// at `off` in its memory, named `key`.
struct StateEntry {
  std::string key;
  uint32_t off, len;
};

class Instance {
 public:
  // [worker] Loads and initialises: dlopen, create (start function), jw_abi,
  // jw_init, the layout exports, defaults and jw_describe, each watched.
  static std::unique_ptr<Instance> Load(const std::string& path, const InstanceOptions& opts, EngineError* err);
  // [worker] / [main-thread], never while another thread may call into it.
  ~Instance();

  bool Has(int which) const { return (api_->exports >> which) & 1u; }

  // [worker] Calls export `which` under the watchdog with what is left of
  // the current budget (see StartBudget); returns 0 or a trap code
  // (JW_TRAP_TIMEOUT when interrupted or when nothing is left).
  int CallWatched(int which, const jw_val* args, jw_val* ret);
  // [worker] Sets parameters before the instance runs (watched). Returns 0,
  // or the trap code with the failing index in *failed.
  int ApplyParams(const std::vector<std::pair<int32_t, float>>& params, size_t* failed);

  // [audio-thread] (or [worker] offline) Unwatched calls: the caller holds a
  // watchdog window. Each returns 0 or a trap code.
  int ParamSet(int32_t index, float value) {
    jw_val a[2];
    a[0].i32 = index;
    a[1].f32 = value;
    return api_->call(inst_, JW_X_PARAM_SET, a, nullptr);
  }
  int Midi(int32_t frame, int32_t status, int32_t d1, int32_t d2) {
    jw_val a[4];
    a[0].i32 = frame;
    a[1].i32 = status;
    a[2].i32 = d1;
    a[3].i32 = d2;
    return api_->call(inst_, JW_X_MIDI, a, nullptr);
  }
  // What the scheduler copies into its slot to run the module without
  // touching this object (see Slot's hot block).
  const jw_module_api* api() const { return api_; }
  void* handle() const { return inst_; }
  uint8_t* memoryBase() const { return mem_; }
  uint32_t inputOffset(int32_t ch) const { return inOff_[ch]; }
  uint32_t outputOffset(int32_t ch) const { return outOff_[ch]; }

  // [audio-thread] Where jw_host.midi_out writes.
  void SetMidiSink(jw_midi_sink* sink) { api_->set_midi_sink(inst_, sink); }

  // [any-thread] Trap text, with AssemblyScript's abort message for aborts.
  std::string TrapText(int code) const;
  std::string AbortMessage() const { return api_->abort_message(inst_); }
  // [main-thread] Log messages waiting; counters.
  bool PopLog(jw_log_msg* out) { return api_->log_pop(inst_, out) != 0; }
  uint32_t DroppedLogs() const { return api_->dropped_logs(inst_); }
  uint32_t DroppedMidi() const { return api_->dropped_midi(inst_); }
  uint32_t MemoryBytes() const {
    uint32_t size = 0;
    api_->memory(inst_, &size);
    return size;
  }

  // Layout and description, fixed after Load.
  const InstanceOptions& options() const { return opts_; }
  int32_t inputs() const { return nin_; }
  int32_t outputs() const { return nout_; }
  int32_t paramCount() const { return paramCount_; }
  const std::vector<float>& paramDefaults() const { return paramDefaults_; }
  bool hasDescribe() const { return Has(JW_X_DESCRIBE); }
  const std::string& describe() const { return describe_; }
  // The declared state (empty without jw_state_table), checked to lie in memory.
  const std::vector<StateEntry>& state() const { return state_; }
  // Where the host writes the transport before each block (0: nowhere).
  uint32_t transportOffset() const { return transportOff_; }
  // The declared buffer slots (empty without jw_buffer_table), checked to lie in memory.
  const std::vector<BufferSlot>& buffers() const { return buffers_; }
  // The declared rings (empty without jw_ring_table), checked to lie in memory.
  const std::vector<RingDecl>& rings() const { return rings_; }
  // [main-thread] Copies out of / into ring data (with wrap-around); the
  // caller keeps [index, index + len) within what the ring protocol allows.
  void RingCopyOut(const RingDecl& r, uint32_t index, uint8_t* dst, uint32_t len) const;
  void RingCopyIn(const RingDecl& r, uint32_t index, const uint8_t* src, uint32_t len);
  // [audio-thread] The module's index of a ring, and setting the host's.
  uint32_t RingModuleIndex(const RingDecl& r) const { return Load32(r.moduleField()); }
  uint32_t RingModuleDropped(const RingDecl& r) const { return Load32(r.droppedField()); }
  uint32_t Load32(uint32_t at) const {
    uint32_t v;
    std::memcpy(&v, mem_ + at, 4);
    return v;
  }
  void SetRingHostIndex(const RingDecl& r, uint32_t v) { std::memcpy(mem_ + r.hostField(), &v, 4); }
  // [main-thread] Copies `frames` samples of each of `channels` into region
  // `region` of slot `slot` (bounds checked by the caller against buffers()).
  // Only the region the module is not reading (the host's protocol).
  void WriteBuffer(uint32_t slot, uint32_t region, const float* const* channels, uint32_t nch, uint32_t frames);
  // [main-thread] Copies region `fromRegion` of `from`'s slot `fromSlot`
  // (frames x channels) into region 0 of this instance's slot `slot`, which
  // is not running yet (a swap's successor).
  void CopyBuffer(uint32_t slot, const Instance& from, uint32_t fromSlot, uint32_t fromRegion, uint32_t nch, uint32_t frames);

 private:
  Instance() = default;
  EngineError LoadSteps(const std::string& path);
  EngineError TrapError(int trap, const char* what);
  EngineError ReadStateTable();
  EngineError ReadBufferTable();
  EngineError ReadRingTable();
  EngineError ReadTable(int countExport, int tableExport, int32_t maxCount, uint32_t words, std::vector<uint32_t>* out);
  EngineError TableError(int tableExport, const std::string& what) const;
  EngineError TableKey(int tableExport, const std::string& which, uint64_t off, uint64_t len, std::unordered_set<std::string>* seen, std::string* key) const;

  // [worker] One budget of callTimeoutNs for a series of calls (a whole
  // load, a whole ApplyParams). Rationale: a module declaring 1024
  // parameters whose jw_param_get each take just under a per-call limit
  // would hold a worker for over an hour.
  void StartBudget();
  uint64_t BudgetLeftNs() const;

  InstanceOptions opts_;
  uint64_t deadlineNs_ = 0;  // steady clock
  void* dl_ = nullptr;
  const jw_module_api* api_ = nullptr;
  void* inst_ = nullptr;
  uint8_t* mem_ = nullptr;  // the base never moves (jw-runtime.h)
  int32_t nin_ = 0, nout_ = 0, paramCount_ = 0;
  std::vector<uint32_t> inOff_, outOff_;
  std::vector<float> paramDefaults_;
  std::string describe_;
  std::vector<StateEntry> state_;
  uint32_t transportOff_ = 0;
  std::vector<BufferSlot> buffers_;
  std::vector<RingDecl> rings_;
};

// [any-thread] The short id ("oob") and text of a trap code.
const char* TrapId(int code);
const char* TrapKindText(int code);
// [any-thread] The name of export `which` ("jw_process").
const char* ExportName(int which);
// [any-thread] The code name of an error ("MODULE_INVALID").
const char* ErrorName(int code);

}  // namespace jw
