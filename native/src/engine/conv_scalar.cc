// The scalar convolution: the plain reading of the spec, used for grouped
// layers on every path and for everything on the scalar path; and the
// depthwise convolution, which every path shares.
#include "conv.h"

#include "sarwatch/engine_config.h"

namespace sarwatch {

PathLayout path_layout(Simd s) {
  switch (s) {
    case Simd::kAvx2: return {2, 2, 0};
    case Simd::kAvx512Vnni: return {1, 4, 128};
    case Simd::kNeon: return {1, 8, 0};
    default: return {1, 1, 0};
  }
}

void conv_rows_scalar(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1) {
  const int8_t* src = static_cast<const int8_t*>(in.data);
  const int cin_g = L.cin / L.groups, cout_g = L.cout / L.groups;
  const int row = in.wp * in.cstride;
  int32_t acc[1];
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < L.out_w; ++x) {
      int8_t* o = out.base + (static_cast<size_t>(y) * L.out_w + x) * out.pixel_stride;
      for (int co = 0; co < L.cout; ++co) {
        const int g = co / cout_g;
        int32_t a = L.bias[co];
        for (int ky = 0; ky < L.kh; ++ky) {
          const int8_t* ip = src + (y * L.stride + ky) * row + (x * L.stride) * in.cstride + g * cin_g;
          const int8_t* wp = L.w + (static_cast<size_t>(co) * L.kh + ky) * L.kw * cin_g;
          for (int kx = 0; kx < L.kw; ++kx, ip += in.cstride, wp += cin_g) {
            for (int ci = 0; ci < cin_g; ++ci) a += static_cast<int32_t>(wp[ci]) * ip[ci];
          }
        }
        acc[0] = a;
        store_pixel(L, acc, co, 1, o);
      }
    }
  }
}

void pack_depthwise(ConvLayer& L) {
  const int taps = L.kh * L.kw;
  L.wdw.resize(static_cast<size_t>(taps) * L.cout);
  for (int c = 0; c < L.cout; ++c)
    for (int t = 0; t < taps; ++t) L.wdw[static_cast<size_t>(t) * L.cout + c] = L.w[static_cast<size_t>(c) * taps + t];
}

// The same integer sums as conv_rows_scalar with one input channel per group,
// in another order: per tap, a contiguous run of channels that the compiler
// vectorises (the scalar path's inner loop has length 1 here). Integer
// addition is exact, so the results are bit-identical.
void conv_rows_depthwise(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1) {
  const int8_t* src = static_cast<const int8_t*>(in.data);
  const int C = L.cout;
  const size_t row = static_cast<size_t>(in.wp) * in.cstride;
  int32_t acc[engine::kMaxChannels];
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < L.out_w; ++x) {
      for (int c = 0; c < C; ++c) acc[c] = L.bias[c];
      const int8_t* wt = L.wdw.data();
      for (int ky = 0; ky < L.kh; ++ky) {
        const int8_t* ip = src + (static_cast<size_t>(y) * L.stride + ky) * row + static_cast<size_t>(x) * L.stride * in.cstride;
        for (int kx = 0; kx < L.kw; ++kx, ip += in.cstride, wt += C) {
          for (int c = 0; c < C; ++c) acc[c] += static_cast<int32_t>(wt[c]) * ip[c];
        }
      }
      store_pixel(L, acc, 0, C, out.base + (static_cast<size_t>(y) * L.out_w + x) * out.pixel_stride);
    }
  }
}

}  // namespace sarwatch
