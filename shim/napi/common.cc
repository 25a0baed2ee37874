#include "common.h"

#include <jack/uuid.h>

#include <cerrno>
#include <cstdlib>

namespace jw {

JW_MAIN_THREAD Napi::Object PositionToObject(Napi::Env env, const jack_position_t& pos) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("frame", Napi::Number::New(env, pos.frame));
  o.Set("frameRate", Napi::Number::New(env, pos.frame_rate));
  o.Set("usecs", Napi::Number::New(env, static_cast<double>(pos.usecs)));
  if (pos.valid & JackPositionBBT) {
    o.Set("bar", Napi::Number::New(env, pos.bar));
    o.Set("beat", Napi::Number::New(env, pos.beat));
    o.Set("tick", Napi::Number::New(env, pos.tick));
    o.Set("barStartTick", Napi::Number::New(env, pos.bar_start_tick));
    o.Set("beatsPerBar", Napi::Number::New(env, pos.beats_per_bar));
    o.Set("beatType", Napi::Number::New(env, pos.beat_type));
    o.Set("ticksPerBeat", Napi::Number::New(env, pos.ticks_per_beat));
    o.Set("beatsPerMinute", Napi::Number::New(env, pos.beats_per_minute));
  }
  if (pos.valid & JackTickDouble) o.Set("tickDouble", Napi::Number::New(env, pos.tick_double));
  if (pos.valid & JackPositionTimecode) {
    o.Set("frameTime", Napi::Number::New(env, pos.frame_time));
    o.Set("nextTime", Napi::Number::New(env, pos.next_time));
  }
  if (pos.valid & JackBBTFrameOffset) o.Set("bbtOffset", Napi::Number::New(env, pos.bbt_offset));
  if (pos.valid & JackAudioVideoRatio)
    o.Set("audioFramesPerVideoFrame", Napi::Number::New(env, pos.audio_frames_per_video_frame));
  if (pos.valid & JackVideoFrameOffset) o.Set("videoOffset", Napi::Number::New(env, pos.video_offset));
  return o;
}

JW_MAIN_THREAD static bool Has(const Napi::Object& obj, const char* key) {
  Napi::Value v = obj.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}
JW_MAIN_THREAD static double Num(const Napi::Object& obj, const char* key) {
  return obj.Get(key).ToNumber().DoubleValue();
}

JW_MAIN_THREAD void ObjectToPosition(const Napi::Object& obj, jack_position_t* pos) {
  int valid = 0;
  if (Has(obj, "frame")) pos->frame = static_cast<jack_nframes_t>(Num(obj, "frame"));
  if (Has(obj, "bar")) {
    valid |= JackPositionBBT;
    pos->bar = static_cast<int32_t>(Num(obj, "bar"));
    pos->beat = static_cast<int32_t>(Num(obj, "beat"));
    pos->tick = static_cast<int32_t>(Num(obj, "tick"));
    pos->bar_start_tick = Has(obj, "barStartTick") ? Num(obj, "barStartTick") : 0.0;
    pos->beats_per_bar = static_cast<float>(Num(obj, "beatsPerBar"));
    pos->beat_type = static_cast<float>(Num(obj, "beatType"));
    pos->ticks_per_beat = Num(obj, "ticksPerBeat");
    pos->beats_per_minute = Num(obj, "beatsPerMinute");
    if (Has(obj, "tickDouble")) {
      valid |= JackTickDouble;
      pos->tick_double = Num(obj, "tickDouble");
    }
  }
  if (Has(obj, "frameTime")) {
    valid |= JackPositionTimecode;
    pos->frame_time = Num(obj, "frameTime");
    pos->next_time = Has(obj, "nextTime") ? Num(obj, "nextTime") : 0.0;
  }
  if (Has(obj, "bbtOffset")) {
    valid |= JackBBTFrameOffset;
    pos->bbt_offset = static_cast<jack_nframes_t>(Num(obj, "bbtOffset"));
  }
  if (Has(obj, "audioFramesPerVideoFrame")) {
    valid |= JackAudioVideoRatio;
    pos->audio_frames_per_video_frame = static_cast<float>(Num(obj, "audioFramesPerVideoFrame"));
  }
  if (Has(obj, "videoOffset")) {
    valid |= JackVideoFrameOffset;
    pos->video_offset = static_cast<jack_nframes_t>(Num(obj, "videoOffset"));
  }
  pos->valid = static_cast<jack_position_bits_t>(valid);
}

JW_MAIN_THREAD Napi::Array TakeNameList(Napi::Env env, const char** names) {
  Napi::Array arr = Napi::Array::New(env);
  if (!names) return arr;
  uint32_t i = 0;
  for (; names[i]; ++i) arr.Set(i, Napi::String::New(env, names[i]));
  jack_free(names);
  return arr;
}

JW_ANY_THREAD std::string UuidToString(jack_uuid_t uuid) { return std::to_string(uuid); }

JW_MAIN_THREAD bool ParseUuid(const std::string& text, jack_uuid_t* out) {
  if (text.empty() || text.size() > 20) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = static_cast<jack_uuid_t>(v);
  return true;
}

}  // namespace jw
