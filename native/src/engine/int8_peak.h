// This CPU's int8 multiply-accumulate peak, measured rather than looked up:
// each SIMD path's best int8 instruction sequence in a loop of independent
// accumulators (no loads, no dependencies), on `threads` threads at once.
// `sarwatch bench engine` reports the engine's GMAC/s as a share of it.
#pragma once

#include <stdint.h>

#include "cpu_features.h"

namespace sarwatch {

// MACs performed by `iters` iterations of each path's peak loop; `seed` keeps
// the compiler from folding the loop away.
uint64_t int8_peak_loop_scalar(uint64_t iters, int32_t seed, int32_t* sink);
#if defined(SARWATCH_HAVE_X86_KERNELS)
uint64_t int8_peak_loop_avx2(uint64_t iters, int32_t seed, int32_t* sink);
uint64_t int8_peak_loop_avx512vnni(uint64_t iters, int32_t seed, int32_t* sink);
#endif
#if defined(__aarch64__)
uint64_t int8_peak_loop_neon(uint64_t iters, int32_t seed, int32_t* sink);
#endif

// Aggregate int8 GMAC/s of `threads` threads running path `s` for about `seconds`.
double int8_peak_gmacs(Simd s, int threads, double seconds);

}  // namespace sarwatch
