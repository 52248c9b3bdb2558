// N-API wrapper of the CPU engine (the `Engine` class of src/native.ts).
#pragma once

#include <napi.h>

namespace sarwatch {

Napi::Object InitEngine(Napi::Env env, Napi::Object exports);

}  // namespace sarwatch
