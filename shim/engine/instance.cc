#include "instance.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <unordered_set>

#include "../wasm-rt/jw-runtime.h"
#include "watchdog.h"

namespace jw {

namespace {
constexpr int32_t kMaxStateEntries = 4096;
// Rationale: the audio thread copies the declared state in the cycle a
// swap takes over, outside any call the watchdog can interrupt; 4 MiB is
// about a millisecond (a 4 s stereo delay line at 48 kHz is 2 MiB).
constexpr uint64_t kMaxStateBytes = 4u << 20;
const jw_trap_kind kTraps[] = JW_TRAP_KINDS;
const char* const kExportNames[] = JW_EXPORT_NAMES;
const char* const kErrorNames[] = JW_ERROR_NAMES;

// Rationale: keys become JS strings; bytes that are not UTF-8 would turn
// into U+FFFD, and two different keys into the same name.
JW_ANY_THREAD bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

JW_ANY_THREAD EngineError Error(int code, std::string message) {
  EngineError e;
  e.code = code;
  e.message = std::move(message);
  return e;
}
}  // namespace

JW_ANY_THREAD const char* TrapId(int code) {
  for (const jw_trap_kind& t : kTraps)
    if (t.code == code) return t.id;
  return "unknown";
}

JW_ANY_THREAD const char* TrapKindText(int code) {
  for (const jw_trap_kind& t : kTraps)
    if (t.code == code) return t.text;
  return "unknown trap";
}

JW_ANY_THREAD const char* ExportName(int which) {
  return which >= 0 && which < JW_X_COUNT ? kExportNames[which] : "(no export)";
}

JW_ANY_THREAD const char* ErrorName(int code) {
  return code >= 0 && code < static_cast<int>(sizeof kErrorNames / sizeof kErrorNames[0]) ? kErrorNames[code] : "UNKNOWN";
}

JW_ANY_THREAD std::string Instance::TrapText(int code) const {
  std::string s = TrapKindText(code);
  if (code == JW_TRAP_ABORT && api_ && inst_) {
    const char* m = api_->abort_message(inst_);
    if (m && *m) s += std::string(": ") + m;
  }
  return s;
}

namespace {
JW_WORKER uint64_t SteadyNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}
}  // namespace

JW_WORKER void Instance::StartBudget() { deadlineNs_ = SteadyNs() + opts_.callTimeoutNs; }

JW_WORKER uint64_t Instance::BudgetLeftNs() const {
  const uint64_t now = SteadyNs();
  return now < deadlineNs_ ? deadlineNs_ - now : 0;
}

JW_WORKER int Instance::CallWatched(int which, const jw_val* args, jw_val* ret) {
  const uint64_t left = BudgetLeftNs();
  if (!left) return JW_TRAP_TIMEOUT;
  WorkerWatch w(opts_.exiting);
  Watchdog::Begin(&w.cell, left);
  const int trap = api_->call(inst_, which, args, ret);
  Watchdog::End(&w.cell);
  return trap;
}

JW_WORKER EngineError Instance::TrapError(int trap, const char* what) {
  if (trap == JW_TRAP_TIMEOUT) {
    return Error(JW_E_MODULE_TIMEOUT, std::string(what) + " ran past the load's time limit of " + std::to_string(opts_.callTimeoutNs / 1000000) +
                                          " ms and was interrupted (load option callTimeoutMs)");
  }
  std::string m = std::string(what) + " trapped: " + TrapText(trap);
  // A module that cannot get memory usually fails in some other way: say so.
  if (jw_tls_self()->cap_refusals) {
    m += " (memory.grow was refused: the memory cap is " + std::to_string(static_cast<uint64_t>(opts_.capPages) * 65536) +
         " bytes; raise it with the compile option maxMemoryBytes)";
  }
  return Error(JW_E_MODULE_INIT_FAILED, m);
}

JW_WORKER std::unique_ptr<Instance> Instance::Load(const std::string& path, const InstanceOptions& opts, EngineError* err) {
  std::unique_ptr<Instance> d(new Instance());
  d->opts_ = opts;
  *err = d->LoadSteps(path);
  if (*err) return nullptr;
  return d;
}

