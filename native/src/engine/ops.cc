#include "ops.h"

#include <string.h>

#include "sarwatch/engine_config.h"
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
  // A requantised input is a function of one code: tabulate it once (the same
  // q8::requantize, so the bytes are the same) and look codes up.
  int8_t table[256];
  if (m != 0) {
    for (int q = -128; q < 128; ++q) table[q + 128] = q8::requantize(q - in.zp, m, shift, out.zp);
  }
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) {
      const int8_t* pi = px(in, y, x);
      int8_t* po = px(out, y, x) + channel_offset;
      if (m == 0) {
        memcpy(po, pi, in.c);
      } else {
        for (int c = 0; c < in.c; ++c) po[c] = table[pi[c] + 128];
      }
    }
  }
}

void maxpool_rows(const TensorRef& in, int k, int stride, int pad, const TensorRef& out, int y0, int y1) {
  // A local accumulator: input and output are both int8 pointers, so writing
  // the maximum straight into the output would let the compiler assume they
  // alias and keep the loop byte by byte.
  int8_t acc[engine::kMaxChannels];
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < out.w; ++x) {
      for (int c = 0; c < out.c; ++c) acc[c] = -128;  // padding never wins
      for (int ky = 0; ky < k; ++ky) {
        const int iy = y * stride + ky - pad;
        if (iy < 0 || iy >= in.h) continue;
        for (int kx = 0; kx < k; ++kx) {
          const int ix = x * stride + kx - pad;
          if (ix < 0 || ix >= in.w) continue;
          const int8_t* pi = px(in, iy, ix);
          for (int c = 0; c < out.c; ++c) acc[c] = pi[c] > acc[c] ? pi[c] : acc[c];
        }
      }
      memcpy(px(out, y, x), acc, out.c);
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
    // Channel by channel along the row: a strided store, but a straight loop.
    for (int c = 0; c < out.c; ++c) {
      const uint8_t* src = tile + c * plane + static_cast<size_t>(y) * out.w;
      int8_t* dst = px(out, y, 0) + c;
      const int ps = out.pixel_stride;
      for (int x = 0; x < out.w; ++x) dst[static_cast<size_t>(x) * ps] = static_cast<int8_t>(src[x] ^ 0x80u);  // pixel − 128
    }
  }
}

}  // namespace sarwatch
