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

size_t bytes_of(SampleKind k) {
  switch (k) {
    case SampleKind::kU8: return 1;
    case SampleKind::kI16:
    case SampleKind::kU16: return 2;
    case SampleKind::kF32: return 4;
    default: return 8;
  }
}

// normaliseRows(src, dst, mask, lo, hi, nodata | null, passthrough, dnToDb, dnCalibrationDb[, rect]) → [nodataCount, badIndex]
// Without rect: dst.length contiguous samples. With rect = [srcOffset, srcStride, w, rows, dstStride]:
// a w × rows window of src (row stride srcStride samples) into dst/mask rows dstStride apart,
// so that blocks of a tiled file are normalised where they lie, without assembling rows first.
// badIndex is an index into src.
Napi::Value NormaliseRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::TypedArray src = info[0].As<Napi::TypedArray>();
  Napi::Uint8Array dst = info[1].As<Napi::Uint8Array>();
  Napi::Uint8Array mask = info[2].As<Napi::Uint8Array>();
  size_t src_off = 0, src_stride = dst.ElementLength(), w = dst.ElementLength(), rows = 1, dst_stride = dst.ElementLength();
  if (info.Length() > 9 && info[9].IsArray()) {
    Napi::Array r = info[9].As<Napi::Array>();
    const double v[5] = {r.Get(0u).As<Napi::Number>().DoubleValue(), r.Get(1u).As<Napi::Number>().DoubleValue(), r.Get(2u).As<Napi::Number>().DoubleValue(),
                         r.Get(3u).As<Napi::Number>().DoubleValue(), r.Get(4u).As<Napi::Number>().DoubleValue()};
    for (double x : v) {
      if (!(x >= 0) || x > 1e12) {
        Napi::RangeError::New(env, "normaliseRows: bad rect").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    src_off = size_t(v[0]), src_stride = size_t(v[1]), w = size_t(v[2]), rows = size_t(v[3]), dst_stride = size_t(v[4]);
  }
  const bool fits = rows == 0 || (w <= src_stride && w <= dst_stride && src_off + (rows - 1) * src_stride + w <= src.ElementLength() &&
                                  (rows - 1) * dst_stride + w <= dst.ElementLength() && (rows - 1) * dst_stride + w <= mask.ElementLength());
  if (!fits) {
    Napi::RangeError::New(env, "normaliseRows: window outside src, dst or mask").ThrowAsJavaScriptException();
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
  const SampleKind kind = kind_of(src);
  const uint8_t* base = static_cast<const uint8_t*>(src.ArrayBuffer().Data()) + src.ByteOffset();
  long nodata = 0, bad = -1;
  for (size_t r = 0; r < rows; ++r) {
    const size_t at = src_off + r * src_stride;
    const NormaliseResult res = normalise(base + at * bytes_of(kind), kind, w, dst.Data() + r * dst_stride, mask.Data() + r * dst_stride, p);
    nodata += res.nodata;
    if (res.bad >= 0) {
      bad = static_cast<long>(at) + res.bad;
      break;
    }
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, double(nodata)));
  out.Set(1u, Napi::Number::New(env, double(bad)));
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
