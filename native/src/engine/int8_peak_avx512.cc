// AVX-512 VNNI int8 peak: vpdpbusd (u8 x s8, four products summed into each
// int32 lane), 64 MACs per 512-bit instruction.
#include <immintrin.h>

#include "int8_peak.h"

namespace sarwatch {

uint64_t int8_peak_loop_avx512vnni(uint64_t iters, int32_t seed, int32_t* sink) {
  const __m512i a = _mm512_set1_epi8(static_cast<char>(1 + (seed & 3)));
  __m512i b = _mm512_set1_epi8(static_cast<char>(2 + (seed & 1)));
  const __m512i flip = _mm512_set1_epi8(1);
  constexpr int kAcc = 12;  // enough independent chains to cover the latency on two ports
  __m512i acc[kAcc];
  for (int k = 0; k < kAcc; ++k) acc[k] = _mm512_set1_epi32(seed + k);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < kAcc; ++k) acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);
    b = _mm512_xor_si512(b, flip);
  }
  __m512i s = acc[0];
  for (int k = 1; k < kAcc; ++k) s = _mm512_add_epi32(s, acc[k]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, s);
  int32_t total = 0;
  for (int32_t v : lanes) total += v;
  *sink = total;
  return iters * kAcc * 64;
}

}  // namespace sarwatch
