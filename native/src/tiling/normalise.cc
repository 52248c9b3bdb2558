#include "normalise.h"

#include <math.h>
#include <string.h>

namespace sarwatch {

namespace {

template <typename T>
NormaliseResult run(const T* src, size_t n, uint8_t* dst, uint8_t* mask, const NormaliseParams& p) {
  NormaliseResult r{0, -1};
  const double scale = 255.0 / (p.hi - p.lo);
  const double off = -p.lo * scale + 0.5;  // + 0.5, then floor: round half up
  const T nd = static_cast<T>(p.nodata);
  const bool check_nd = p.has_nodata && !p.nan_is_nodata && static_cast<double>(nd) == p.nodata;
  for (size_t i = 0; i < n; ++i) {
    double v = static_cast<double>(src[i]);
    if ((check_nd && src[i] == nd) || (p.nan_is_nodata && v != v)) {
      mask[i] = 1;
      dst[i] = 0;
      ++r.nodata;
      continue;
    }
    if (v - v != 0) {  // NaN or ±Inf that is not NODATA
      r.bad = static_cast<long>(i);
      return r;
    }
    if (p.passthrough) {
      dst[i] = static_cast<uint8_t>(src[i]);
      continue;
    }
    if (p.dn_to_db) v = 20.0 * log10(v > 1 ? v : 1) - p.dn_calibration_db;
    const double q = v * scale + off;
    dst[i] = q <= 0 ? 0 : q >= 255 ? 255 : static_cast<uint8_t>(q);
  }
  return r;
}

// The common case, float32 dB without DN conversion, in blocks: a first pass
// the compiler vectorises (no early exits, 32-bit lanes), and the scalar loop
// above only for a block holding a non-finite sample, to report it.
NormaliseResult run_f32_db(const float* src, size_t n, uint8_t* dst, uint8_t* mask, const NormaliseParams& p) {
  const float scale = static_cast<float>(255.0 / (p.hi - p.lo));
  const float off = static_cast<float>(-p.lo * (255.0 / (p.hi - p.lo)) + 0.5);
  const float nd = p.has_nodata && !p.nan_is_nodata ? static_cast<float>(p.nodata) : 0.0f;
  const int check_nd = p.has_nodata && !p.nan_is_nodata ? 1 : 0;
  const int nan_nd = p.nan_is_nodata ? 1 : 0;
  long nodata = 0;
  constexpr size_t kBlock = 4096;
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = b + kBlock < n ? b + kBlock : n;
    int32_t count = 0, bad = 0;
    for (size_t i = b; i < e; ++i) {
      const float v = src[i];
      const int is_nan = v != v;
      const int is_nd = (check_nd & (v == nd)) | (nan_nd & is_nan);
      bad |= (is_nan | (v - v != 0.0f)) & (is_nd ^ 1);
      float q = v * scale + off;
      q = q > 0.0f ? q : 0.0f;
      q = q < 255.0f ? q : 255.0f;
      const int32_t qi = static_cast<int32_t>(q);
      dst[i] = static_cast<uint8_t>(is_nd ? 0 : qi);
      mask[i] = static_cast<uint8_t>(is_nd);
      count += is_nd;
    }
    if (bad) {
      NormaliseResult r = run<float>(src + b, e - b, dst + b, mask + b, p);
      if (r.bad >= 0) return {nodata + r.nodata, static_cast<long>(b) + r.bad};
    }
    nodata += count;
  }
  return {nodata, -1};
}

}  // namespace

NormaliseResult normalise(const void* src, SampleKind kind, size_t n, uint8_t* dst, uint8_t* mask, const NormaliseParams& p) {
  switch (kind) {
    case SampleKind::kU8:
      return run(static_cast<const uint8_t*>(src), n, dst, mask, p);
    case SampleKind::kI16:
      return run(static_cast<const int16_t*>(src), n, dst, mask, p);
    case SampleKind::kU16:
      return run(static_cast<const uint16_t*>(src), n, dst, mask, p);
    case SampleKind::kF32:
      return p.dn_to_db || p.passthrough ? run(static_cast<const float*>(src), n, dst, mask, p) : run_f32_db(static_cast<const float*>(src), n, dst, mask, p);
    case SampleKind::kF64:
      return run(static_cast<const double*>(src), n, dst, mask, p);
  }
  return {0, -1};
}

long cut_tile(const uint8_t* const* planes, int channels, const uint8_t* mask, int W, int x0, int y0, int w, int h, int TW, int TH, uint8_t* dst) {
  memset(dst, 0, static_cast<size_t>(channels) * TW * TH);
  long nodata = 0;
  for (int y = 0; y < h; ++y) {
    const size_t row = static_cast<size_t>(y0 + y) * W + x0;
    for (int c = 0; c < channels; ++c) memcpy(dst + (static_cast<size_t>(c) * TH + y) * TW, planes[c] + row, w);
    const uint8_t* m = mask + row;
    for (int x = 0; x < w; ++x) nodata += m[x];
  }
  return nodata;
}

}  // namespace sarwatch
