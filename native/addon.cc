// sarwatch native addon: module registration. One file per wrapped concept
// lives under native/src/napi; this file only wires them into the module.
#include <napi.h>

#include "src/napi/engine_wrap.h"
#include "src/napi/fpga_wrap.h"
#include "src/napi/tiling_wrap.h"

namespace {

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), "0.1.0");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  sarwatch::InitEngine(env, exports);
  sarwatch::InitFpga(env, exports);
  sarwatch::InitTiling(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(sarwatch, Init)
