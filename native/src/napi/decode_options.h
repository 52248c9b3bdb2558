// The decode arguments of run(tiles, conf, iou, maxDet[, vesselCls, fishingCls, fishingShare[, vesselFirst]]),
// shared by the CPU engine's and the FPGA's wrappers.
#pragma once

#include <napi.h>

#include "../engine/decode.h"

namespace sarwatch {

inline DecodeOptions decode_options(const Napi::CallbackInfo& info, size_t first) {
  DecodeOptions opt;
  opt.conf = info[first].As<Napi::Number>().FloatValue();
  opt.iou = info[first + 1].As<Napi::Number>().FloatValue();
  opt.max_det = info[first + 2].As<Napi::Number>().Int32Value();
  if (info.Length() > first + 5 && info[first + 5].IsNumber()) {
    opt.vessel_cls = info[first + 3].As<Napi::Number>().Int32Value();
    opt.fishing_cls = info[first + 4].As<Napi::Number>().Int32Value();
    opt.fishing_share = info[first + 5].As<Napi::Number>().FloatValue();
    opt.vessel_first = info.Length() > first + 6 && info[first + 6].ToBoolean().Value();
  }
  return opt;
}

}  // namespace sarwatch
