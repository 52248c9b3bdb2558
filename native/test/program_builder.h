// Test helper: builds valid program blobs (program.h) layer by layer, with a
// simple non-overlapping arena, so tests can drive the real executor.
#pragma once

#include <stdint.h>
#include <string.h>

#include <array>
#include <vector>

#include "sarwatch/program.h"

namespace sarwatch {
namespace testing {

using namespace prog;

struct ProgramBuilder {
  struct T {
    uint32_t c, h, w, parent, choff;
    int32_t zp;
    float scale;
  };
  std::vector<T> tensors;
  std::vector<std::array<uint32_t, kLayerWords>> layers;
  std::vector<std::array<uint32_t, kOutputWords>> outputs;
  std::vector<uint8_t> data;

  uint32_t tensor(uint32_t c, uint32_t h, uint32_t w, int32_t zp, float scale = 0.05f) {
    tensors.push_back({c, h, w, static_cast<uint32_t>(tensors.size()), 0, zp, scale});
    return static_cast<uint32_t>(tensors.size() - 1);
  }
  uint32_t view(uint32_t parent, uint32_t choff, uint32_t c) {
    const T& p = tensors[parent];
    tensors.push_back({c, p.h, p.w, parent, choff, p.zp, p.scale});
    return static_cast<uint32_t>(tensors.size() - 1);
  }
  uint32_t put(const void* p, size_t n) {
    while (data.size() % 16) data.push_back(0);
    const uint32_t off = static_cast<uint32_t>(data.size());
    data.insert(data.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
    return off;
  }
  std::array<uint32_t, kLayerWords>& layer(uint32_t op, std::vector<uint32_t> ins, uint32_t out) {
    std::array<uint32_t, kLayerWords> l{};
    l[kLOp] = op;
    l[kLOut] = out;
    l[kLNumIn] = static_cast<uint32_t>(ins.size());
    for (size_t i = 0; i < ins.size(); ++i) l[kLIn0 + i] = ins[i];
    l[kLWeights] = l[kLBias] = l[kLMult] = l[kLShift] = l[kLLut] = kNone;
    layers.push_back(l);
    return layers.back();
  }
  void conv(uint32_t in, uint32_t out, const std::vector<int8_t>& w, const std::vector<int32_t>& bias, const std::vector<int32_t>& mult,
            const std::vector<int32_t>& shift, int kh, int kw, int stride, int pad, int groups, const std::vector<int8_t>* lut = nullptr, int32_t pre_zp = 0) {
    auto& l = layer(kOpConv, {in}, out);
    l[kLKernel] = uint32_t(kh) | uint32_t(kw) << 8 | uint32_t(stride) << 16 | uint32_t(pad) << 24;
    l[kLGroups] = uint32_t(groups);
    l[kLWeights] = put(w.data(), w.size());
    l[kLBias] = put(bias.data(), 4 * bias.size());
    l[kLMult] = put(mult.data(), 4 * mult.size());
    l[kLShift] = put(shift.data(), 4 * shift.size());
    if (lut) l[kLLut] = put(lut->data(), 256);
    l[kLPreZp] = static_cast<uint32_t>(pre_zp);
  }
  void requant_layer(uint32_t op, std::vector<uint32_t> ins, uint32_t out, const std::vector<int32_t>& mult, const std::vector<int32_t>& shift) {
    auto& l = layer(op, ins, out);
    l[kLMult] = put(mult.data(), 4 * mult.size());
    l[kLShift] = put(shift.data(), 4 * shift.size());
  }
  void maxpool(uint32_t in, uint32_t out, int k, int stride, int pad) {
    layer(kOpMaxPool, {in}, out)[kLKernel] = uint32_t(k) | uint32_t(k) << 8 | uint32_t(stride) << 16 | uint32_t(pad) << 24;
  }
  void upsample(uint32_t in, uint32_t out, int f) { layer(kOpUpsample, {in}, out)[kLKernel] = uint32_t(f); }
  void lut(uint32_t in, uint32_t out, const std::vector<int8_t>& table) { layer(kOpLut, {in}, out)[kLLut] = put(table.data(), 256); }
  void output(uint32_t t, uint32_t kind, uint32_t level, uint32_t stride) {
    std::array<uint32_t, kOutputWords> o{};
    o[kOTensor] = t;
    o[kOKind] = kind;
    o[kOLevel] = level;
    o[kOStride] = stride;
    o[kOCount] = tensors[t].c;
    outputs.push_back(o);
  }

  std::vector<uint8_t> build(uint32_t input) const {
    // Arena: every buffer owner gets its own bytes (no reuse; the compiler's planner is tested elsewhere).
    std::vector<uint32_t> offset(tensors.size(), 0);
    uint32_t arena = 0;
    for (size_t t = 0; t < tensors.size(); ++t) {
      if (tensors[t].parent != t) continue;
      offset[t] = arena;
      arena += (tensors[t].c * tensors[t].h * tensors[t].w + 63) / 64 * 64;
    }
    const uint32_t ht = 4 * kHeaderWords;
    const uint32_t tt = ht, lt = tt + 4 * kTensorWords * uint32_t(tensors.size()), ot = lt + 4 * kLayerWords * uint32_t(layers.size());
    const uint32_t dt = (ot + 4 * kOutputWords * uint32_t(outputs.size()) + 15) / 16 * 16;
    const uint32_t mt = dt + uint32_t(data.size());
    const char meta[] = "{\"format\":\"test\"}";
    std::vector<uint8_t> b(mt + sizeof meta - 1, 0);
    auto w32 = [&](uint32_t at, uint32_t v) { memcpy(&b[at], &v, 4); };
    const uint32_t hdr[kHeaderWords] = {kMagic, kVersion, uint32_t(b.size()), 0, uint32_t(tensors.size()), uint32_t(layers.size()), uint32_t(outputs.size()),
                                        tt, lt, ot, dt, uint32_t(data.size()), arena, mt, uint32_t(sizeof meta - 1), input};
    for (int i = 0; i < kHeaderWords; ++i) w32(4 * i, hdr[i]);
    for (size_t t = 0; t < tensors.size(); ++t) {
      const T& x = tensors[t];
      const T& p = tensors[x.parent];
      uint32_t sb;
      memcpy(&sb, &x.scale, 4);
      const uint32_t rec[kTensorWords] = {x.c, x.h, x.w, offset[x.parent], p.c, x.choff, static_cast<uint32_t>(x.zp), sb, x.parent, 0, 0, 0};
      for (int i = 0; i < kTensorWords; ++i) w32(tt + 4 * uint32_t(t * kTensorWords + i), rec[i]);
    }
    for (size_t l = 0; l < layers.size(); ++l)
      for (int i = 0; i < kLayerWords; ++i) w32(lt + 4 * uint32_t(l * kLayerWords + i), layers[l][i]);
    for (size_t o = 0; o < outputs.size(); ++o)
      for (int i = 0; i < kOutputWords; ++i) w32(ot + 4 * uint32_t(o * kOutputWords + i), outputs[o][i]);
    memcpy(&b[dt], data.data(), data.size());
    memcpy(&b[mt], meta, sizeof meta - 1);
    w32(12, crc32(b.data() + 16, b.size() - 16));
    return b;
  }
};

// Recomputes the CRC after a test edits a program on purpose.
inline void reseal(std::vector<uint8_t>& b) {
  const uint32_t c = crc32(b.data() + 16, b.size() - 16);
  memcpy(&b[12], &c, 4);
}

}  // namespace testing
}  // namespace sarwatch
