#include "cpu_features.h"

namespace sarwatch {

const char* simd_name(Simd s) {
  switch (s) {
    case Simd::kScalar: return "scalar";
    case Simd::kAvx2: return "avx2";
    case Simd::kAvx512Vnni: return "avx512vnni";
    case Simd::kNeon: return "neon";
  }
  return "?";
}

bool simd_supported(Simd s) {
  switch (s) {
    case Simd::kScalar:
      return true;
#if defined(__x86_64__) && defined(SARWATCH_HAVE_X86_KERNELS)
    case Simd::kAvx2:
      return __builtin_cpu_supports("avx2");
    case Simd::kAvx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vnni") &&
             __builtin_cpu_supports("avx512vbmi");
#endif
#if defined(__aarch64__)
    case Simd::kNeon:
      return true;  // Advanced SIMD is mandatory on AArch64 (the KV260's Cortex-A53 has it)
#endif
    default:
      return false;
  }
}

Simd best_simd() {
  if (simd_supported(Simd::kAvx512Vnni)) return Simd::kAvx512Vnni;
  if (simd_supported(Simd::kAvx2)) return Simd::kAvx2;
  if (simd_supported(Simd::kNeon)) return Simd::kNeon;
  return Simd::kScalar;
}

}  // namespace sarwatch