JW_WORKER EngineError Instance::LoadSteps(const std::string& path) {
  dl_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!dl_) return Error(JW_E_COMPILE_FAILED, std::string("cannot load compiled module: ") + dlerror());
  auto get = reinterpret_cast<jw_module_get_api_fn>(dlsym(dl_, "jw_module_get_api"));
  if (!get) return Error(JW_E_COMPILE_FAILED, "compiled module has no jw_module_get_api");
  api_ = get();
  if (!api_ || api_->api_version != JW_MODULE_API_VERSION)
    return Error(JW_E_COMPILE_FAILED, "compiled module was built for another engine version (recompile it)");
  if ((api_->exports & JW_REQUIRED_EXPORTS) != JW_REQUIRED_EXPORTS)
    return Error(JW_E_COMPILE_FAILED, "compiled module lacks required exports (recompile it)");
  jw_set_realtime(0);
  jw_tls_self()->cap_refusals = 0;
  StartBudget();

  // Creation runs the start function: watched like every other call.
  {
    jw_create_opts co{};
    co.cap_pages = opts_.capPages;
    co.stack_bytes = opts_.stackBytes;
    WorkerWatch w(opts_.exiting);
    Watchdog::Begin(&w.cell, BudgetLeftNs());
    const int rc = api_->create(&co, &inst_);
    Watchdog::End(&w.cell);
    if (rc == JW_CREATE_NOMEM) return Error(JW_E_OUT_OF_MEMORY, "cannot reserve memory or address space for the instance (each instance reserves 8 GiB of address space)");
    if (rc == JW_CREATE_TYPES) return Error(JW_E_MODULE_TOO_LARGE, "the process's function-type registry is full");
    if (rc) return TrapError(rc, "the start function");
  }
  uint32_t memSize = 0;
  mem_ = api_->memory(inst_, &memSize);

  jw_val r{};
  int trap = CallWatched(JW_X_ABI, nullptr, &r);
  if (trap) return TrapError(trap, "jw_abi");
  if (r.i32 != JW_ABI_VERSION)
    return Error(JW_E_MODULE_ABI_VERSION, "jw_abi() returned " + std::to_string(r.i32) + "; this host supports ABI version " + std::to_string(JW_ABI_VERSION));
  {
    jw_val a[2];
    a[0].f32 = opts_.sampleRate;
    a[1].i32 = opts_.maxFrames;
    if ((trap = CallWatched(JW_X_INIT, a, &r))) return TrapError(trap, "jw_init");
    if (r.i32 != 0) {
    std::string m = "jw_init returned error code " + std::to_string(r.i32);
    // The jackwasm AssemblyScript SDK's codes (dsp-asm/README.md, "Lifecycle").
    static const char* const kSdkCodes[] = {"", "no processor registered", "a channel count outside 0..64", "over 1024 parameters",
                                            "maxFrames < 1", "midiInputs/midiOutputs not 0 or 1, or midiInputs without abi-midi", "jw_init called twice"};
    if (r.i32 >= 1 && r.i32 <= 6) m += std::string(" (from the jackwasm AssemblyScript SDK, it means: ") + kSdkCodes[r.i32] + ")";
    if (jw_tls_self()->cap_refusals)
      m += " (memory.grow was refused: the memory cap is " + std::to_string(static_cast<uint64_t>(opts_.capPages) * 65536) +
           " bytes; raise it with the compile option maxMemoryBytes)";
    return Error(JW_E_MODULE_INIT_FAILED, m);
  }
  }
  auto callI32 = [&](int which, int32_t arg, int32_t* out, EngineError* e) -> bool {
    jw_val a[1];
    a[0].i32 = arg;
    jw_val res{};
    const int t = CallWatched(which, a, &res);
    if (t) {
      *e = TrapError(t, ExportName(which));
      return false;
    }
    *out = res.i32;
    return true;
  };
  EngineError e;
  if (!callI32(JW_X_INPUTS, 0, &nin_, &e) || !callI32(JW_X_OUTPUTS, 0, &nout_, &e)) return e;
  if (nin_ < 0 || nin_ > 64) return Error(JW_E_MODULE_BAD_LAYOUT, "jw_inputs() returned " + std::to_string(nin_) + " (must be 0..64)");
  if (nout_ < 0 || nout_ > 64) return Error(JW_E_MODULE_BAD_LAYOUT, "jw_outputs() returned " + std::to_string(nout_) + " (must be 0..64)");

  const uint64_t bytes = static_cast<uint64_t>(opts_.maxFrames) * 4;
  auto offsets = [&](int which, int32_t n, std::vector<uint32_t>* out) -> bool {
    for (int32_t ch = 0; ch < n; ++ch) {
      int32_t off = 0;
      if (!callI32(which, ch, &off, &e)) return false;
      api_->memory(inst_, &memSize);
      const uint64_t u = static_cast<uint32_t>(off);
      if (u % 4 != 0 || u + bytes > memSize) {
        e = Error(JW_E_MODULE_BAD_LAYOUT, std::string(ExportName(which)) + "(" + std::to_string(ch) + ") = " + std::to_string(u) + ": a buffer of " +
                                             std::to_string(opts_.maxFrames) + " f32 samples there is " + (u % 4 ? "misaligned" : "outside memory") +
                                             " (memory is " + std::to_string(memSize) + " bytes)");
        return false;
      }
      out->push_back(static_cast<uint32_t>(u));
    }
    return true;
  };
  if (!offsets(JW_X_INPUT, nin_, &inOff_) || !offsets(JW_X_OUTPUT, nout_, &outOff_)) return e;

  if (Has(JW_X_PARAM_COUNT)) {
    if (!callI32(JW_X_PARAM_COUNT, 0, &paramCount_, &e)) return e;
    if (paramCount_ < 0 || paramCount_ > 1024)
      return Error(JW_E_MODULE_BAD_LAYOUT, "jw_param_count() returned " + std::to_string(paramCount_) + " (must be 0..1024)");
  }
  if (Has(JW_X_PARAM_GET)) {
    for (int32_t i = 0; i < paramCount_; ++i) {
      jw_val a[1];
      a[0].i32 = i;
      jw_val res{};
      if ((trap = CallWatched(JW_X_PARAM_GET, a, &res))) return TrapError(trap, ("jw_param_get(" + std::to_string(i) + ")").c_str());
      paramDefaults_.push_back(res.f32);
    }
  }
  if (Has(JW_X_DESCRIBE)) {
    int32_t off = 0;
    if (!callI32(JW_X_DESCRIBE, 0, &off, &e)) return e;
    uint8_t* mem = api_->memory(inst_, &memSize);
    const uint32_t start = static_cast<uint32_t>(off);
    if (start >= memSize) return Error(JW_E_MODULE_BAD_LAYOUT, "jw_describe() returned offset " + std::to_string(start) + ", outside memory");
    const auto* end = static_cast<const uint8_t*>(std::memchr(mem + start, 0, std::min<uint32_t>(memSize - start, 65536)));
    if (!end) return Error(JW_E_MODULE_BAD_LAYOUT, "jw_describe() text is not NUL-terminated within 64 KiB");
    describe_.assign(reinterpret_cast<const char*>(mem + start), end - (mem + start));
  }
  if (Has(JW_X_TRANSPORT)) {
    int32_t off = 0;
    if (!callI32(JW_X_TRANSPORT, 0, &off, &e)) return e;
    api_->memory(inst_, &memSize);
    const uint64_t u = static_cast<uint32_t>(off);
    if (u % 8 != 0 || u + 64 > memSize)
      return Error(JW_E_MODULE_BAD_LAYOUT, "jw_transport() = " + std::to_string(u) + ": a 64-byte block there is " + (u % 8 ? "not 8-byte aligned" : "outside memory") +
                                               " (memory is " + std::to_string(memSize) + " bytes)");
    transportOff_ = static_cast<uint32_t>(u);
  }
  if (EngineError se = ReadStateTable()) return se;
  if (EngineError be = ReadBufferTable()) return be;
  return ReadRingTable();
}

