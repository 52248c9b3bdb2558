// The contract between the XRT driver (native/src/xrt) and the HLS kernel
// (hls/src/sarwatch_engine.cpp): kernel name, argument order, and where each
// raw head output lands in the heads buffer.
#pragma once

namespace sarwatch {
namespace kernel_abi {

constexpr const char* kKernelName = "sarwatch_engine";

// Argument indices of sarwatch_engine(program, weights, tile, fmap, heads).
enum Arg : int { kArgProgram = 0, kArgWeights = 1, kArgTile = 2, kArgFmap = 3, kArgHeads = 4 };

// Output o starts at the sum of the previous outputs' sizes, each rounded up to 16 bytes.
inline unsigned heads_offset(const unsigned* sizes, int o) {
  unsigned off = 0;
  for (int i = 0; i < o; ++i) off += (sizes[i] + 15) / 16 * 16;
  return off;
}

}  // namespace kernel_abi
}  // namespace sarwatch
