// Scene samples → 8-bit model input (the hot loop of src/tiling/normalise.ts,
// which documents the mapping): clip to [lo, hi], scale to 0–255, round half
// up; NODATA → 0 and counted in the mask; a non-finite sample that is not
// NODATA stops the row and is reported by index.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sarwatch {

enum class SampleKind : int { kU8 = 0, kI16 = 1, kU16 = 2, kF32 = 3, kF64 = 4 };

struct NormaliseParams {
  double lo, hi;
  double nodata;
  bool has_nodata, nan_is_nodata, passthrough, dn_to_db;
  double dn_calibration_db;
};

struct NormaliseResult {
  long nodata;
  long bad;  // index of the first non-finite sample, or −1
};

NormaliseResult normalise(const void* src, SampleKind kind, size_t n, uint8_t* dst, uint8_t* mask, const NormaliseParams& p);

// Copies a w × h window at (x0, y0) of `planes` (row stride W) into a planar
// tile of TW × TH (zero padded), and returns the NODATA pixels of the window.
long cut_tile(const uint8_t* const* planes, int channels, const uint8_t* mask, int W, int x0, int y0, int w, int h, int TW, int TH, uint8_t* dst);

}  // namespace sarwatch
