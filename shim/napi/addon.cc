// The addon's entry point: per-environment data, the exported classes and
// functions, constants, and what happens when an environment exits.
#include <errno.h>
#include <jack/jack.h>
#include <sys/mman.h>
#include <unistd.h>
#include <jack/metadata.h>
#include <napi.h>

#include "../engine/engine.h"
#include "../engine/watchdog.h"
#include "../wasm-rt/jw-runtime.h"
#include "addon-data.h"
#include "client.h"
#include "dsp.h"
#include "port.h"
#include "util.h"

namespace jw {

Napi::Value RtcheckSnapshot(const Napi::CallbackInfo& info);
Napi::Value RtcheckCanary(const Napi::CallbackInfo& info);
void RegisterJackGlobals(Napi::Env env, Napi::Object exports);
void ReleaseJackGlobals(napi_env env);
void RegisterMetadata(Napi::Env env, Napi::Object exports);
void RegisterSoundFiles(Napi::Env env, Napi::Object exports);

namespace {

// trapInfo(code) -> { kind, text }: the trap table (shim/manifest.json).
JW_MAIN_THREAD Napi::Value TrapInfo(const Napi::CallbackInfo& info) {
  const int code = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("kind", TrapId(code));
  o.Set("text", TrapKindText(code));
  return o;
}

// runtimeStats() -> { memories, stacks, funcTypes, reservedBytes }: live
// runtime allocations (leak tests).
JW_MAIN_THREAD Napi::Value RuntimeStats(const Napi::CallbackInfo& info) {
  jw_rt_stats s;
  jw_get_stats(&s);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("memories", static_cast<double>(s.memories));
  o.Set("stacks", static_cast<double>(s.stacks));
  o.Set("funcTypes", static_cast<double>(s.func_types));
  o.Set("reservedBytes", static_cast<double>(s.reserved_bytes));
  return o;
}

// lockMemory(bytes: Uint8Array) -> 0 or errno: locks the pages under the
// array into RAM (mlock), so the audio thread never waits on a page fault
// there (RingBuffer.mlock). They stay locked until the memory is freed.
JW_MAIN_THREAD Napi::Value LockMemory(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) return TypeErrorFalse(info.Env(), "lockMemory: expected a Uint8Array"), info.Env().Undefined();
  // Rationale: napi_get_typedarray_info gives the data of a view over a
  // SharedArrayBuffer too (napi_get_arraybuffer_info refuses the buffer).
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_typedarray_info(info.Env(), info[0], nullptr, &length, &data, nullptr, nullptr) != napi_ok || !data)
    return TypeErrorFalse(info.Env(), "lockMemory: cannot read the array"), info.Env().Undefined();
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t start = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + length;
  const int rc = end > start ? mlock(reinterpret_cast<void*>(start), end - start) : 0;
  return Napi::Number::New(info.Env(), rc == 0 ? 0 : errno);
}

// shutdown(): the process is about to exit (process 'exit' event; Node then
// joins the libuv pool without running cleanup hooks first): interrupt every
// module call this environment's threads make from now on.
JW_MAIN_THREAD Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  AddonData* data = AddonData::Of(info.Env());
  data->exiting.store(true);
  Watchdog::Get().Kick();
  return info.Env().Undefined();
}

// [main-thread] The environment is exiting: no module call of its threads
// may keep it waiting (interrupt them all), then close its clients.
JW_MAIN_THREAD void AtExit(void* arg) {
  auto* data = static_cast<AddonData*>(arg);
  data->exiting.store(true);
  Watchdog::Get().Kick();
  if (data->jobs) data->jobs->Shutdown();
  ClientWrap::CloseAllAtExit(data);
  ReleaseJackGlobals(data->env);
}

JW_MAIN_THREAD Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->env = env;
  env.SetInstanceData(data);  // deleted by Node when the environment goes away
  Watchdog::InstallSignal();
  if (jw_install_fault_handler() != 0) {
    Napi::Error::New(env, "jackwasm: cannot install the memory-fault handler").ThrowAsJavaScriptException();
    return exports;
  }

  Napi::Function client = ClientWrap::Init(env);
  Napi::Function port = PortWrap::Init(env);
  Napi::Function dsp = DspWrap::Init(env);
  data->clientCtor = Napi::Persistent(client);
  data->portCtor = Napi::Persistent(port);
  data->dspCtor = Napi::Persistent(dsp);
  exports.Set("NativeClient", client);
  exports.Set("NativePort", port);
  exports.Set("NativeDsp", dsp);
  exports.Set("dspLoad", Napi::Function::New(env, DspLoad));
  exports.Set("trapInfo", Napi::Function::New(env, TrapInfo));
  exports.Set("runtimeStats", Napi::Function::New(env, RuntimeStats));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown));
  exports.Set("lockMemory", Napi::Function::New(env, LockMemory));
  exports.Set("rtcheck", Napi::Function::New(env, RtcheckSnapshot));
  exports.Set("rtcheckCanary", Napi::Function::New(env, RtcheckCanary));
  RegisterJackGlobals(env, exports);
  RegisterMetadata(env, exports);
  RegisterSoundFiles(env, exports);

  Napi::Object c = Napi::Object::New(env);
  c.Set("DEFAULT_AUDIO_TYPE", JACK_DEFAULT_AUDIO_TYPE);
  c.Set("DEFAULT_MIDI_TYPE", JACK_DEFAULT_MIDI_TYPE);
  c.Set("PortIsInput", static_cast<double>(JackPortIsInput));
  c.Set("PortIsOutput", static_cast<double>(JackPortIsOutput));
  c.Set("PortIsPhysical", static_cast<double>(JackPortIsPhysical));
  c.Set("PortCanMonitor", static_cast<double>(JackPortCanMonitor));
  c.Set("PortIsTerminal", static_cast<double>(JackPortIsTerminal));
  c.Set("MaxRecordings", static_cast<double>(Engine::kMaxTaps));
  c.Set("UseExactName", static_cast<double>(JackUseExactName));
  c.Set("NoStartServer", static_cast<double>(JackNoStartServer));
  Napi::Object keys = Napi::Object::New(env);
  keys.Set("CONNECTED", JACK_METADATA_CONNECTED);
  keys.Set("EVENT_TYPES", JACK_METADATA_EVENT_TYPES);
  keys.Set("HARDWARE", JACK_METADATA_HARDWARE);
  keys.Set("ICON_LARGE", JACK_METADATA_ICON_LARGE);
  keys.Set("ICON_NAME", JACK_METADATA_ICON_NAME);
  keys.Set("ICON_SMALL", JACK_METADATA_ICON_SMALL);
  keys.Set("ORDER", JACK_METADATA_ORDER);
  keys.Set("PRETTY_NAME", JACK_METADATA_PRETTY_NAME);
  keys.Set("PORT_GROUP", JACK_METADATA_PORT_GROUP);
  keys.Set("SIGNAL_TYPE", JACK_METADATA_SIGNAL_TYPE);
  c.Set("metadata", keys);
  exports.Set("constants", c);

  napi_add_env_cleanup_hook(env, AtExit, data);
  return exports;
}

}  // namespace
}  // namespace jw

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return jw::Init(env, exports); }
NODE_API_MODULE(jackwasm, InitAddon)
