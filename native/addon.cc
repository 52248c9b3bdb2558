// sarwatch native addon: module registration. One file per wrapped concept
// lives beside this one; this file only wires them into the module.
#include <napi.h>

namespace {

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), "0.1.0");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  return exports;
}

}  // namespace

NODE_API_MODULE(sarwatch, Init)
