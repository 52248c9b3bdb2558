#include "int8_peak.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace sarwatch {

uint64_t int8_peak_loop_scalar(uint64_t iters, int32_t seed, int32_t* sink) {
  // Eight independent int32 accumulators of int8 products.
  int32_t acc[8] = {seed, seed, seed, seed, seed, seed, seed, seed};
  int8_t a = static_cast<int8_t>(seed | 1), b = static_cast<int8_t>(seed ^ 3);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < 8; ++k) acc[k] += static_cast<int32_t>(a) * static_cast<int32_t>(static_cast<int8_t>(b + k));
    a = static_cast<int8_t>(a + 1);
  }
  int32_t s = 0;
  for (int k = 0; k < 8; ++k) s += acc[k];
  *sink = s;
  return iters * 8;
}

namespace {

uint64_t run_loop(Simd s, uint64_t iters, int32_t seed, int32_t* sink) {
  switch (s) {
#if defined(SARWATCH_HAVE_X86_KERNELS)
    case Simd::kAvx2: return int8_peak_loop_avx2(iters, seed, sink);
    case Simd::kAvx512Vnni: return int8_peak_loop_avx512vnni(iters, seed, sink);
#endif
#if defined(__aarch64__)
    case Simd::kNeon: return int8_peak_loop_neon(iters, seed, sink);
#endif
    default: return int8_peak_loop_scalar(iters, seed, sink);
  }
}

}  // namespace

double int8_peak_gmacs(Simd s, int threads, double seconds) {
  if (!simd_supported(s)) return 0.0;
  if (threads < 1) threads = 1;
  using clock = std::chrono::steady_clock;
  // Calibrate the iteration count on one thread (about 20 ms), then run all threads together.
  int32_t sink = 0;
  uint64_t iters = 1 << 16;
  for (;;) {
    const auto t0 = clock::now();
    run_loop(s, iters, 7, &sink);
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt > 0.02 || iters > (1ull << 40)) {
      iters = static_cast<uint64_t>(static_cast<double>(iters) * seconds / dt) + 1;
      break;
    }
    iters *= 4;
  }
  std::vector<uint64_t> macs(threads, 0);
  std::vector<int32_t> sinks(threads, 0);
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  const auto t0 = clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      macs[t] = run_loop(s, iters, 11 + t, &sinks[t]);
    });
  }
  for (auto& th : pool) th.join();
  const double dt = std::chrono::duration<double>(clock::now() - t0).count();
  uint64_t total = 0;
  for (uint64_t m : macs) total += m;
  return static_cast<double>(total) / dt / 1e9;
}

}  // namespace sarwatch
