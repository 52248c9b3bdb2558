// NEON convolution for AArch64 (the KV260's Cortex-A53 has no dot-product
// instructions): 2 output pixels × 4 output channels per micro-tile, over
// 8-channel chunks. vmull_s8 forms exact int16 products (|p| ≤ 16384) and
// vpadalq_s16 adds them pairwise into int32 lanes, so the sums equal the
// scalar path's.
#include <arm_neon.h>

#include "conv.h"

namespace sarwatch {

void pack_neon(ConvLayer& L) {
  L.kpad = (L.cin + 7) / 8 * 8;
  L.cout_pad = (L.cout + 3) / 4 * 4;
  const int taps = L.kh * L.kw;
  L.w8.assign(static_cast<size_t>(L.cout_pad) * taps * L.kpad, 0);
  for (int c = 0; c < L.cout; ++c)
    for (int t = 0; t < taps; ++t)
      for (int ci = 0; ci < L.cin; ++ci) L.w8[(static_cast<size_t>(c) * taps + t) * L.kpad + ci] = L.w[(static_cast<size_t>(c) * taps + t) * L.cin + ci];
  L.bias_adj.assign(L.cout_pad, 0);
  for (int c = 0; c < L.cout; ++c) L.bias_adj[c] = L.bias[c];
}

void conv_rows_neon(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1) {
  const int8_t* src = static_cast<const int8_t*>(in.data);
  const int taps = L.kh * L.kw, chunks = L.kpad / 8;
  const size_t kstride = static_cast<size_t>(taps) * L.kpad;
  int tap_off[49];
  for (int ky = 0; ky < L.kh; ++ky)
    for (int kx = 0; kx < L.kw; ++kx) tap_off[ky * L.kw + kx] = (ky * in.wp + kx) * in.cstride;
  const int step = L.stride * in.cstride;
  int32_t acc[2][4];
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < L.out_w; x += 2) {
      const int8_t* p0 = src + (static_cast<size_t>(y) * L.stride * in.wp + static_cast<size_t>(x) * L.stride) * in.cstride;
      for (int cb = 0; cb < L.cout_pad; cb += 4) {
        int32x4_t a[2][4];
        for (int p = 0; p < 2; ++p)
          for (int c = 0; c < 4; ++c) a[p][c] = vdupq_n_s32(0);
        const int8_t* W = L.w8.data() + static_cast<size_t>(cb) * kstride;
        for (int t = 0; t < taps; ++t) {
          const int8_t* q0 = p0 + tap_off[t];
          const int8_t* q1 = q0 + step;
          const int8_t* wt = W + static_cast<size_t>(t) * L.kpad;
          for (int j = 0; j < chunks; ++j) {
            const int8x8_t x0 = vld1_s8(q0 + 8 * j), x1 = vld1_s8(q1 + 8 * j);
            for (int c = 0; c < 4; ++c) {
              const int8x8_t w = vld1_s8(wt + c * kstride + 8 * j);
              a[0][c] = vpadalq_s16(a[0][c], vmull_s8(x0, w));
              a[1][c] = vpadalq_s16(a[1][c], vmull_s8(x1, w));
            }
          }
        }
        const int nc = L.cout - cb < 4 ? L.cout - cb : 4;
        for (int p = 0; p < 2 && x + p < L.out_w; ++p) {
          for (int c = 0; c < 4; ++c) acc[p][c] = vaddvq_s32(a[p][c]) + L.bias_adj[cb + c];
          store_pixel(L, acc[p], cb, nc, out.base + (static_cast<size_t>(y) * L.out_w + x + p) * out.pixel_stride);
        }
      }
    }
  }
}

}  // namespace sarwatch
