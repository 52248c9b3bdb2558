#include "ops.h"

#include <string.h>

#include "sarwatch/quant.h"

namespace sarwatch {

static inline int8_t* px(const TensorRef& t, int y, int x) { return t.base + (static_cast<size_t>(y) * t.w + x) * t.pixel_stride; }

void add_rows(const TensorRef& a, int32_t ma, const TensorRef& b, int32_t mb, int shift, const TensorRef& out, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) {
      const int8_t* pa = px(a, y, x);
      const int8_t* pb = px(b, y, x);
      int8_t* po = px(out, y, x);
      for (int c = 0; c < out.c; ++c) po[c] = q8::add_requantize(pa[c], a.zp, ma, pb[c], b.zp, mb, shift, out.zp);
    }
  }
}

void concat_rows(const TensorRef& in, int32_t m, int shift, const TensorRef& out, int channel_offset, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) {
      const int8_t* pi = px(in, y, x);
      int8_t* po = px(out, y, x) + channel_offset;
      if (m == 0) {
        memcpy(po, pi, in.c);
      } else {
        for (int c = 0; c < in.c; ++c) po[c] = q8::requantize(pi[c] - in.zp, m, shift, out.zp);
      }
    }
  }
}

void maxpool_rows(const TensorRef& in, int k, int stride, int pad, const TensorRef& out, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) {
      int8_t* po = px(out, y, x);
      for (int c = 0; c < out.c; ++c) po[c] = -128;  // padding never wins
      for (int ky = 0; ky < k; ++ky) {
        const int iy = y * stride + ky - pad;
        if (iy < 0 || iy >= in.h) continue;
        for (int kx = 0; kx < k; ++kx) {
          const int ix = x * stride + kx - pad;
          if (ix < 0 || ix >= in.w) continue;
          const int8_t* pi = px(in, iy, ix);
          for (int c = 0; c < out.c; ++c) po[c] = pi[c] > po[c] ? pi[c] : po[c];
        }
      }
    }
  }
}

void upsample_rows(const TensorRef& in, int factor, const TensorRef& out, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) memcpy(px(out, y, x), px(in, y / factor, x / factor), out.c);
  }
}

void lut_rows(const TensorRef& in, const int8_t* lut, const TensorRef& out, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) {
      const int8_t* pi = px(in, y, x);
      int8_t* po = px(out, y, x);
      for (int c = 0; c < out.c; ++c) po[c] = q8::apply_lut(lut, pi[c]);
    }
  }
}

void input_rows(const uint8_t* tile, const TensorRef& out, int y0, int y1) {
  const size_t plane = static_cast<size_t>(out.h) * out.w;
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) {
      int8_t* po = px(out, y, x);
      for (int c = 0; c < out.c; ++c) po[c] = static_cast<int8_t>(static_cast<int>(tile[c * plane + static_cast<size_t>(y) * out.w + x]) - 128);
    }
  }
}

}  // namespace sarwatch
