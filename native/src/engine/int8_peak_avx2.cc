// AVX2 int8 peak: vpmaddubsw (u8 x s8 pairs to s16) widened by vpmaddwd with
// ones and summed with vpaddd, the standard AVX2 int8 GEMM sequence
// (32 MACs per three instructions per 256-bit register).
#include <immintrin.h>

#include "int8_peak.h"

namespace sarwatch {

uint64_t int8_peak_loop_avx2(uint64_t iters, int32_t seed, int32_t* sink) {
  const __m256i a = _mm256_set1_epi8(static_cast<char>(1 + (seed & 3)));
  __m256i b = _mm256_set1_epi8(static_cast<char>(2 + (seed & 1)));
  const __m256i ones = _mm256_set1_epi16(1);
  constexpr int kAcc = 8;
  __m256i acc[kAcc];
  for (int k = 0; k < kAcc; ++k) acc[k] = _mm256_set1_epi32(seed + k);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < kAcc; ++k) acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
    b = _mm256_xor_si256(b, ones);
  }
  __m256i s = acc[0];
  for (int k = 1; k < kAcc; ++k) s = _mm256_add_epi32(s, acc[k]);
  *sink = _mm256_extract_epi32(s, 0);
  return iters * kAcc * 32;
}

}  // namespace sarwatch
