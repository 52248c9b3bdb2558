// NEON int8 peak: sdot where the core has the dot-product extension
// (16 MACs per instruction), otherwise vmull_s8 + vpadalq_s16 as on the
// Cortex-A53 (8 MACs per two instructions).
#include <arm_neon.h>

#include "int8_peak.h"

namespace sarwatch {

uint64_t int8_peak_loop_neon(uint64_t iters, int32_t seed, int32_t* sink) {
  constexpr int kAcc = 8;
  int32x4_t acc[kAcc];
  for (int k = 0; k < kAcc; ++k) acc[k] = vdupq_n_s32(seed + k);
#if defined(__ARM_FEATURE_DOTPROD)
  const int8x16_t a = vdupq_n_s8(static_cast<int8_t>(1 + (seed & 3)));
  int8x16_t b = vdupq_n_s8(static_cast<int8_t>(2 + (seed & 1)));
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < kAcc; ++k) acc[k] = vdotq_s32(acc[k], a, b);
    b = veorq_s8(b, vdupq_n_s8(1));
  }
  constexpr uint64_t kMacs = 16;
#else
  const int8x8_t a = vdup_n_s8(static_cast<int8_t>(1 + (seed & 3)));
  int8x8_t b = vdup_n_s8(static_cast<int8_t>(2 + (seed & 1)));
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < kAcc; ++k) acc[k] = vpadalq_s16(acc[k], vmull_s8(a, b));
    b = veor_s8(b, vdup_n_s8(1));
  }
  constexpr uint64_t kMacs = 8;
#endif
  int32x4_t s = acc[0];
  for (int k = 1; k < kAcc; ++k) s = vaddq_s32(s, acc[k]);
  *sink = vaddvq_s32(s);
  return iters * kAcc * kMacs;
}

}  // namespace sarwatch
