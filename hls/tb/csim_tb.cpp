// C-simulation test bench of the sarwatch accelerator.
//
//   csim_tb program.swp tile.u8 [tile.u8 ...]
//
// For each planar u8 tile it runs the HLS kernel (sarwatch_engine, as C++)
// and the CPU reference engine (native/src/engine) and compares every byte of
// the raw head outputs. It first checks that every layer of the program fits
// the kernel's fixed buffers (native/include/sarwatch/engine_config.h).
// Prints "mismatching bytes: N" and exits non-zero if N > 0 or anything fails.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chrono>
#include <string>
#include <vector>

#include "../../native/src/engine/executor.h"
#include "sarwatch/kernel_abi.h"
#include "sarwatch_engine.h"

using namespace sarwatch;
namespace P = sarwatch::prog;

static std::vector<uint8_t> read_file(const char* path) {
  std::vector<uint8_t> b;
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  uint8_t buf[1 << 16];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) b.insert(b.end(), buf, buf + n);
  fclose(f);
  return b;
}

// The kernel's fixed limits against this program: what the board build needs.
static bool check_fits(const P::View& v) {
  bool ok = true;
  int worst_row = 0, worst_w = 0, worst_ksteps = 0;
  auto fail = [&](uint32_t l, const char* what, int have, int limit) {
    fprintf(stderr, "layer %u: %s %d exceeds the kernel limit %d\n", l, what, have, limit);
    ok = false;
  };
  for (uint32_t l = 0; l < v.num_layers(); ++l) {
    const uint32_t op = v.layer(l, P::kLOp), out = v.layer(l, P::kLOut);
    const int ow = int(v.tensor(out, P::kTWidth)), oc = int(v.tensor(out, P::kTChannels));
    if (v.tensor(out, P::kTParent) != out || int(v.tensor(out, P::kTPixelStride)) != oc) fail(l, "output view (channel offset)", 1, 0);
    worst_row = ow * oc > worst_row ? ow * oc : worst_row;
    worst_w = ow > worst_w ? ow : worst_w;
    if (ow * oc > engine::kMaxRowBytes) fail(l, "output row bytes", ow * oc, engine::kMaxRowBytes);
    if (ow > engine::kMaxOutWidth) fail(l, "output width", ow, engine::kMaxOutWidth);
    for (uint32_t i = 0; i < v.layer(l, P::kLNumIn); ++i) {
      const uint32_t t = v.layer(l, P::kLIn0 + int(i));
      const int row = int(v.tensor(t, P::kTWidth) * v.tensor(t, P::kTPixelStride));
      worst_row = row > worst_row ? row : worst_row;
      if (row > engine::kMaxRowBytes) fail(l, "input row bytes", row, engine::kMaxRowBytes);
    }
    if (op == P::kOpConv) {
      const uint32_t k = v.layer(l, P::kLKernel);
      const int kh = P::kernel_h(k), groups = int(v.layer(l, P::kLGroups));
      const int cin_g = int(v.tensor(v.layer(l, P::kLIn0), P::kTChannels)) / groups;
      const int ksteps = kh * P::kernel_w(k) * ((cin_g + engine::kPeIc - 1) / engine::kPeIc);
      worst_ksteps = ksteps > worst_ksteps ? ksteps : worst_ksteps;
      if (kh > engine::kMaxConvKernel || P::kernel_w(k) > engine::kMaxConvKernel) fail(l, "convolution kernel", kh, engine::kMaxConvKernel);
      if (engine::kPeOc * engine::kPeIc * ksteps > engine::kWeightBufBytes) fail(l, "weight block bytes", engine::kPeOc * engine::kPeIc * ksteps, engine::kWeightBufBytes);
    }
    if (op == P::kOpConcat) {
      // The kernel stages the row of every distinct input buffer side by side in one line-buffer slot.
      int stage = 0;
      for (uint32_t i = 0; i < v.layer(l, P::kLNumIn); ++i) {
        const uint32_t t = v.layer(l, P::kLIn0 + int(i));
        if (i > 0 && v.tensor(t, P::kTParent) == v.tensor(v.layer(l, P::kLIn0 + int(i) - 1), P::kTParent)) continue;
        stage += int(v.tensor(t, P::kTWidth) * v.tensor(t, P::kTPixelStride));
      }
      if (stage > engine::kMaxRowBytes) fail(l, "concat staging bytes", stage, engine::kMaxRowBytes);
    }
    if (op == P::kOpMaxPool && P::kernel_h(v.layer(l, P::kLKernel)) > engine::kLineRows) fail(l, "max-pool window", P::kernel_h(v.layer(l, P::kLKernel)), engine::kLineRows);
  }
  const uint32_t in = v.header(P::kHInputTensor);
  const int planes = int(v.tensor(in, P::kTChannels) * v.tensor(in, P::kTWidth));
  if (planes > engine::kMaxRowBytes) fail(0, "input plane rows bytes", planes, engine::kMaxRowBytes);
  printf("fits the kernel: widest row %d/%d bytes, widest output %d/%d px, most k-steps %d\n", worst_row, engine::kMaxRowBytes, worst_w,
         engine::kMaxOutWidth, worst_ksteps);
  return ok;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s program.swp tile.u8 [tile.u8 ...]\n", argv[0]);
    return 2;
  }
  const std::vector<uint8_t> blob = read_file(argv[1]);
  char err[256];
  P::View view;
  if (P::validate(blob.data(), blob.size(), &view, err, sizeof err) != P::kOk) {
    fprintf(stderr, "%s: %s\n", argv[1], err);
    return 2;
  }
  if (!check_fits(view)) return 1;

  Executor cpu;
  std::string e;
  if (cpu.load(blob.data(), blob.size(), best_simd(), 2, &e) != P::kOk) {
    fprintf(stderr, "cpu engine: %s\n", e.c_str());
    return 2;
  }

  // The kernel's memories, as the XRT driver lays them out in DDR.
  std::vector<word_t> program((blob.size() + 3) / 4);
  for (size_t i = 0; i < program.size(); ++i) {
    uint32_t w = 0;
    memcpy(&w, blob.data() + 4 * i, blob.size() - 4 * i < 4 ? blob.size() - 4 * i : 4);
    program[i] = w;
  }
  std::vector<wbeat_t> weights((blob.size() + 63) / 64);
  for (size_t i = 0; i < weights.size(); ++i)
    for (int k = 0; k < 8; ++k) {
      uint64_t q = 0;
      const size_t at = 64 * i + 8 * size_t(k);
      if (at < blob.size()) memcpy(&q, blob.data() + at, blob.size() - at < 8 ? blob.size() - at : 8);
      weights[i].range(64 * k + 63, 64 * k) = q;
    }
  std::vector<beat_t> fmap(view.header(P::kHArenaBytes) / 16 + 1);
  std::vector<unsigned> out_sizes;
  for (uint32_t o = 0; o < view.num_outputs(); ++o) {
    const OutputInfo i = cpu.output_info(int(o));
    out_sizes.push_back(unsigned(i.h * i.w * i.c));
  }
  const unsigned heads_bytes = kernel_abi::heads_offset(out_sizes.data(), int(out_sizes.size()));
  std::vector<beat_t> heads(heads_bytes / 16 + 1);

  long total_mismatch = 0;
  for (int ti = 2; ti < argc; ++ti) {
    const std::vector<uint8_t> tile = read_file(argv[ti]);
    if (tile.size() != cpu.tile_bytes()) {
      fprintf(stderr, "%s: %zu bytes, the program's input is %zu\n", argv[ti], tile.size(), cpu.tile_bytes());
      return 2;
    }
    std::vector<beat_t> tile_beats((tile.size() + 15) / 16);
    for (size_t i = 0; i < tile_beats.size(); ++i)
      for (int k = 0; k < 2; ++k) {
        uint64_t q = 0;
        const size_t at = 16 * i + 8 * size_t(k);
        if (at < tile.size()) memcpy(&q, tile.data() + at, tile.size() - at < 8 ? tile.size() - at : 8);
        tile_beats[i].range(64 * k + 63, 64 * k) = q;
      }
    const auto t0 = std::chrono::steady_clock::now();
    sarwatch_engine(program.data(), weights.data(), tile_beats.data(), fmap.data(), heads.data());
    const double kernel_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu.run(tile.data());
    long mismatch = 0, bytes = 0;
    for (uint32_t o = 0; o < view.num_outputs(); ++o) {
      std::vector<int8_t> ref(out_sizes[o]);
      cpu.copy_output(int(o), ref.data());
      const unsigned off = kernel_abi::heads_offset(out_sizes.data(), int(o));
      for (unsigned b = 0; b < out_sizes[o]; ++b) {
        const unsigned at = off + b;
        const int8_t got = int8_t(uint8_t(uint64_t(heads[at / 16].range(8 * (at % 16) + 7, 8 * (at % 16)))));
        mismatch += got != ref[b];
      }
      bytes += out_sizes[o];
    }
    printf("%s: %ld of %ld output bytes differ from the CPU engine (kernel C-sim %.1f s)\n", argv[ti], mismatch, bytes, kernel_s);
    total_mismatch += mismatch;
  }
  printf("mismatching bytes: %ld\n", total_mismatch);
  return total_mismatch ? 1 : 0;
}
