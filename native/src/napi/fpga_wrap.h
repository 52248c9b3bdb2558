// N-API wrapper of the XRT driver (the `FpgaEngine` class of src/native.ts),
// or, in a build without XRT, the reason it is unavailable.
#pragma once

#include <napi.h>

namespace sarwatch {

Napi::Object InitFpga(Napi::Env env, Napi::Object exports);

}  // namespace sarwatch