// [worker] Reads a declared table: calls the count export (0..maxCount)
// and the table export, checks that `count` records of `words` u32 lie in
// memory, and copies them out. `what` names the table export in messages.
JW_WORKER EngineError Instance::ReadTable(int countExport, int tableExport, int32_t maxCount, uint32_t words, std::vector<uint32_t>* out) {
  jw_val r{};
  int trap = CallWatched(countExport, nullptr, &r);
  if (trap) return TrapError(trap, ExportName(countExport));
  const int32_t count = r.i32;
  if (count < 0 || count > maxCount)
    return Error(JW_E_MODULE_BAD_LAYOUT, std::string(ExportName(countExport)) + "() returned " + std::to_string(count) + " (must be 0.." + std::to_string(maxCount) + ")");
  if (count == 0) return EngineError();
  if ((trap = CallWatched(tableExport, nullptr, &r))) return TrapError(trap, ExportName(tableExport));
  uint32_t memSize = 0;
  const uint8_t* mem = api_->memory(inst_, &memSize);
  const uint64_t table = static_cast<uint32_t>(r.i32), bytes = 4ull * words * count;
  if (table + bytes > memSize) return TableError(tableExport, "the table at " + std::to_string(table) + " (" + std::to_string(count) + " x " + std::to_string(4 * words) + " bytes) is outside memory");
  out->resize(static_cast<size_t>(words) * count);
  std::memcpy(out->data(), mem + table, bytes);
  return EngineError();
}

