// sarwatch int8 arithmetic: the one definition shared by the CPU reference
// engine (native/) and the HLS kernel (hls/). No allocation, no STL, no
// floating point: every executor must produce these exact integers.
//
// Tensors are int8 with an affine code: real = scale · (q − zp), q ∈ [−128, 127].
// Weights are int8, symmetric (zp 0), one scale per output channel.
//
// Convolution:  acc = bias' + Σ w · q_in           (int32; padding reads q = zp_in)
//   where bias' = round(b / (s_in · s_w)) − zp_in · Σ w  (the compiler folds zp_in in).
// Requantisation of an int32 value to int8 (per output channel c):
//   y = clamp(zp_out + ((acc · M0[c] + 2^(n[c]−1)) >> n[c]), −128, 127)
//   with M0 ∈ [0, 2^31), n ∈ [1, 62], ">>" an arithmetic shift (floor), so
//   the result is rounded half up (towards +∞), computed in 64 bits.
// Activation: an int8 → int8 table of 256 entries indexed by q + 128; exact
//   for any pointwise function (SiLU, HardSwish, ReLU, sigmoid) on int8 codes.
// Add:    y = clamp(zp_out + (((q_a − zp_a)·M_a + (q_b − zp_b)·M_b + 2^(n−1)) >> n))
// Concat: each input requantised like Add with one term (or copied when its
//   code equals the output's).
// Max-pool works on codes directly (padding −128); nearest upsampling copies.
#pragma once

#include <stdint.h>

namespace sarwatch {
namespace q8 {

inline int8_t saturate8(int32_t v) {
  return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
}

// (v · m + 2^(n−1)) >> n, 64-bit, floor shift: rounding half up.
inline int32_t round_shift(int64_t v, int32_t m, int n) {
  const int64_t p = v * static_cast<int64_t>(m);
  return static_cast<int32_t>((p + (static_cast<int64_t>(1) << (n - 1))) >> n);
}

inline int8_t requantize(int32_t acc, int32_t m, int n, int32_t zp_out) {
  return saturate8(zp_out + round_shift(acc, m, n));
}

inline int8_t apply_lut(const int8_t* lut, int8_t q) {
  return lut[static_cast<int>(q) + 128];
}

inline int8_t add_requantize(int8_t qa, int32_t zpa, int32_t ma, int8_t qb, int32_t zpb, int32_t mb, int n, int32_t zp_out) {
  const int64_t s = static_cast<int64_t>(qa - zpa) * ma + static_cast<int64_t>(qb - zpb) * mb;
  return saturate8(zp_out + static_cast<int32_t>((s + (static_cast<int64_t>(1) << (n - 1))) >> n));
}

}  // namespace q8
}  // namespace sarwatch
