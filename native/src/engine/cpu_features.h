// Which SIMD paths this CPU can run. Every path computes the same integers.
#pragma once

namespace sarwatch {

enum class Simd { kScalar = 0, kAvx2 = 1, kAvx512Vnni = 2, kNeon = 3 };

const char* simd_name(Simd s);
bool simd_supported(Simd s);
// The fastest supported path.
Simd best_simd();

}  // namespace sarwatch