JW_WORKER EngineError Instance::TableError(int tableExport, const std::string& what) const {
  uint32_t memSize = 0;
  api_->memory(inst_, &memSize);
  return Error(JW_E_MODULE_BAD_LAYOUT, std::string(ExportName(tableExport)) + "(): " + what + " (memory is " + std::to_string(memSize) + " bytes)");
}

// [worker] The key of record `which` ("entry 3") at [off, off + len): 1-256
// bytes inside memory, no control characters, not in `seen`.
JW_WORKER EngineError Instance::TableKey(int tableExport, const std::string& which, uint64_t off, uint64_t len, std::unordered_set<std::string>* seen, std::string* key) const {
  uint32_t memSize = 0;
  const uint8_t* mem = api_->memory(inst_, &memSize);
  if (len < 1 || len > 256 || off + len > memSize) return TableError(tableExport, which + ": its key must be 1-256 bytes inside memory");
  key->assign(reinterpret_cast<const char*>(mem + off), len);
  for (unsigned char c : *key)
    if (c < 0x20 || c == 0x7f) return TableError(tableExport, which + ": its key has a control character");
  if (!ValidUtf8(*key)) return TableError(tableExport, which + ": its key is not valid UTF-8");
  if (!seen->insert(*key).second) return TableError(tableExport, "two records are named \"" + *key + "\"");
  return EngineError();
}

// Rationale: the table is read once, here, because the audio thread copies
// state from an instance while it runs; no other thread may call into it then.
JW_WORKER EngineError Instance::ReadStateTable() {
  if (!Has(JW_X_STATE_COUNT) || !Has(JW_X_STATE_TABLE)) return EngineError();
  std::vector<uint32_t> t;
  if (EngineError e = ReadTable(JW_X_STATE_COUNT, JW_X_STATE_TABLE, kMaxStateEntries, 4, &t)) return e;
  uint32_t memSize = 0;
  api_->memory(inst_, &memSize);
  std::unordered_set<std::string> keys;
  uint64_t total = 0;
  for (size_t i = 0; i < t.size() / 4; ++i) {
    const uint64_t off = t[4 * i + 2], len = t[4 * i + 3];
    const std::string which = "entry " + std::to_string(i);
    std::string key;
    if (EngineError e = TableKey(JW_X_STATE_TABLE, which, t[4 * i], t[4 * i + 1], &keys, &key)) return e;
    if (off + len > memSize) return TableError(JW_X_STATE_TABLE, which + " (\"" + key + "\"): " + std::to_string(len) + " bytes at " + std::to_string(off) + " are outside memory");
    if ((total += len) > kMaxStateBytes)
      return Error(JW_E_MODULE_BAD_LAYOUT, "jw_state_table(): the entries declare more than " + std::to_string(kMaxStateBytes >> 20) +
                                               " MiB of state in all (a swap copies it in one audio cycle)");
    state_.push_back(StateEntry{std::move(key), static_cast<uint32_t>(off), static_cast<uint32_t>(len)});
  }
  return EngineError();
}

