// Helpers shared by the native wrappers.
#pragma once
#include <jack/jack.h>
#include <jack/transport.h>
#include <napi.h>

#include <string>

#include "../threads.h"

namespace jw {

// [main-thread] Converts a JACK position to a plain JS object holding only the
// fields JACK marks valid.
Napi::Object PositionToObject(Napi::Env env, const jack_position_t& pos);

// [main-thread] Builds a jack_position_t from a JS object (fields validated in
// TypeScript); sets `valid` for each field group present.
void ObjectToPosition(const Napi::Object& obj, jack_position_t* pos);

// [main-thread] Copies a NULL-terminated array of names from JACK into a JS
// array and frees the JACK array.
Napi::Array TakeNameList(Napi::Env env, const char** names);

// [any-thread] Decimal text of a JACK UUID.
std::string UuidToString(jack_uuid_t uuid);

// [main-thread] Parses a decimal UUID string; returns false if malformed.
bool ParseUuid(const std::string& text, jack_uuid_t* out);

}  // namespace jw
