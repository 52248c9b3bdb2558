// normaliseRows and cutTile of src/native.ts. Synchronous on purpose: they are
// the tiler's inner loops on data already in memory (microseconds per row),
// and the tiler runs beside the backend's own worker threads.
#include "tiling_wrap.h"

#include <cmath>

#include "../tiling/normalise.h"

namespace sarwatch {
namespace {

SampleKind kind_of(const Napi::TypedArray& a) {
  switch (a.TypedArrayType()) {
    case napi_uint8_array: return SampleKind::kU8;
    case napi_int16_array: return SampleKind::kI16;
    case napi_uint16_array: return SampleKind::kU16;
    case napi_float32_array: return SampleKind::kF32;
    default: return SampleKind::kF64;
  }
}

// normaliseRows(src, dst, mask, lo, hi, nodata | null, passthrough, dnToDb, dnCalibrationDb) → [nodataCount, badIndex]
Napi::Value NormaliseRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::TypedArray src = info[0].As<Napi::TypedArray>();
  Napi::Uint8Array dst = info[1].As<Napi::Uint8Array>();
  Napi::Uint8Array mask = info[2].As<Napi::Uint8Array>();
  if (src.ElementLength() < dst.ElementLength() || mask.ElementLength() < dst.ElementLength()) {
    Napi::RangeError::New(env, "normaliseRows: src and mask must hold at least dst.length elements").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  NormaliseParams p;
  p.lo = info[3].As<Napi::Number>().DoubleValue();
  p.hi = info[4].As<Napi::Number>().DoubleValue();
  p.has_nodata = !info[5].IsNull();
  p.nodata = p.has_nodata ? info[5].As<Napi::Number>().DoubleValue() : 0;
  p.nan_is_nodata = p.has_nodata && std::isnan(p.nodata);
  p.passthrough = info[6].As<Napi::Boolean>();
  p.dn_to_db = info[7].As<Napi::Boolean>();
  p.dn_calibration_db = info[8].As<Napi::Number>().DoubleValue();
  const uint8_t* base = static_cast<const uint8_t*>(src.ArrayBuffer().Data()) + src.ByteOffset();
  const NormaliseResult r = normalise(base, kind_of(src), dst.ElementLength(), dst.Data(), mask.Data(), p);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, double(r.nodata)));
  out.Set(1u, Napi::Number::New(env, double(r.bad)));
  return out;
}

// cutTile(planes: Uint8Array[], mask, W, x0, y0, w, h, TW, TH, dst) → nodata count
Napi::Value CutTile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array planes = info[0].As<Napi::Array>();
  Napi::Uint8Array mask = info[1].As<Napi::Uint8Array>();
  const int W = info[2].As<Napi::Number>().Int32Value(), x0 = info[3].As<Napi::Number>().Int32Value(), y0 = info[4].As<Napi::Number>().Int32Value();
  const int w = info[5].As<Napi::Number>().Int32Value(), h = info[6].As<Napi::Number>().Int32Value();
  const int TW = info[7].As<Napi::Number>().Int32Value(), TH = info[8].As<Napi::Number>().Int32Value();
  Napi::Uint8Array dst = info[9].As<Napi::Uint8Array>();
  const int C = static_cast<int>(planes.Length());
  const size_t need = static_cast<size_t>(y0 + h) * W;
  if (C < 1 || C > 8 || w > TW || h > TH || x0 + w > W || dst.ElementLength() < static_cast<size_t>(C) * TW * TH || mask.ElementLength() < need) {
    Napi::RangeError::New(env, "cutTile: window outside the planes or tile").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint8_t* ptrs[8];
  for (int c = 0; c < C; ++c) {
    Napi::Uint8Array p = planes.Get(uint32_t(c)).As<Napi::Uint8Array>();
    if (p.ElementLength() < need) {
      Napi::RangeError::New(env, "cutTile: plane too short").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    ptrs[c] = p.Data();
  }
  return Napi::Number::New(env, double(cut_tile(ptrs, C, mask.Data(), W, x0, y0, w, h, TW, TH, dst.Data())));
}

}  // namespace

Napi::Object InitTiling(Napi::Env env, Napi::Object exports) {
  exports.Set("normaliseRows", Napi::Function::New(env, NormaliseRows, "normaliseRows"));
  exports.Set("cutTile", Napi::Function::New(env, CutTile, "cutTile"));
  return exports;
}

}  // namespace sarwatch