// Rationale: read once, like the state table: the host writes into the
// regions from the main thread while the audio thread runs the instance, so
// it must know them without calling in.
JW_WORKER EngineError Instance::ReadBufferTable() {
  if (!Has(JW_X_BUFFER_COUNT) || !Has(JW_X_BUFFER_TABLE) || !Has(JW_X_BUFFER_READY)) return EngineError();
  std::vector<uint32_t> t;
  if (EngineError e = ReadTable(JW_X_BUFFER_COUNT, JW_X_BUFFER_TABLE, static_cast<int32_t>(kMaxBufferSlots), 6, &t)) return e;
  uint32_t memSize = 0;
  api_->memory(inst_, &memSize);
  std::unordered_set<std::string> keys;
  for (size_t i = 0; i < t.size() / 6; ++i) {
    const uint32_t* rec = &t[6 * i];
    const uint32_t channels = rec[2], frames = rec[3];
    const uint64_t r0 = rec[4], r1 = rec[5];
    std::string key;
    if (EngineError e = TableKey(JW_X_BUFFER_TABLE, "slot " + std::to_string(i), rec[0], rec[1], &keys, &key)) return e;
    auto bad = [&](const std::string& what) { return TableError(JW_X_BUFFER_TABLE, "slot " + std::to_string(i) + " (\"" + key + "\"): " + what); };
    if (channels < 1 || channels > kMaxBufferChannels) return bad(std::to_string(channels) + " channels (must be 1..64)");
    if (frames < 1) return bad("a capacity of 0 frames");
    const uint64_t bytes = 4ull * channels * frames;
    for (uint64_t at : {r0, r1}) {
      if (at % 4 != 0 || at + bytes > memSize)
        return bad("a region of " + std::to_string(bytes) + " bytes at " + std::to_string(at) + " is " + (at % 4 ? "misaligned" : "outside memory"));
    }
    if (r0 < r1 + bytes && r1 < r0 + bytes) return bad("its two regions overlap (the host writes one while the module reads the other)");
    for (const BufferSlot& o : buffers_) {
      const uint64_t ob = 4ull * o.channels * o.frames;
      for (uint64_t a : {r0, r1})
        for (uint64_t b : {static_cast<uint64_t>(o.region[0]), static_cast<uint64_t>(o.region[1])})
          if (a < b + ob && b < a + bytes) return bad("a region overlaps one of slot \"" + o.key + "\" (the host writes one while the module reads the other)");
    }
    buffers_.push_back(BufferSlot{std::move(key), channels, frames, {static_cast<uint32_t>(r0), static_cast<uint32_t>(r1)}});
  }
  return EngineError();
}

