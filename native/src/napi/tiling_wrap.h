// N-API wrappers of the tiler's hot loops (native/src/tiling).
#pragma once

#include <napi.h>

namespace sarwatch {

Napi::Object InitTiling(Napi::Env env, Napi::Object exports);

}  // namespace sarwatch
