// NativeSoundFile and NativeResampler: thin wrappers of libsndfile (reading
// and writing WAV and the other formats it knows, in chunks of interleaved
// float frames) and libsamplerate (streaming sample-rate conversion). The
// chunking, validation and errors live in host/sound-file.ts; failures come
// back as message strings, never as exceptions.
#include <napi.h>
#include <samplerate.h>
#include <sndfile.h>

#include <string>

#include "../threads.h"
#include "util.h"

namespace jw {

namespace {

// The interleaved float frames a Float32Array argument holds (null when it
// is not one; an empty array gives a pointer that is never read).
JW_MAIN_THREAD float* FloatsOf(const Napi::Value& v, size_t* count) {
  static float none[1];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) return nullptr;
  auto a = v.As<Napi::Float32Array>();
  *count = a.ElementLength();
  return *count ? a.Data() : none;
}

class SoundFileWrap : public Napi::ObjectWrap<SoundFileWrap> {
 public:
  JW_MAIN_THREAD static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeSoundFile",
                       {
                           InstanceMethod("openRead", &SoundFileWrap::OpenRead),
                           InstanceMethod("openWrite", &SoundFileWrap::OpenWrite),
                           InstanceMethod("info", &SoundFileWrap::Info),
                           InstanceMethod("log", &SoundFileWrap::Log),
                           InstanceMethod("read", &SoundFileWrap::Read),
                           InstanceMethod("write", &SoundFileWrap::Write),
                           InstanceMethod("seek", &SoundFileWrap::Seek),
                           InstanceMethod("close", &SoundFileWrap::Close),
                       });
  }
  JW_MAIN_THREAD explicit SoundFileWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SoundFileWrap>(info) {}
  JW_MAIN_THREAD ~SoundFileWrap() override {
    if (file_) sf_close(file_);
  }

 private:
  // openRead(path) -> null | error message
  JW_MAIN_THREAD Napi::Value OpenRead(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (file_ || !info[0].IsString()) return TypeErrorFalse(env, "openRead: expected a path, on a closed file"), env.Undefined();
    info_ = SF_INFO{};
    file_ = sf_open(info[0].As<Napi::String>().Utf8Value().c_str(), SFM_READ, &info_);
    if (!file_) return Napi::String::New(env, sf_strerror(nullptr));
    // Rationale: integer files read as floats in [-1, 1), and floats as they are.
    sf_command(file_, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
    return env.Null();
  }

  // openWrite(path, channels, sampleRate, subtype: 'f32' | 'f64' | 's32' | 's24' | 's16' | 'u8',
  //           container: 'wav' | 'rf64' | 'w64' | 'aiff' | 'flac' | 'caf') -> null | error message
  // 'wav' writes RF64 that stays WAV below 4 GiB (libsndfile's auto downgrade).
  JW_MAIN_THREAD Napi::Value OpenWrite(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    JW_ARG_U32(channels, 1);
    JW_ARG_U32(rate, 2);
    if (file_ || !info[0].IsString() || !info[3].IsString() || !info[4].IsString()) return TypeErrorFalse(env, "openWrite: bad arguments"), env.Undefined();
    const std::string box = info[4].As<Napi::String>().Utf8Value();
    const int major = box == "wav" || box == "rf64" ? SF_FORMAT_RF64 : box == "w64" ? SF_FORMAT_W64 : box == "aiff" ? SF_FORMAT_AIFF
                : box == "flac" ? SF_FORMAT_FLAC : box == "caf" ? SF_FORMAT_CAF : 0;
    if (!major) return Napi::String::New(env, "unknown container " + box);
    const std::string sub = info[3].As<Napi::String>().Utf8Value();
    int subtype = sub == "f32" ? SF_FORMAT_FLOAT : sub == "f64" ? SF_FORMAT_DOUBLE : sub == "s32" ? SF_FORMAT_PCM_32
                : sub == "s24" ? SF_FORMAT_PCM_24 : sub == "s16" ? SF_FORMAT_PCM_16 : sub == "u8" ? SF_FORMAT_PCM_U8 : 0;
    if (!subtype) return Napi::String::New(env, "unknown sample format " + sub);
    info_ = SF_INFO{};
    info_.channels = static_cast<int>(channels);
    info_.samplerate = static_cast<int>(rate);
    info_.format = major | subtype;
    if (!sf_format_check(&info_)) return Napi::String::New(env, box + " cannot hold " + sub + " samples");
    file_ = sf_open(info[0].As<Napi::String>().Utf8Value().c_str(), SFM_WRITE, &info_);
    if (!file_) return Napi::String::New(env, sf_strerror(nullptr));
    if (box == "wav") sf_command(file_, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
    // Rationale: out-of-range floats written as integers clip instead of wrapping.
    sf_command(file_, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    return env.Null();
  }

  // info() -> { channels, sampleRate, frames, container, subtype }
  JW_MAIN_THREAD Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!file_) return env.Undefined();
    SF_FORMAT_INFO major{}, minor{};
    major.format = info_.format & SF_FORMAT_TYPEMASK;
    minor.format = info_.format & SF_FORMAT_SUBMASK;
    sf_command(file_, SFC_GET_FORMAT_INFO, &major, sizeof major);
    sf_command(file_, SFC_GET_FORMAT_INFO, &minor, sizeof minor);
    Napi::Object o = Napi::Object::New(env);
    o.Set("channels", info_.channels);
    o.Set("sampleRate", info_.samplerate);
    o.Set("frames", static_cast<double>(info_.frames));
    o.Set("container", major.name ? major.name : "");
    o.Set("subtype", minor.name ? minor.name : "");
    o.Set("float", minor.format == SF_FORMAT_FLOAT || minor.format == SF_FORMAT_DOUBLE);
    return o;
  }

  // log() -> libsndfile's log of opening the file (it notes chunks cut short)
  JW_MAIN_THREAD Napi::Value Log(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!file_) return env.Undefined();
    char buf[8192] = {0};
    sf_command(file_, SFC_GET_LOG_INFO, buf, sizeof buf - 1);
    return Napi::String::New(env, buf);
  }

  // read(interleaved: Float32Array) -> frames read (0 at the end), or an error message
  JW_MAIN_THREAD Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t n = 0;
    float* p = FloatsOf(info[0], &n);
    if (!file_ || !p || info_.channels <= 0 || n % static_cast<size_t>(info_.channels) != 0)
      return TypeErrorFalse(env, "read: expected whole frames in a Float32Array, on an open file"), env.Undefined();
    const sf_count_t got = sf_readf_float(file_, p, static_cast<sf_count_t>(n / static_cast<size_t>(info_.channels)));
    if (got < 0 || sf_error(file_) != SF_ERR_NO_ERROR) return Napi::String::New(env, sf_strerror(file_));
    return Napi::Number::New(env, static_cast<double>(got));
  }

  // write(interleaved: Float32Array) -> null | error message
  JW_MAIN_THREAD Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t n = 0;
    float* p = FloatsOf(info[0], &n);
    if (!file_ || !p || info_.channels <= 0 || n % static_cast<size_t>(info_.channels) != 0)
      return TypeErrorFalse(env, "write: expected whole frames in a Float32Array, on an open file"), env.Undefined();
    const sf_count_t frames = static_cast<sf_count_t>(n / static_cast<size_t>(info_.channels));
    if (sf_writef_float(file_, p, frames) != frames) return Napi::String::New(env, sf_strerror(file_));
    return env.Null();
  }

  // seek(frame) -> null | error message
  JW_MAIN_THREAD Napi::Value Seek(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!file_ || !info[0].IsNumber()) return TypeErrorFalse(env, "seek: expected a frame, on an open file"), env.Undefined();
    if (sf_seek(file_, static_cast<sf_count_t>(info[0].As<Napi::Number>().Int64Value()), SEEK_SET) < 0) return Napi::String::New(env, sf_strerror(file_));
    return env.Null();
  }

  // close() -> null | error message (a written file's header is completed here)
  JW_MAIN_THREAD Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!file_) return env.Null();
    const int rc = sf_close(file_);
    file_ = nullptr;
    if (rc != 0) return Napi::String::New(env, sf_error_number(rc));
    return env.Null();
  }

  SNDFILE* file_ = nullptr;
  SF_INFO info_{};
};