// Rationale: read once, like the other tables: the audio thread passes the
// indices across every cycle and the main thread copies ring data while the
// module runs, both without calling in.
JW_WORKER EngineError Instance::ReadRingTable() {
  if (!Has(JW_X_RING_COUNT) || !Has(JW_X_RING_TABLE)) return EngineError();
  std::vector<uint32_t> t;
  if (EngineError e = ReadTable(JW_X_RING_COUNT, JW_X_RING_TABLE, static_cast<int32_t>(kMaxRings), 6, &t)) return e;
  uint32_t memSize = 0;
  api_->memory(inst_, &memSize);
  std::unordered_set<std::string> keys;
  for (size_t i = 0; i < t.size() / 6; ++i) {
    const uint32_t* rec = &t[6 * i];
    const uint32_t dir = rec[2];
    const uint64_t header = rec[3], data = rec[4], size = rec[5];
    std::string key;
    if (EngineError e = TableKey(JW_X_RING_TABLE, "ring " + std::to_string(i), rec[0], rec[1], &keys, &key)) return e;
    auto bad = [&](const std::string& what) { return TableError(JW_X_RING_TABLE, "ring " + std::to_string(i) + " (\"" + key + "\"): " + what); };
    if (dir > 1) return bad("direction " + std::to_string(dir) + " (must be 0: the module writes, or 1: the module reads)");
    if (size < kRingMinBytes || size > kRingMaxBytes || (size & (size - 1)))
      return bad(std::to_string(size) + " bytes of data (must be a power of two from " + std::to_string(kRingMinBytes) + " to " + std::to_string(kRingMaxBytes) + ")");
    if (header % 4 != 0 || header + kModuleRingHeaderBytes > memSize) return bad("its header at " + std::to_string(header) + " is " + (header % 4 ? "misaligned" : "outside memory"));
    if (data + size > memSize) return bad(std::to_string(size) + " bytes of data at " + std::to_string(data) + " are outside memory");
    if (header < data + size && data < header + kModuleRingHeaderBytes) return bad("its header overlaps its data");
    // What the host writes (ring headers and data, buffer regions) never overlaps.
    auto overlaps = [](uint64_t a, uint64_t an, uint64_t b, uint64_t bn) { return a < b + bn && b < a + an; };
    for (const RingDecl& o : rings_) {
      if (overlaps(header, kModuleRingHeaderBytes, o.header, kModuleRingHeaderBytes) || overlaps(header, kModuleRingHeaderBytes, o.data, o.size) ||
          overlaps(data, size, o.header, kModuleRingHeaderBytes) || overlaps(data, size, o.data, o.size))
        return bad("it overlaps ring \"" + o.key + "\"");
    }
    for (const BufferSlot& b : buffers_) {
      const uint64_t bn = 4ull * b.channels * b.frames;
      for (uint64_t at : {static_cast<uint64_t>(b.region[0]), static_cast<uint64_t>(b.region[1])})
        if (overlaps(header, kModuleRingHeaderBytes, at, bn) || overlaps(data, size, at, bn)) return bad("it overlaps buffer slot \"" + b.key + "\"");
    }
    rings_.push_back(RingDecl{std::move(key), dir ? RingDecl::kIn : RingDecl::kOut, static_cast<uint32_t>(header), static_cast<uint32_t>(data), static_cast<uint32_t>(size)});
  }
  return EngineError();
}

JW_MAIN_THREAD void Instance::RingCopyOut(const RingDecl& r, uint32_t index, uint8_t* dst, uint32_t len) const {
  const uint32_t at = index & (r.size - 1), first = std::min(len, r.size - at);
  std::memcpy(dst, mem_ + r.data + at, first);
  std::memcpy(dst + first, mem_ + r.data, len - first);
}

JW_MAIN_THREAD void Instance::RingCopyIn(const RingDecl& r, uint32_t index, const uint8_t* src, uint32_t len) {
  const uint32_t at = index & (r.size - 1), first = std::min(len, r.size - at);
  std::memcpy(mem_ + r.data + at, src, first);
  std::memcpy(mem_ + r.data, src + first, len - first);
}

JW_MAIN_THREAD void Instance::WriteBuffer(uint32_t slot, uint32_t region, const float* const* channels, uint32_t nch, uint32_t frames) {
  const BufferSlot& b = buffers_[slot];
  for (uint32_t c = 0; c < nch; ++c) std::memcpy(mem_ + b.region[region] + 4ull * c * b.frames, channels[c], 4ull * frames);
}

JW_MAIN_THREAD void Instance::CopyBuffer(uint32_t slot, const Instance& from, uint32_t fromSlot, uint32_t fromRegion, uint32_t nch, uint32_t frames) {
  const BufferSlot& to = buffers_[slot];
  const BufferSlot& src = from.buffers_[fromSlot];
  for (uint32_t c = 0; c < nch; ++c)
    std::memcpy(mem_ + to.region[0] + 4ull * c * to.frames, from.mem_ + src.region[fromRegion] + 4ull * c * src.frames, 4ull * frames);
}

JW_WORKER int Instance::ApplyParams(const std::vector<std::pair<int32_t, float>>& params, size_t* failed) {
  if (!Has(JW_X_PARAM_SET)) return params.empty() ? 0 : JW_TRAP_BAD_CALL;
  StartBudget();
  for (size_t k = 0; k < params.size(); ++k) {
    jw_val a[2];
    a[0].i32 = params[k].first;
    a[1].f32 = params[k].second;
    const int trap = CallWatched(JW_X_PARAM_SET, a, nullptr);
    if (trap) {
      *failed = k;
      return trap;
    }
  }
  return 0;
}

JW_WORKER Instance::~Instance() {  // or [main-thread], never while another thread may call in
  if (api_ && inst_) api_->destroy(inst_);
  if (dl_) dlclose(dl_);
}

}  // namespace jw
