// Convolution layers as the executor prepares them, and the per-SIMD-path
// kernels. Every path reads a zero-point-padded copy of its input and writes
// requantised int8 codes through the same store routine, so paths differ only
// in how they sum the same integer products.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "cpu_features.h"
#include "sarwatch/program.h"
#include "sarwatch/quant.h"

namespace sarwatch {

struct ConvLayer {
  int cin, cout, kh, kw, stride, pad, groups;
  int in_h, in_w, out_h, out_w;
  int32_t in_zp, out_zp, pre_zp;
  const int8_t* w = nullptr;  // program weights, [cout][kh][kw][cin/groups]
  const int8_t* lut = nullptr;  // fused activation table, or null
  std::vector<int32_t> bias, mult, shift;
  // Packed weights of the SIMD path chosen at load (empty for scalar).
  int kpad = 0;        // input channels padded to the path's group (2, 4 or 8)
  int cout_pad = 0;    // output channels padded to the path's block
  std::vector<int8_t> w8;    // avx512vnni / neon packing
  std::vector<int16_t> w16;  // avx2 packing
  std::vector<int32_t> bias_adj;  // bias with the path's input offset folded in
  std::vector<int32_t> mult_pad, shift_pad;  // padded to cout_pad for whole-vector loads
  std::vector<int8_t> wdw;  // depthwise layers: weights as [kh][kw][channel], tap-major
};

// One input and one output channel per group: conv_rows_depthwise on every path.
inline bool is_depthwise(const ConvLayer& L) { return prog::is_depthwise(L.groups, L.cin, L.cout); }

// Pads the requantisation tables to cout_pad (multiplier 0, shift 1 in the
// padding: those lanes compute zp and are never stored).
inline void pad_requant(ConvLayer& L) {
  L.mult_pad.assign(L.cout_pad, 0);
  L.shift_pad.assign(L.cout_pad, 1);
  for (int c = 0; c < L.cout; ++c) L.mult_pad[c] = L.mult[c], L.shift_pad[c] = L.shift[c];
}

// A zero-point-padded copy of a layer's input: [hp][wp][cstride] elements of
// `elem` bytes. Border pixels hold the input zero point (in the path's
// encoding), padding channels 0.
struct Padded {
  void* data = nullptr;
  int hp = 0, wp = 0, cstride = 0, elem = 1;
};

struct OutView {
  int8_t* base;
  int pixel_stride;
};

inline void store_pixel(const ConvLayer& L, const int32_t* acc, int c0, int n, int8_t* out) {
  for (int i = 0; i < n; ++i) {
    const int c = c0 + i;
    if (L.lut) {
      out[c] = q8::apply_lut(L.lut, q8::requantize(acc[i], L.mult[c], L.shift[c], L.pre_zp));
    } else {
      out[c] = q8::requantize(acc[i], L.mult[c], L.shift[c], L.out_zp);
    }
  }
}

// Scalar path (any groups). Input: int8 codes, cstride = cin.
void conv_rows_scalar(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1);
// Depthwise layers on every path: all channels of a tap at once. Input as for the scalar path.
void pack_depthwise(ConvLayer& L);
void conv_rows_depthwise(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1);

#if defined(SARWATCH_HAVE_X86_KERNELS)
// AVX2: int16 pairs (vpmaddwd), exact. Input: int16 codes, cstride = kpad (even).
void pack_avx2(ConvLayer& L);
void conv_rows_avx2(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1);
// AVX-512 VNNI: unsigned codes + 128 times signed weights (vpdpbusd), exact. Input: uint8, cstride = kpad (multiple of 4).
void pack_avx512vnni(ConvLayer& L);
void conv_rows_avx512vnni(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1);
#endif
#if defined(__aarch64__)
// NEON: vmull_s8 + vpadalq_s16, exact. Input: int8 codes, cstride = kpad (multiple of 8).
void pack_neon(ConvLayer& L);
void conv_rows_neon(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1);
#endif

// The input encoding and channel padding each path reads.
struct PathLayout {
  int elem;       // bytes per padded element
  int chan_group; // channels padded to a multiple of this
  int offset;     // added to codes (128 for unsigned VNNI inputs)
};
PathLayout path_layout(Simd s);

}  // namespace sarwatch