class ResamplerWrap : public Napi::ObjectWrap<ResamplerWrap> {
 public:
  JW_MAIN_THREAD static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeResampler",
                       {
                           InstanceMethod("open", &ResamplerWrap::Open),
                           InstanceMethod("process", &ResamplerWrap::Process),
                       });
  }
  JW_MAIN_THREAD explicit ResamplerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ResamplerWrap>(info) {}
  JW_MAIN_THREAD ~ResamplerWrap() override {
    if (state_) src_delete(state_);
  }

 private:
  // open(channels, ratio (out rate / in rate), quality: 0 best .. 4 linear) -> null | error message
  JW_MAIN_THREAD Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    JW_ARG_U32(channels, 0);
    JW_ARG_U32(quality, 2);
    if (state_ || !info[1].IsNumber() || channels == 0 || quality > SRC_LINEAR) return TypeErrorFalse(env, "open: bad arguments"), env.Undefined();
    ratio_ = info[1].As<Napi::Number>().DoubleValue();
    if (!src_is_valid_ratio(ratio_)) return Napi::String::New(env, "the ratio of the sample rates is out of range (1/256 to 256)");
    int err = 0;
    state_ = src_new(static_cast<int>(quality), static_cast<int>(channels), &err);
    if (!state_) return Napi::String::New(env, src_strerror(err));
    channels_ = channels;
    return env.Null();
  }

  // process(input, output: Float32Array (interleaved), endOfInput) -> [framesUsed, framesMade] | error message
  JW_MAIN_THREAD Napi::Value Process(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t nin = 0, nout = 0;
    float* in = FloatsOf(info[0], &nin);
    float* out = FloatsOf(info[1], &nout);
    if (!state_ || !in || !out || nin % channels_ != 0 || nout % channels_ != 0)
      return TypeErrorFalse(env, "process: expected whole frames in Float32Arrays, on an open resampler"), env.Undefined();
    SRC_DATA d{};
    d.data_in = in;
    d.data_out = out;
    d.input_frames = static_cast<long>(nin / channels_);
    d.output_frames = static_cast<long>(nout / channels_);
    d.src_ratio = ratio_;
    d.end_of_input = info[2].ToBoolean().Value() ? 1 : 0;
    const int err = src_process(state_, &d);
    if (err) return Napi::String::New(env, src_strerror(err));
    Napi::Array r = Napi::Array::New(env, 2);
    r.Set(0u, Napi::Number::New(env, static_cast<double>(d.input_frames_used)));
    r.Set(1u, Napi::Number::New(env, static_cast<double>(d.output_frames_gen)));
    return r;
  }

  SRC_STATE* state_ = nullptr;
  uint32_t channels_ = 0;
  double ratio_ = 1;
};

}  // namespace

JW_MAIN_THREAD void RegisterSoundFiles(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSoundFile", SoundFileWrap::Init(env));
  exports.Set("NativeResampler", ResamplerWrap::Init(env));
}

}  // namespace jw
