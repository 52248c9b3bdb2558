#include "executor.h"

#include <string.h>

#include <algorithm>

namespace sarwatch {

namespace {

constexpr int kSlackCols = 48;  // micro-kernels may read past the last output column

int32_t rd_i32(const uint8_t* p) { return static_cast<int32_t>(prog::rd32(p)); }

}  // namespace

prog::Fault Executor::load(const uint8_t* data, size_t size, Simd simd, int threads, std::string* err) {
  char msg[256];
  prog::View v;
  const prog::Fault f = prog::validate(data, size, &v, msg, sizeof msg);
  if (f != prog::kOk) {
    *err = msg;
    return f;
  }
  blob_.assign(data, data + size);
  view_ = prog::View{blob_.data(), blob_.size()};
  const uint32_t input = view_.header(prog::kHInputTensor);
  if (view_.zero_point(input) != -128) {
    *err = "the program's input code must be pixel - 128 (zero point -128)";
    return prog::kInvalid;
  }
  in_c_ = static_cast<int>(view_.tensor(input, prog::kTChannels));
  in_h_ = static_cast<int>(view_.tensor(input, prog::kTHeight));
  in_w_ = static_cast<int>(view_.tensor(input, prog::kTWidth));
  simd_ = simd_supported(simd) ? simd : Simd::kScalar;
  pool_.resize(threads);
  arena_.reserve(view_.header(prog::kHArenaBytes));
  const PathLayout lay = path_layout(simd_);
  size_t pad_bytes = 0;
  convs_.clear();
  conv_of_layer_.assign(view_.num_layers(), -1);
  macs_ = 0;
  for (uint32_t l = 0; l < view_.num_layers(); ++l) {
    if (view_.layer(l, prog::kLOp) != prog::kOpConv) continue;
    const uint32_t in = view_.layer(l, prog::kLIn0), out = view_.layer(l, prog::kLOut), k = view_.layer(l, prog::kLKernel);
    ConvLayer L;
    L.cin = static_cast<int>(view_.tensor(in, prog::kTChannels));
    L.cout = static_cast<int>(view_.tensor(out, prog::kTChannels));
    L.kh = prog::kernel_h(k);
    L.kw = prog::kernel_w(k);
    L.stride = prog::kernel_stride(k);
    L.pad = prog::kernel_pad(k);
    L.groups = static_cast<int>(view_.layer(l, prog::kLGroups));
    L.in_h = static_cast<int>(view_.tensor(in, prog::kTHeight));
    L.in_w = static_cast<int>(view_.tensor(in, prog::kTWidth));
    L.out_h = static_cast<int>(view_.tensor(out, prog::kTHeight));
    L.out_w = static_cast<int>(view_.tensor(out, prog::kTWidth));
    L.in_zp = view_.zero_point(in);
    L.out_zp = view_.zero_point(out);
    L.pre_zp = static_cast<int32_t>(view_.layer(l, prog::kLPreZp));
    L.w = reinterpret_cast<const int8_t*>(view_.data(view_.layer(l, prog::kLWeights)));
    L.lut = view_.layer(l, prog::kLLut) == prog::kNone ? nullptr : reinterpret_cast<const int8_t*>(view_.data(view_.layer(l, prog::kLLut)));
    for (int c = 0; c < L.cout; ++c) {
      L.bias.push_back(rd_i32(view_.data(view_.layer(l, prog::kLBias)) + 4 * c));
      L.mult.push_back(rd_i32(view_.data(view_.layer(l, prog::kLMult)) + 4 * c));
      L.shift.push_back(rd_i32(view_.data(view_.layer(l, prog::kLShift)) + 4 * c));
    }
    const bool packed = L.groups == 1 && simd_ != Simd::kScalar;
    if (is_depthwise(L)) pack_depthwise(L);
#if defined(SARWATCH_HAVE_X86_KERNELS)
    if (packed && simd_ == Simd::kAvx2) pack_avx2(L);
    if (packed && simd_ == Simd::kAvx512Vnni) pack_avx512vnni(L);
#endif
#if defined(__aarch64__)
    if (packed && simd_ == Simd::kNeon) pack_neon(L);
#endif
    const int cstride = packed ? L.kpad : L.cin;
    const int elem = packed ? lay.elem : 1;
    pad_bytes = std::max(pad_bytes, static_cast<size_t>(L.in_h + 2 * L.pad) * (L.in_w + 2 * L.pad + kSlackCols) * cstride * elem);
    macs_ += static_cast<double>(L.out_h) * L.out_w * L.cout * L.kh * L.kw * (L.cin / L.groups);
    conv_of_layer_[l] = static_cast<int>(convs_.size());
    convs_.push_back(std::move(L));
  }
  padded_.reserve(pad_bytes);
  return prog::kOk;
}

TensorRef Executor::tensor(uint32_t t) {
  TensorRef r;
  r.base = reinterpret_cast<int8_t*>(arena_.data()) + view_.tensor(t, prog::kTArenaOffset) + view_.tensor(t, prog::kTChannelOffset);
  r.c = static_cast<int>(view_.tensor(t, prog::kTChannels));
  r.h = static_cast<int>(view_.tensor(t, prog::kTHeight));
  r.w = static_cast<int>(view_.tensor(t, prog::kTWidth));
  r.pixel_stride = static_cast<int>(view_.tensor(t, prog::kTPixelStride));
  r.zp = view_.zero_point(t);
  return r;
}

void Executor::run_conv(uint32_t l, ConvLayer& L) {
  const TensorRef in = tensor(view_.layer(l, prog::kLIn0));
  const TensorRef out = tensor(view_.layer(l, prog::kLOut));
  const bool packed = L.groups == 1 && simd_ != Simd::kScalar;
  const PathLayout lay = packed ? path_layout(simd_) : PathLayout{1, 1, 0};
  Padded p;
  p.data = padded_.data();
  p.hp = L.in_h + 2 * L.pad;
  p.wp = L.in_w + 2 * L.pad + kSlackCols;
  p.cstride = packed ? L.kpad : L.cin;
  p.elem = lay.elem;
  const int border = L.in_zp + lay.offset;
  // 1. The zero-point-padded copy of the input, in the path's encoding: one
  // border pixel pattern (zero point in real channels, 0 in padding
  // channels) copied around the edges, and the interior copied row by row.
  const size_t px_bytes = static_cast<size_t>(p.cstride) * p.elem;
  uint8_t border_px[4 * 4 * engine::kMaxChannels];
  for (int ch = 0; ch < p.cstride; ++ch) {
    const int v = ch < L.cin ? border : 0;
    if (p.elem == 2) {
      const int16_t w = static_cast<int16_t>(v);
      memcpy(border_px + 2 * ch, &w, 2);
    } else {
      border_px[ch] = static_cast<uint8_t>(v);
    }
  }
  pool_.parallel_for(p.hp, [&](int r0, int r1) {
    for (int r = r0; r < r1; ++r) {
      uint8_t* row = static_cast<uint8_t*>(p.data) + static_cast<size_t>(r) * p.wp * px_bytes;
      const int iy = r - L.pad;
      const bool inside_row = iy >= 0 && iy < L.in_h;
      const int c0 = inside_row ? L.pad : p.wp, c1 = inside_row ? L.pad + L.in_w : p.wp;
      for (int c = 0; c < c0; ++c) memcpy(row + static_cast<size_t>(c) * px_bytes, border_px, px_bytes);
      for (int c = c1; c < p.wp; ++c) memcpy(row + static_cast<size_t>(c) * px_bytes, border_px, px_bytes);
      if (!inside_row) continue;
      const int8_t* src = in.base + static_cast<size_t>(iy) * in.w * in.pixel_stride;
      uint8_t* d = row + static_cast<size_t>(L.pad) * px_bytes;
      if (in.pixel_stride == L.cin && p.cstride == L.cin) {
        // Dense rows (the common case): one flat, vectorisable loop.
        const size_t n = static_cast<size_t>(L.in_w) * L.cin;
        if (p.elem == 2) {
          int16_t* d16 = reinterpret_cast<int16_t*>(d);
          for (size_t i = 0; i < n; ++i) d16[i] = src[i];
        } else if (lay.offset == 128) {
          for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>(src[i]) ^ 0x80u;  // code + 128
        } else {
          memcpy(d, src, n);
        }
        continue;
      }
      if (p.elem == 1 && lay.offset == 128 && L.cin == 2 && in.pixel_stride == 2 && p.cstride == 4) {
        // The first layer (VV, VH): two codes + 128 and two zero bytes per pixel, one 32-bit store each.
        for (int ix = 0; ix < L.in_w; ++ix) {
          uint16_t v;
          memcpy(&v, src + 2 * ix, 2);
          const uint32_t w = static_cast<uint32_t>(v ^ 0x8080u);
          memcpy(d + 4 * static_cast<size_t>(ix), &w, 4);
        }
        continue;
      }
      for (int ix = 0; ix < L.in_w; ++ix, src += in.pixel_stride, d += px_bytes) {
        if (p.elem == 2) {
          int16_t* d16 = reinterpret_cast<int16_t*>(d);
          for (int ch = 0; ch < L.cin; ++ch) d16[ch] = src[ch];
          for (int ch = L.cin; ch < p.cstride; ++ch) d16[ch] = 0;
        } else if (lay.offset == 128) {
          for (int ch = 0; ch < L.cin; ++ch) d[ch] = static_cast<uint8_t>(src[ch]) ^ 0x80u;
          for (int ch = L.cin; ch < p.cstride; ++ch) d[ch] = 0;
        } else {
          memcpy(d, src, L.cin);
          memset(d + L.cin, 0, p.cstride - L.cin);
        }
      }
    }
  });
  // 2. Output rows across threads.
  OutView o{out.base, out.pixel_stride};
  pool_.parallel_for(L.out_h, [&](int y0, int y1) {
#if defined(SARWATCH_HAVE_X86_KERNELS)
    if (packed && simd_ == Simd::kAvx2) return conv_rows_avx2(L, p, o, y0, y1);
    if (packed && simd_ == Simd::kAvx512Vnni) return conv_rows_avx512vnni(L, p, o, y0, y1);
#endif
#if defined(__aarch64__)
    if (packed && simd_ == Simd::kNeon) return conv_rows_neon(L, p, o, y0, y1);
#endif
    if (is_depthwise(L)) return conv_rows_depthwise(L, p, o, y0, y1);
    conv_rows_scalar(L, p, o, y0, y1);
  });
}

void Executor::run(const uint8_t* tile) { run_layers(tile, nullptr, nullptr); }

void Executor::run_capture(const uint8_t* tile, const std::vector<uint32_t>& tensors, const std::vector<int8_t*>& dst) {
  run_layers(tile, &tensors, &dst);
}

void Executor::run_layers(const uint8_t* tile, const std::vector<uint32_t>* capture, const std::vector<int8_t*>* dst) {
  const uint32_t in_t = view_.header(prog::kHInputTensor);
  const TensorRef input = tensor(in_t);
  auto captured = [&](uint32_t written) {
    if (!capture) return;
    const uint32_t owner = view_.tensor(written, prog::kTParent);
    for (size_t i = 0; i < capture->size(); ++i) {
      if (view_.tensor((*capture)[i], prog::kTParent) == owner) copy_tensor((*capture)[i], (*dst)[i]);
    }
  };
  pool_.parallel_for(input.h, [&](int y0, int y1) { input_rows(tile, input, y0, y1); });
  captured(in_t);
  layer_ms_.assign(view_.num_layers(), 0.0);
  using clock = std::chrono::steady_clock;
  for (uint32_t l = 0; l < view_.num_layers(); ++l) {
    const auto t0 = clock::now();
    run_layer(l);
    layer_ms_[l] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    captured(view_.layer(l, prog::kLOut));
  }
}

void Executor::run_layer(uint32_t l) {
  {
    const uint32_t op = view_.layer(l, prog::kLOp);
    if (op == prog::kOpConv) {
      run_conv(l, convs_[conv_of_layer_[l]]);
      return;
    }
    const TensorRef out = tensor(view_.layer(l, prog::kLOut));
    const TensorRef a = tensor(view_.layer(l, prog::kLIn0));
    auto mult = [&](int i) { return rd_i32(view_.data(view_.layer(l, prog::kLMult)) + 4 * i); };
    auto shift = [&](int i) { return rd_i32(view_.data(view_.layer(l, prog::kLShift)) + 4 * i); };
    const uint32_t k = view_.layer(l, prog::kLKernel);
    switch (op) {
      case prog::kOpAdd: {
        const TensorRef b = tensor(view_.layer(l, prog::kLIn1));
        pool_.parallel_for(out.h, [&](int y0, int y1) { add_rows(a, mult(0), b, mult(1), shift(0), out, y0, y1); });
        break;
      }
      case prog::kOpConcat: {
        int offset = 0;
        for (uint32_t i = 0; i < view_.layer(l, prog::kLNumIn); ++i) {
          const TensorRef in = tensor(view_.layer(l, prog::kLIn0 + int(i)));
          pool_.parallel_for(out.h, [&](int y0, int y1) { concat_rows(in, mult(int(i)), shift(int(i)), out, offset, y0, y1); });
          offset += in.c;
        }
        break;
      }
      case prog::kOpMaxPool:
        pool_.parallel_for(out.h, [&](int y0, int y1) { maxpool_rows(a, prog::kernel_h(k), prog::kernel_stride(k), prog::kernel_pad(k), out, y0, y1); });
        break;
      case prog::kOpUpsample:
        pool_.parallel_for(out.h, [&](int y0, int y1) { upsample_rows(a, static_cast<int>(k), out, y0, y1); });
        break;
      case prog::kOpLut: {
        const int8_t* lut = reinterpret_cast<const int8_t*>(view_.data(view_.layer(l, prog::kLLut)));
        pool_.parallel_for(out.h, [&](int y0, int y1) { lut_rows(a, lut, out, y0, y1); });
        break;
      }
    }
  }
}

OutputInfo Executor::output_info(int o) const {
  const uint32_t t = view_.output(o, prog::kOTensor);
  return {static_cast<int>(view_.output(o, prog::kOKind)), static_cast<int>(view_.output(o, prog::kOLevel)), static_cast<int>(view_.output(o, prog::kOStride)),
          static_cast<int>(view_.output(o, prog::kOCount)), static_cast<int>(view_.tensor(t, prog::kTHeight)), static_cast<int>(view_.tensor(t, prog::kTWidth)),
          static_cast<int>(view_.tensor(t, prog::kTChannels)), view_.scale(t), view_.zero_point(t)};
}

std::string Executor::metadata() const {
  return std::string(reinterpret_cast<const char*>(blob_.data() + view_.header(prog::kHMetaOffset)), view_.header(prog::kHMetaBytes));
}

void Executor::copy_output(int o, int8_t* dst) const { copy_tensor(view_.output(o, prog::kOTensor), dst); }

size_t Executor::tensor_bytes(uint32_t t) const {
  return static_cast<size_t>(view_.tensor(t, prog::kTHeight)) * view_.tensor(t, prog::kTWidth) * view_.tensor(t, prog::kTChannels);
}

void Executor::copy_tensor(uint32_t t, int8_t* dst) const {
  const int8_t* base = reinterpret_cast<const int8_t*>(arena_.data()) + view_.tensor(t, prog::kTArenaOffset) + view_.tensor(t, prog::kTChannelOffset);
  const size_t c = view_.tensor(t, prog::kTChannels), ps = view_.tensor(t, prog::kTPixelStride);
  const size_t n = static_cast<size_t>(view_.tensor(t, prog::kTHeight)) * view_.tensor(t, prog::kTWidth);
  for (size_t i = 0; i < n; ++i) memcpy(dst + i * c, base + i * ps, c);
}

void Executor::decode(const DecodeOptions& opt, std::vector<Detection>* out, DecodeStats* stats) const {
  const int8_t* base[16];
  int stride[16];
  for (uint32_t o = 0; o < view_.num_outputs() && o < 16; ++o) {
    const uint32_t t = view_.output(o, prog::kOTensor);
    base[o] = reinterpret_cast<const int8_t*>(arena_.data()) + view_.tensor(t, prog::kTArenaOffset) + view_.tensor(t, prog::kTChannelOffset);
    stride[o] = static_cast<int>(view_.tensor(t, prog::kTPixelStride));
  }
  HeadLevel levels[8];
  const int n = head_levels(view_, base, stride, levels, 8);
  sarwatch::decode(levels, n, opt, out, stats);
}

}  // namespace sarwatch
