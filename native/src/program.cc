// Validation of program blobs (program.h). Every check here protects an
// executor from reading or writing out of bounds; the messages say what is
// wrong so that `sarwatch` can report it.
#include "sarwatch/program.h"

#include <stdarg.h>
#include <stdio.h>

namespace sarwatch {
namespace prog {
namespace {

constexpr uint32_t kMaxTensors = 4096;
constexpr uint32_t kMaxOutputs = 16;
constexpr uint64_t kMaxArenaBytes = 1ull << 30;

thread_local Fault fault_kind = kInvalid;

Fault fail(char* err, size_t len, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
  return fault_kind;
}

struct Range {
  uint64_t begin, end;
};

// Bytes of the arena a tensor's buffer (its parent's) occupies.
Range buffer_range(const View& v, uint32_t t) {
  const uint32_t p = v.tensor(t, kTParent);
  const uint64_t off = v.tensor(p, kTArenaOffset);
  const uint64_t bytes = uint64_t(v.tensor(p, kTHeight)) * v.tensor(p, kTWidth) * v.tensor(p, kTPixelStride);
  return {off, off + bytes};
}

bool overlaps(Range a, Range b) { return a.begin < b.end && b.begin < a.end; }

}  // namespace

Fault validate(const uint8_t* data, size_t size, View* out, char* err, size_t err_len) {
  fault_kind = kInvalid;
  if (size < 4u * kHeaderWords) return fail(err, err_len, "program is %zu bytes, shorter than its 64-byte header", size);
  View v{data, size};
  if (v.header(kHMagic) != kMagic) return fail(err, err_len, "not a sarwatch program (bad magic 0x%08x)", v.header(kHMagic));
  if (v.header(kHVersion) != kVersion) {
    fault_kind = kWrongVersion;
    return fail(err, err_len, "program format version %u, this engine reads version %u (recompile the model)", v.header(kHVersion), kVersion);
  }
  if (v.header(kHTotalBytes) != size) {
    fault_kind = kCorrupt;
    return fail(err, err_len, "program says it is %u bytes but %zu were given (truncated or padded)", v.header(kHTotalBytes), size);
  }
  const uint32_t crc = crc32(data + 16, size - 16);
  fault_kind = kCorrupt;
  if (crc != v.header(kHCrc32)) return fail(err, err_len, "program CRC32 mismatch (stored 0x%08x, computed 0x%08x): corrupt", v.header(kHCrc32), crc);

  fault_kind = kInvalid;
  const uint32_t nt = v.num_tensors(), nl = v.num_layers(), no = v.num_outputs();
  if (nt == 0 || nt > kMaxTensors) return fail(err, err_len, "%u tensors (1..%u allowed)", nt, kMaxTensors);
  if (nl == 0 || nl > uint32_t(engine::kMaxLayers)) return fail(err, err_len, "%u layers (1..%d allowed)", nl, engine::kMaxLayers);
  if (no == 0 || no > kMaxOutputs) return fail(err, err_len, "%u outputs (1..%u allowed)", no, kMaxOutputs);
  auto table_ok = [&](uint32_t off, uint64_t bytes) { return off % 4 == 0 && uint64_t(off) + bytes <= size; };
  if (!table_ok(v.header(kHTensorTable), 4ull * kTensorWords * nt)) return fail(err, err_len, "tensor table outside the program");
  if (!table_ok(v.header(kHLayerTable), 4ull * kLayerWords * nl)) return fail(err, err_len, "layer table outside the program");
  if (!table_ok(v.header(kHOutputTable), 4ull * kOutputWords * no)) return fail(err, err_len, "output table outside the program");
  const uint64_t data_off = v.header(kHDataOffset), data_bytes = v.header(kHDataBytes);
  if (data_off % 16 != 0 || data_off + data_bytes > size) return fail(err, err_len, "data section outside the program");
  if (uint64_t(v.header(kHMetaOffset)) + v.header(kHMetaBytes) > size) return fail(err, err_len, "metadata outside the program");
  const uint64_t arena = v.header(kHArenaBytes);
  if (arena > kMaxArenaBytes) return fail(err, err_len, "arena of %llu bytes exceeds %llu", (unsigned long long)arena, (unsigned long long)kMaxArenaBytes);

  for (uint32_t t = 0; t < nt; ++t) {
    const uint32_t c = v.tensor(t, kTChannels), h = v.tensor(t, kTHeight), w = v.tensor(t, kTWidth);
    const uint32_t ps = v.tensor(t, kTPixelStride), co = v.tensor(t, kTChannelOffset), p = v.tensor(t, kTParent);
    const int32_t zp = v.zero_point(t);
    if (c == 0 || h == 0 || w == 0 || h > uint32_t(engine::kMaxHeight) || w > uint32_t(engine::kMaxWidth)) {
      return fail(err, err_len, "tensor %u is %u x %u x %u, outside the engine's limits", t, c, h, w);
    }
    if (uint64_t(co) + c > ps || ps > 4u * engine::kMaxChannels) return fail(err, err_len, "tensor %u: channels %u+%u exceed its pixel stride %u", t, co, c, ps);
    if (zp < -128 || zp > 127) return fail(err, err_len, "tensor %u: zero point %d outside int8", t, zp);
    if (p >= nt || v.tensor(p, kTParent) != p) return fail(err, err_len, "tensor %u: parent %u is not a buffer owner", t, p);
    if (p != t && (v.tensor(p, kTHeight) != h || v.tensor(p, kTWidth) != w || v.tensor(p, kTPixelStride) != ps)) {
      return fail(err, err_len, "tensor %u is a view whose shape differs from its buffer %u", t, p);
    }
    const Range r = buffer_range(v, t);
    if (r.end > arena) return fail(err, err_len, "tensor %u lies outside the %llu-byte arena", t, (unsigned long long)arena);
  }
  const uint32_t input = v.header(kHInputTensor);
  if (input >= nt || v.tensor(input, kTParent) != input) return fail(err, err_len, "input tensor %u is not a buffer", input);

  // Layers run in order: every input must already be defined.
  bool defined[kMaxTensors] = {};
  auto mark = [&](uint32_t owner) {
    for (uint32_t t = 0; t < nt; ++t) if (v.tensor(t, kTParent) == owner || t == owner) defined[t] = true;
  };
  mark(input);
  auto in_data = [&](uint32_t off, uint64_t bytes) { return off != kNone && uint64_t(off) + bytes <= data_bytes; };
  for (uint32_t l = 0; l < nl; ++l) {
    const uint32_t op = v.layer(l, kLOp), o = v.layer(l, kLOut), n = v.layer(l, kLNumIn);
    if (o >= nt) return fail(err, err_len, "layer %u: output tensor %u does not exist", l, o);
    if (n < 1 || n > uint32_t(engine::kMaxInputs)) return fail(err, err_len, "layer %u: %u inputs (1..%d)", l, n, engine::kMaxInputs);
    uint32_t in[4];
    for (uint32_t i = 0; i < n; ++i) {
      in[i] = v.layer(l, kLIn0 + int(i));
      if (in[i] >= nt) return fail(err, err_len, "layer %u: input tensor %u does not exist", l, in[i]);
      if (!defined[in[i]]) return fail(err, err_len, "layer %u reads tensor %u before any layer writes it", l, in[i]);
      if (overlaps(buffer_range(v, in[i]), buffer_range(v, o))) return fail(err, err_len, "layer %u writes over its own input (tensor %u)", l, in[i]);
    }
    const uint32_t C = v.tensor(o, kTChannels), H = v.tensor(o, kTHeight), W = v.tensor(o, kTWidth);
    const uint32_t c0 = v.tensor(in[0], kTChannels), h0 = v.tensor(in[0], kTHeight), w0 = v.tensor(in[0], kTWidth);
    const uint32_t k = v.layer(l, kLKernel);
    switch (op) {
      case kOpConv: {
        const int kh = kernel_h(k), kw = kernel_w(k), s = kernel_stride(k), pad = kernel_pad(k);
        const uint32_t g = v.layer(l, kLGroups);
        if (kh < 1 || kh > 7 || kw < 1 || kw > 7 || s < 1 || s > 4 || pad > kh) return fail(err, err_len, "layer %u: conv kernel %dx%d/%d pad %d unsupported", l, kh, kw, s, pad);
        if (g == 0 || c0 % g || C % g) return fail(err, err_len, "layer %u: %u groups do not divide %u -> %u channels", l, g, c0, C);
        if (c0 > uint32_t(engine::kMaxChannels) || C > uint32_t(engine::kMaxChannels)) return fail(err, err_len, "layer %u: more than %d channels", l, engine::kMaxChannels);
        if (int(H) != (int(h0) + 2 * pad - kh) / s + 1 || int(W) != (int(w0) + 2 * pad - kw) / s + 1) {
          return fail(err, err_len, "layer %u: conv of %u x %u gives %u x %u, not %d x %d", l, h0, w0, H, W, (int(h0) + 2 * pad - kh) / s + 1, (int(w0) + 2 * pad - kw) / s + 1);
        }
        const uint64_t wbytes = uint64_t(C) * kh * kw * (c0 / g);
        if (!in_data(v.layer(l, kLWeights), wbytes) || !in_data(v.layer(l, kLBias), 4ull * C) || !in_data(v.layer(l, kLMult), 4ull * C) ||
            !in_data(v.layer(l, kLShift), 4ull * C)) {
          return fail(err, err_len, "layer %u: conv parameters lie outside the data section", l);
        }
        for (uint32_t c = 0; c < C; ++c) {
          const int32_t sh = int32_t(rd32(v.data(v.layer(l, kLShift)) + 4 * c));
          const int32_t m = int32_t(rd32(v.data(v.layer(l, kLMult)) + 4 * c));
          if (sh < 1 || sh > 62 || m < 0) return fail(err, err_len, "layer %u: channel %u has shift %d / multiplier %d outside the spec", l, c, sh, m);
        }
        if (v.layer(l, kLLut) != kNone && !in_data(v.layer(l, kLLut), 256)) return fail(err, err_len, "layer %u: activation table outside the data section", l);
        const int32_t pz = int32_t(v.layer(l, kLPreZp));
        if (pz < -128 || pz > 127) return fail(err, err_len, "layer %u: pre-activation zero point %d outside int8", l, pz);
        break;
      }
      case kOpAdd:
      case kOpConcat: {
        if (op == kOpAdd && n != 2) return fail(err, err_len, "layer %u: add takes 2 inputs, not %u", l, n);
        uint32_t sum = 0;
        for (uint32_t i = 0; i < n; ++i) {
          const uint32_t ci = v.tensor(in[i], kTChannels);
          if (v.tensor(in[i], kTHeight) != H || v.tensor(in[i], kTWidth) != W || (op == kOpAdd && ci != C)) {
            return fail(err, err_len, "layer %u: input %u has a different shape", l, i);
          }
          sum += ci;
        }
        if (op == kOpConcat && sum != C) return fail(err, err_len, "layer %u: concat of %u channels into %u", l, sum, C);
        if (!in_data(v.layer(l, kLMult), 4ull * n) || !in_data(v.layer(l, kLShift), 4ull * n)) return fail(err, err_len, "layer %u: parameters outside the data section", l);
        for (uint32_t i = 0; i < n; ++i) {
          const int32_t sh = int32_t(rd32(v.data(v.layer(l, kLShift)) + 4 * i)), m = int32_t(rd32(v.data(v.layer(l, kLMult)) + 4 * i));
          if (m < 0 || (m > 0 && (sh < 1 || sh > 62))) return fail(err, err_len, "layer %u: input %u has shift %d / multiplier %d outside the spec", l, i, sh, m);
        }
        break;
      }
      case kOpMaxPool: {
        const int kk = kernel_h(k), s = kernel_stride(k), pad = kernel_pad(k);
        if (kk < 1 || kk > 7 || kernel_w(k) != kk || s < 1 || s > 2 || pad > kk / 2) return fail(err, err_len, "layer %u: max-pool %d/%d pad %d unsupported", l, kk, s, pad);
        if (C != c0 || int(H) != (int(h0) + 2 * pad - kk) / s + 1 || int(W) != (int(w0) + 2 * pad - kk) / s + 1) return fail(err, err_len, "layer %u: max-pool shape mismatch", l);
        break;
      }
      case kOpUpsample: {
        const uint32_t f = k;
        if (f < 2 || f > 4 || C != c0 || H != h0 * f || W != w0 * f) return fail(err, err_len, "layer %u: upsample x%u of %u x %u into %u x %u", l, f, h0, w0, H, W);
        break;
      }
      case kOpLut:
        if (C != c0 || H != h0 || W != w0) return fail(err, err_len, "layer %u: table lookup changes the shape", l);
        if (!in_data(v.layer(l, kLLut), 256)) return fail(err, err_len, "layer %u: table outside the data section", l);
        break;
      default:
        return fail(err, err_len, "layer %u: unknown op %u", l, op);
    }
    if (v.zero_point(in[0]) != v.zero_point(o) && (op == kOpMaxPool || op == kOpUpsample)) {
      return fail(err, err_len, "layer %u: max-pool and upsample keep their input's code", l);
    }
    mark(v.tensor(o, kTParent));
  }
  for (uint32_t i = 0; i < no; ++i) {
    const uint32_t t = v.output(i, kOTensor);
    if (t >= nt || !defined[t]) return fail(err, err_len, "output %u: tensor %u is never written", i, t);
    if (v.output(i, kOKind) > kClassLogits || v.output(i, kOStride) == 0) return fail(err, err_len, "output %u: bad kind or stride", i);
  }
  if (out) *out = v;
  if (err_len) err[0] = 0;
  return kOk;
}

}  // namespace prog
}  // namespace sarwatch
