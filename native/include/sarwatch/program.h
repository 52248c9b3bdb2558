// sarwatch program format v1: the compiled int8 model that drives both the
// CPU reference engine and the HLS kernel. Written by src/model/compiler
// (program-writer.ts mirrors these constants; a test checks they agree).
//
// All fields are little-endian 32-bit words, so the kernel can fetch records
// with word reads. Byte offsets are from the start of the blob.
//
//   header       16 words
//   tensors      kTensorWords words each
//   layers       kLayerWords words each
//   outputs      kOutputWords words each
//   data         weights (int8), biases (int32), multipliers (int32),
//                shifts (int32), activation tables (int8[256]); 16-byte aligned
//   metadata     UTF-8 JSON (class names, input spec, strides, provenance)
//
// crc32 (IEEE 802.3) covers every byte after the first 16.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine_config.h"

namespace sarwatch {
namespace prog {

constexpr uint32_t kMagic = 0x47505753u;  // "SWPG"
constexpr uint32_t kVersion = 1;
constexpr uint32_t kNone = 0xFFFFFFFFu;

// Header words.
enum Header : int {
  kHMagic = 0, kHVersion, kHTotalBytes, kHCrc32, kHNumTensors, kHNumLayers, kHNumOutputs,
  kHTensorTable, kHLayerTable, kHOutputTable, kHDataOffset, kHDataBytes, kHArenaBytes,
  kHMetaOffset, kHMetaBytes, kHInputTensor, kHeaderWords
};

// Tensor record: a view of C channels of an H × W, pixel-major (HWC) buffer
// whose pixels hold `pixel_stride` channels; this view starts at
// `channel_offset`. Channel splits are views that share their parent's
// buffer; `parent` is the tensor that owns the buffer (itself for owners).
enum Tensor : int {
  kTChannels = 0, kTHeight, kTWidth, kTArenaOffset, kTPixelStride, kTChannelOffset, kTZeroPoint, kTScaleBits,
  kTParent, kTensorWords = 12
};

enum Op : uint32_t { kOpConv = 1, kOpAdd = 2, kOpConcat = 3, kOpMaxPool = 4, kOpUpsample = 5, kOpLut = 6 };

// Layer record.
//   conv:     in[0]; kernel = kh | kw << 8 | stride << 16 | pad << 24; groups;
//             weights int8 [cout][kh][kw][cin/groups]; bias int32 [cout] (zp_in folded in);
//             mult/shift int32 [cout]; with a table, codes are first requantised
//             to the pre-activation code (pre_zp), then looked up.
//   add:      in[0], in[1]; mult/shift int32 [2] (one shift: shift[0]).
//   concat:   in[0..n); mult/shift int32 [n]; mult 0 = copy (same code).
//   maxpool:  in[0]; kernel = k | k << 8 | stride << 16 | pad << 24.
//   upsample: in[0]; kernel = factor.
//   lut:      in[0]; table.
enum Layer : int {
  kLOp = 0, kLOut, kLNumIn, kLIn0, kLIn1, kLIn2, kLIn3, kLKernel, kLGroups,
  kLWeights, kLBias, kLMult, kLShift, kLLut, kLPreZp, kLFlags, kLayerWords = 24
};

// Output record: one raw head tensor for host decode.
enum Output : int { kOTensor = 0, kOKind, kOLevel, kOStride, kOCount, kOutputWords = 8 };
enum OutputKind : uint32_t { kBoxDfl = 0, kClassLogits = 1 };

inline uint32_t rd32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);  // the blob is little-endian, as are x86-64, aarch64 and the ZynqMP
  return v;
}

inline uint32_t crc32(const uint8_t* data, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= data[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

inline int kernel_h(uint32_t k) { return static_cast<int>(k & 0xFF); }
inline int kernel_w(uint32_t k) { return static_cast<int>((k >> 8) & 0xFF); }
inline int kernel_stride(uint32_t k) { return static_cast<int>((k >> 16) & 0xFF); }
inline int kernel_pad(uint32_t k) { return static_cast<int>((k >> 24) & 0xFF); }
// A depthwise convolution: one input and one output channel per group. The CPU
// engine and the HLS kernel both give these layers their own schedule.
inline bool is_depthwise(int groups, int cin, int cout) { return groups > 1 && cin == groups && cout == groups; }

// A read-only view of a validated program (no copies, no allocation).
struct View {
  const uint8_t* base = nullptr;
  size_t size = 0;

  uint32_t header(int w) const { return rd32(base + 4 * w); }
  uint32_t tensor(uint32_t t, int w) const { return rd32(base + header(kHTensorTable) + 4 * (t * kTensorWords + w)); }
  uint32_t layer(uint32_t l, int w) const { return rd32(base + header(kHLayerTable) + 4 * (l * kLayerWords + w)); }
  uint32_t output(uint32_t o, int w) const { return rd32(base + header(kHOutputTable) + 4 * (o * kOutputWords + w)); }
  const uint8_t* data(uint32_t off) const { return base + header(kHDataOffset) + off; }
  int32_t zero_point(uint32_t t) const { return static_cast<int32_t>(tensor(t, kTZeroPoint)); }
  float scale(uint32_t t) const {
    const uint32_t b = tensor(t, kTScaleBits);
    float f;
    memcpy(&f, &b, 4);
    return f;
  }
  uint32_t num_tensors() const { return header(kHNumTensors); }
  uint32_t num_layers() const { return header(kHNumLayers); }
  uint32_t num_outputs() const { return header(kHNumOutputs); }
};

// Checks everything the executors rely on, so that a corrupt, truncated or
// hostile program is refused with a message instead of read out of bounds.
// Writes the reason into err (NUL-terminated) and returns the kind of fault.
enum Fault : int { kOk = 0, kInvalid = 1, kCorrupt = 2, kWrongVersion = 3 };
Fault validate(const uint8_t* data, size_t size, View* out, char* err, size_t err_len);

}  // namespace prog
}  // namespace sarwatch
