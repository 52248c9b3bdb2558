// Native engine tests: every op, through the real executor, on every SIMD path
// this CPU has and at several thread counts, against a naive interpreter of
// the spec written here; program validation against corrupt, truncated,
// wrong-version and hostile programs; and, given a compiled model, identical
// results across paths and thread counts on the whole model.
//
//   engine_tests [model.swp]
#include <stdio.h>
#include <stdlib.h>

#include <math.h>

#include <random>
#include <string>
#include <vector>

#include "../src/engine/decode.h"
#include "../src/engine/executor.h"
#include "../src/tiling/normalise.h"
#include "program_builder.h"
#include "sarwatch/quant.h"

using namespace sarwatch;
using testing::ProgramBuilder;

static int g_failures = 0, g_checks = 0;
#define CHECK(cond, ...)                                \
  do {                                                  \
    ++g_checks;                                         \
    if (!(cond)) {                                      \
      ++g_failures;                                     \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                     \
      fprintf(stderr, "\n");                            \
    }                                                   \
  } while (0)

static std::mt19937 rng(12345);
static int rnd(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// ---------------------------------------------------------------- reference

struct Reference {
  const ProgramBuilder& pb;
  std::vector<std::vector<int8_t>> buf;
  explicit Reference(const ProgramBuilder& p) : pb(p), buf(p.tensors.size()) {
    for (size_t t = 0; t < pb.tensors.size(); ++t)
      if (pb.tensors[t].parent == t) buf[t].assign(size_t(pb.tensors[t].c) * pb.tensors[t].h * pb.tensors[t].w, 0);
  }
  int8_t& at(uint32_t t, int y, int x, int c) {
    const auto& v = pb.tensors[t];
    const auto& o = pb.tensors[v.parent];
    return buf[v.parent][(size_t(y) * o.w + x) * o.c + v.choff + c];
  }
  static int32_t word(const ProgramBuilder& pb, uint32_t off, int i) {
    int32_t v;
    memcpy(&v, &pb.data[off + 4 * i], 4);
    return v;
  }
  void run(uint32_t input, const std::vector<uint8_t>& tile) {
    const auto& in = pb.tensors[input];
    for (uint32_t y = 0; y < in.h; ++y)
      for (uint32_t x = 0; x < in.w; ++x)
        for (uint32_t c = 0; c < in.c; ++c) at(input, y, x, c) = int8_t(int(tile[(c * in.h + y) * in.w + x]) - 128);
    for (const auto& l : pb.layers) {
      const uint32_t out = l[prog::kLOut];
      const auto& o = pb.tensors[out];
      const uint32_t a = l[prog::kLIn0];
      const auto& A = pb.tensors[a];
      switch (l[prog::kLOp]) {
        case prog::kOpConv: {
          const int kh = prog::kernel_h(l[prog::kLKernel]), kw = prog::kernel_w(l[prog::kLKernel]);
          const int s = prog::kernel_stride(l[prog::kLKernel]), pad = prog::kernel_pad(l[prog::kLKernel]);
          const int g = int(l[prog::kLGroups]), cin_g = int(A.c) / g, cout_g = int(o.c) / g;
          const int8_t* w = reinterpret_cast<const int8_t*>(&pb.data[l[prog::kLWeights]]);
          const int8_t* lut = l[prog::kLLut] == prog::kNone ? nullptr : reinterpret_cast<const int8_t*>(&pb.data[l[prog::kLLut]]);
          for (uint32_t y = 0; y < o.h; ++y)
            for (uint32_t x = 0; x < o.w; ++x)
              for (int co = 0; co < int(o.c); ++co) {
                int64_t acc = word(pb, l[prog::kLBias], co);
                const int grp = co / cout_g;
                for (int ky = 0; ky < kh; ++ky)
                  for (int kx = 0; kx < kw; ++kx)
                    for (int ci = 0; ci < cin_g; ++ci) {
                      const int iy = int(y) * s + ky - pad, ix = int(x) * s + kx - pad;
                      const int q = (iy < 0 || ix < 0 || iy >= int(A.h) || ix >= int(A.w)) ? A.zp : at(a, iy, ix, grp * cin_g + ci);
                      acc += int64_t(w[((size_t(co) * kh + ky) * kw + kx) * cin_g + ci]) * q;
                    }
                const int32_t m = word(pb, l[prog::kLMult], co), n = word(pb, l[prog::kLShift], co);
                int8_t v = q8::requantize(int32_t(acc), m, n, lut ? int32_t(l[prog::kLPreZp]) : o.zp);
                at(out, y, x, co) = lut ? q8::apply_lut(lut, v) : v;
              }
          break;
        }
        case prog::kOpAdd: {
          const uint32_t b = l[prog::kLIn1];
          for (uint32_t y = 0; y < o.h; ++y)
            for (uint32_t x = 0; x < o.w; ++x)
              for (uint32_t c = 0; c < o.c; ++c)
                at(out, y, x, c) = q8::add_requantize(at(a, y, x, c), A.zp, word(pb, l[prog::kLMult], 0), at(b, y, x, c), pb.tensors[b].zp,
                                                      word(pb, l[prog::kLMult], 1), word(pb, l[prog::kLShift], 0), o.zp);
          break;
        }
        case prog::kOpConcat: {
          uint32_t off = 0;
          for (uint32_t i = 0; i < l[prog::kLNumIn]; ++i) {
            const uint32_t t = l[prog::kLIn0 + i];
            const int32_t m = word(pb, l[prog::kLMult], int(i)), n = word(pb, l[prog::kLShift], int(i));
            for (uint32_t y = 0; y < o.h; ++y)
              for (uint32_t x = 0; x < o.w; ++x)
                for (uint32_t c = 0; c < pb.tensors[t].c; ++c) {
                  const int8_t q = at(t, y, x, c);
                  at(out, y, x, off + c) = m == 0 ? q : q8::requantize(q - pb.tensors[t].zp, m, n, o.zp);
                }
            off += pb.tensors[t].c;
          }
          break;
        }
        case prog::kOpMaxPool: {
          const int k = prog::kernel_h(l[prog::kLKernel]), s = prog::kernel_stride(l[prog::kLKernel]), pad = prog::kernel_pad(l[prog::kLKernel]);
          for (uint32_t y = 0; y < o.h; ++y)
            for (uint32_t x = 0; x < o.w; ++x)
              for (uint32_t c = 0; c < o.c; ++c) {
                int m = -128;
                for (int ky = 0; ky < k; ++ky)
                  for (int kx = 0; kx < k; ++kx) {
                    const int iy = int(y) * s + ky - pad, ix = int(x) * s + kx - pad;
                    if (iy >= 0 && ix >= 0 && iy < int(A.h) && ix < int(A.w) && at(a, iy, ix, c) > m) m = at(a, iy, ix, c);
                  }
                at(out, y, x, c) = int8_t(m);
              }
          break;
        }
        case prog::kOpUpsample: {
          const uint32_t f = l[prog::kLKernel];
          for (uint32_t y = 0; y < o.h; ++y)
            for (uint32_t x = 0; x < o.w; ++x)
              for (uint32_t c = 0; c < o.c; ++c) at(out, y, x, c) = at(a, y / f, x / f, c);
          break;
        }
        case prog::kOpLut: {
          const int8_t* lut = reinterpret_cast<const int8_t*>(&pb.data[l[prog::kLLut]]);
          for (uint32_t y = 0; y < o.h; ++y)
            for (uint32_t x = 0; x < o.w; ++x)
              for (uint32_t c = 0; c < o.c; ++c) at(out, y, x, c) = q8::apply_lut(lut, at(a, y, x, c));
          break;
        }
      }
    }
  }
};

// ---------------------------------------------------------------- helpers

static std::vector<int8_t> random_i8(size_t n, int lo = -127, int hi = 127) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = int8_t(rnd(lo, hi));
  return v;
}

static std::vector<int8_t> random_lut() {
  std::vector<int8_t> t(256);
  for (int i = 0; i < 256; ++i) t[i] = int8_t(rnd(-128, 127));
  return t;
}

static std::vector<Simd> paths() {
  std::vector<Simd> p;
  for (Simd s : {Simd::kScalar, Simd::kAvx2, Simd::kAvx512Vnni, Simd::kNeon})
    if (simd_supported(s)) p.push_back(s);
  return p;
}

// Runs `pb` on every path × thread count and compares the listed tensors with the reference.
static void check_program(const char* name, ProgramBuilder& pb, uint32_t input, const std::vector<uint32_t>& watch) {
  const std::vector<uint8_t> blob = pb.build(input);
  const auto& in = pb.tensors[input];
  std::vector<uint8_t> tile(size_t(in.c) * in.h * in.w);
  for (auto& b : tile) b = uint8_t(rnd(0, 255));
  Reference ref(pb);
  ref.run(input, tile);
  for (Simd s : paths()) {
    for (int threads : {1, 3}) {
      Executor e;
      std::string err;
      const prog::Fault f = e.load(blob.data(), blob.size(), s, threads, &err);
      CHECK(f == prog::kOk, "%s: load failed: %s", name, err.c_str());
      if (f != prog::kOk) return;
      std::vector<std::vector<int8_t>> got(watch.size());
      std::vector<int8_t*> dst;
      for (size_t i = 0; i < watch.size(); ++i) {
        got[i].resize(e.tensor_bytes(watch[i]));
        dst.push_back(got[i].data());
      }
      e.run_capture(tile.data(), watch, dst);
      for (size_t i = 0; i < watch.size(); ++i) {
        const auto& t = pb.tensors[watch[i]];
        int bad = 0, first = -1;
        for (uint32_t y = 0; y < t.h; ++y)
          for (uint32_t x = 0; x < t.w; ++x)
            for (uint32_t c = 0; c < t.c; ++c) {
              const int idx = int((y * t.w + x) * t.c + c);
              if (got[i][idx] != ref.at(watch[i], int(y), int(x), int(c))) {
                if (first < 0) first = idx;
                ++bad;
              }
            }
        CHECK(bad == 0, "%s [%s, %d threads] tensor %u: %d mismatching codes (first at %d)", name, simd_name(s), threads, watch[i], bad, first);
      }
    }
  }
}

// ---------------------------------------------------------------- tests

struct ConvCase {
  int cin, cout, k, stride, groups, h, w;
  bool lut;
};

static void test_conv_shapes() {
  const ConvCase cases[] = {
      {2, 16, 3, 2, 1, 23, 37, true},  {3, 17, 3, 1, 1, 9, 11, false}, {16, 32, 1, 1, 1, 12, 20, true}, {33, 40, 3, 2, 1, 13, 19, true},
      {48, 3, 1, 1, 1, 7, 9, false},   {5, 64, 3, 1, 1, 6, 30, false}, {8, 8, 3, 1, 8, 10, 10, true},  {12, 6, 3, 2, 2, 15, 16, false},
      {24, 24, 5, 1, 1, 9, 9, false},  {1, 1, 1, 1, 1, 4, 4, false},   {64, 96, 3, 1, 1, 5, 17, true},
      // depthwise (the p2 architecture's head), wider than a SIMD register and at stride 2
      {48, 48, 3, 1, 48, 11, 13, true}, {40, 40, 3, 2, 40, 15, 16, false}, {3, 3, 3, 1, 3, 6, 5, false},
  };
  for (const ConvCase& c : cases) {
    ProgramBuilder pb;
    const int pad = c.k / 2;
    const int oh = (c.h + 2 * pad - c.k) / c.stride + 1, ow = (c.w + 2 * pad - c.k) / c.stride + 1;
    const int32_t zin = -128;  // the program input's code
    const uint32_t in = pb.tensor(c.cin, c.h, c.w, zin);
    const int32_t zout = rnd(-128, 127), pre = rnd(-128, 127);
    const uint32_t out = pb.tensor(c.cout, oh, ow, zout);
    std::vector<int32_t> bias(c.cout), mult(c.cout), shift(c.cout);
    for (int i = 0; i < c.cout; ++i) bias[i] = rnd(-300000, 300000), mult[i] = rnd(1 << 30, 0x7fffffff), shift[i] = rnd(37, 44);
    const std::vector<int8_t> w = random_i8(size_t(c.cout) * c.k * c.k * (c.cin / c.groups));
    const std::vector<int8_t> lut = random_lut();
    pb.conv(in, out, w, bias, mult, shift, c.k, c.k, c.stride, pad, c.groups, c.lut ? &lut : nullptr, pre);
    pb.output(out, 1, 0, 1);
    char name[96];
    snprintf(name, sizeof name, "conv %dx%d/%d %d->%d g%d %dx%d%s", c.k, c.k, c.stride, c.cin, c.cout, c.groups, c.h, c.w, c.lut ? " lut" : "");
    check_program(name, pb, in, {out});
  }
}

static void test_graph_ops() {
  // input → conv → split views → add, concat (one copied, one requantised input), max-pool, upsample, table
  ProgramBuilder pb;
  const uint32_t in = pb.tensor(4, 14, 18, -128);
  const uint32_t c1 = pb.tensor(16, 14, 18, -20);
  std::vector<int32_t> bias(16), mult(16), shift(16);
  for (int i = 0; i < 16; ++i) bias[i] = rnd(-50000, 50000), mult[i] = rnd(1 << 30, 0x7fffffff), shift[i] = rnd(36, 40);
  pb.conv(in, c1, random_i8(16 * 9 * 4), bias, mult, shift, 3, 3, 1, 1, 1);
  const uint32_t a = pb.view(c1, 0, 8), b = pb.view(c1, 8, 8);
  const uint32_t sum = pb.tensor(8, 14, 18, 7);
  pb.requant_layer(prog::kOpAdd, {a, b}, sum, {rnd(1 << 20, 1 << 24), rnd(1 << 20, 1 << 24)}, {25, 25});
  const uint32_t cat = pb.tensor(24, 14, 18, -20);
  pb.requant_layer(prog::kOpConcat, {c1, sum}, cat, {0, rnd(1 << 30, 0x7fffffff)}, {0, 31});
  const uint32_t mp = pb.tensor(24, 14, 18, -20);
  pb.maxpool(cat, mp, 5, 1, 2);
  const uint32_t mp2 = pb.tensor(24, 7, 9, -20);
  pb.maxpool(cat, mp2, 3, 2, 1);
  const uint32_t up = pb.tensor(24, 14, 18, -20);
  pb.upsample(mp2, up, 2);
  const uint32_t lt = pb.tensor(24, 14, 18, 3);
  pb.lut(up, lt, random_lut());
  pb.output(lt, 1, 0, 1);
  pb.output(mp, 1, 0, 1);
  check_program("graph ops", pb, in, {c1, sum, cat, mp, mp2, up, lt});
}

static std::vector<uint8_t> small_valid_program(ProgramBuilder& pb, uint32_t* input) {
  *input = pb.tensor(3, 8, 8, -128);
  const uint32_t out = pb.tensor(4, 8, 8, 0);
  pb.conv(*input, out, random_i8(4 * 9 * 3), {1, 2, 3, 4}, {1 << 30, 1 << 30, 1 << 30, 1 << 30}, {40, 40, 40, 40}, 3, 3, 1, 1, 1);
  pb.output(out, 1, 0, 1);
  return pb.build(*input);
}

static prog::Fault validate(const std::vector<uint8_t>& b, std::string* msg = nullptr) {
  char err[256];
  const prog::Fault f = prog::validate(b.data(), b.size(), nullptr, err, sizeof err);
  if (msg) *msg = err;
  return f;
}

static void set_word(std::vector<uint8_t>& b, size_t at, uint32_t v) { memcpy(&b[at], &v, 4); }
static uint32_t get_word(const std::vector<uint8_t>& b, size_t at) { return prog::rd32(&b[at]); }

static void test_validation() {
  ProgramBuilder pb;
  uint32_t input;
  const std::vector<uint8_t> good = small_valid_program(pb, &input);
  CHECK(validate(good) == prog::kOk, "a valid program is refused");
  std::string msg;

  auto bad = good;
  bad[bad.size() / 2] ^= 0x40;
  CHECK(validate(bad, &msg) == prog::kCorrupt && msg.find("CRC32") != std::string::npos, "a flipped byte is not caught by the CRC: %s", msg.c_str());
  bad = good;
  bad.resize(bad.size() - 7);
  CHECK(validate(bad, &msg) == prog::kCorrupt && msg.find("truncated") != std::string::npos, "truncation not caught: %s", msg.c_str());
  bad = std::vector<uint8_t>(good.begin(), good.begin() + 40);
  CHECK(validate(bad) != prog::kOk, "a 40-byte stub is accepted");
  bad = good;
  set_word(bad, 4 * prog::kHVersion, 2);
  testing::reseal(bad);
  CHECK(validate(bad, &msg) == prog::kWrongVersion && msg.find("version 2") != std::string::npos, "wrong version not reported: %s", msg.c_str());
  bad = good;
  set_word(bad, 0, 0x12345678);
  CHECK(validate(bad, &msg) == prog::kInvalid && msg.find("magic") != std::string::npos, "bad magic not reported: %s", msg.c_str());

  // Structural edits with a valid CRC: each must be refused with a reason.
  const size_t tt = get_word(good, 4 * prog::kHTensorTable), lt = get_word(good, 4 * prog::kHLayerTable);
  struct Edit {
    size_t at;
    uint32_t value;
    const char* expect;
  };
  const Edit edits[] = {
      {tt + 4 * (1 * prog::kTensorWords + prog::kTChannels), 0, "outside the engine's limits"},
      {tt + 4 * (1 * prog::kTensorWords + prog::kTWidth), 5000, "outside the engine's limits"},
      {tt + 4 * (1 * prog::kTensorWords + prog::kTArenaOffset), 1u << 29, "outside the"},
      {tt + 4 * (1 * prog::kTensorWords + prog::kTZeroPoint), 200, "zero point"},
      {lt + 4 * prog::kLIn0, 7, "does not exist"},
      {tt + 4 * (1 * prog::kTensorWords + prog::kTArenaOffset), 0, "writes over its own input"},
      {lt + 4 * prog::kLWeights, 1u << 20, "outside the data section"},
      {lt + 4 * prog::kLKernel, 3 | 3 << 8 | 1 << 16 | 0 << 24, "gives"},
      {lt + 4 * prog::kLOp, 99, "unknown op"},
      {lt + 4 * prog::kLNumIn, 9, "inputs"},
      {4 * prog::kHNumLayers, 100000, "layers"},
      {4 * prog::kHArenaBytes, 10, "arena"},
  };
  for (const Edit& e : edits) {
    bad = good;
    set_word(bad, e.at, e.value);
    testing::reseal(bad);
    const prog::Fault f = validate(bad, &msg);
    CHECK(f == prog::kInvalid && msg.find(e.expect) != std::string::npos, "edit at %zu = %u: expected \"%s\", got fault %d \"%s\"", e.at, e.value, e.expect, int(f), msg.c_str());
  }

  // Hostile programs: random word edits with a valid CRC never crash validation
  // or execution (the sanitizer build checks every access).
  int accepted = 0;
  std::vector<uint8_t> tile(3 * 8 * 8, 100);
  for (int i = 0; i < 4000; ++i) {
    bad = good;
    const int edits_n = rnd(1, 3);
    for (int k = 0; k < edits_n; ++k) {
      const size_t at = size_t(rnd(16, int(bad.size()) - 4)) & ~size_t(3);
      const uint32_t choices[] = {0u, 1u, 0xFFFFFFFFu, uint32_t(rnd(0, 1 << 16)), uint32_t(rnd(0, 64)), get_word(bad, at) ^ (1u << rnd(0, 31))};
      set_word(bad, at, choices[rnd(0, 5)]);
    }
    testing::reseal(bad);
    if (validate(bad) != prog::kOk) continue;
    ++accepted;
    Executor e;
    std::string err;
    if (e.load(bad.data(), bad.size(), Simd::kScalar, 1, &err) == prog::kOk && e.tile_bytes() <= (1u << 22)) {
      std::vector<uint8_t> t(e.tile_bytes(), 7);
      e.run(t.data());
    }
  }
  CHECK(accepted < 4000, "fuzzing accepted every mutation");
  printf("  fuzz: %d of 4000 mutated programs passed validation and ran without a fault\n", accepted);
}

static void test_model_identity(const char* file) {
  FILE* f = fopen(file, "rb");
  if (!f) {
    CHECK(false, "cannot open %s", file);
    return;
  }
  std::vector<uint8_t> blob;
  uint8_t buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) blob.insert(blob.end(), buf, buf + n);
  fclose(f);
  std::vector<uint8_t> ref_out;
  for (int tile_i = 0; tile_i < 2; ++tile_i) {
    bool first = true;
    for (Simd s : paths()) {
      for (int threads : {1, 2, 4}) {
        Executor e;
        std::string err;
        CHECK(e.load(blob.data(), blob.size(), s, threads, &err) == prog::kOk, "model load: %s", err.c_str());
        std::vector<uint8_t> tile(e.tile_bytes());
        std::mt19937 r(77 + tile_i);
        for (auto& b : tile) b = uint8_t(r() & 0xFF);
        e.run(tile.data());
        std::vector<uint8_t> out;
        for (int o = 0; o < e.num_outputs(); ++o) {
          const OutputInfo i = e.output_info(o);
          std::vector<int8_t> v(size_t(i.h) * i.w * i.c);
          e.copy_output(o, v.data());
          out.insert(out.end(), v.begin(), v.end());
        }
        if (first) {
          ref_out = out;
          first = false;
          continue;
        }
        size_t bad = 0;
        for (size_t k = 0; k < out.size(); ++k) bad += out[k] != ref_out[k];
        CHECK(bad == 0, "model tile %d [%s, %d threads]: %zu of %zu output codes differ from scalar/1", tile_i, simd_name(s), threads, bad, out.size());
      }
    }
  }
}

// The fishing split (decode.h vessel_kind), with the cases src/model/decode.ts is tested on.
static void test_vessel_kind() {
  DecodeOptions o;
  CHECK(vessel_kind(0, 0.6f, 0.3f, o) == 0, "no split: the best class");
  o.vessel_cls = 0, o.fishing_cls = 1, o.fishing_share = 0.3f;
  CHECK(vessel_kind(0, 0.6f, 0.3f, o) == 1, "share 1/3 >= 0.3: fishing");
  CHECK(vessel_kind(2, 0.6f, 0.3f, o) == 2, "a non-vessel stays one");
  o.fishing_share = 0.34f;
  CHECK(vessel_kind(1, 0.6f, 0.3f, o) == 0, "share 1/3 < 0.34: vessel");
  o.fishing_share = 0.5f;
  CHECK(vessel_kind(1, 0.2f, 0.1f, o) == 0, "share 0.5: the larger");
}

// Two anchors on one hull that fall either side of the fishing share must not both survive NMS;
// a non-vessel there still does (NMS stays per class otherwise). The TS decode has the same test.
static void test_split_nms() {
  constexpr int kW = 3, kReg = 16, kNc = 3;
  int8_t box[kW][4 * kReg], cls[kW][kNc] = {{20, 10, -50}, {18, -20, -50}, {-50, -50, 15}};
  for (auto& px : box) {
    for (int i = 0; i < 4 * kReg; ++i) px[i] = (i % kReg) == 8 ? 127 : -128;  // every side 8 bins out
  }
  const HeadLevel L{&box[0][0], &cls[0][0], 1, kW, 4 * kReg, kNc, kReg, kNc, 8, 0.1f, 0.1f, 0, 0};
  DecodeOptions o;
  std::vector<Detection> d;
  decode(&L, 1, o, &d, nullptr);
  CHECK(d.size() == 2 && d[0].cls == 0 && d[1].cls == 2, "no split: one vessel, one non-vessel");
  o.vessel_cls = 0, o.fishing_cls = 1, o.fishing_share = 0.3f;
  decode(&L, 1, o, &d, nullptr);
  CHECK(d.size() == 2, "split: the vessel kinds suppress each other");
  CHECK(d.size() == 2 && d[0].cls == 1 && d[1].cls == 2, "split: the best anchor's kind (fishing) and the non-vessel");
}

// The vessel-first rule (decode.h DecodeOptions::vessel_first), as src/model/decode.ts is tested: the
// vessel kinds' score decides first, and every class is one NMS group with the vessel kinds ranked first.
static void test_vessel_first() {
  constexpr int kW = 2, kReg = 16, kNc = 3;
  // Scale 0.1, zero point 0: a code is ten times the logit (conf 0.25 is logit -1.10). Both pixels'
  // boxes reach 8 bins a side, so they overlap: one object. px 0: vessel 0.31, fishing 0.40,
  // non-vessel 0.80; px 1: vessel kinds 0.05, non-vessel 0.90.
  int8_t box[kW][4 * kReg], cls[kW][kNc] = {{-8, -4, 14}, {-30, -30, 22}};
  for (auto& px : box) {
    for (int i = 0; i < 4 * kReg; ++i) px[i] = (i % kReg) == 8 ? 127 : -128;
  }
  const HeadLevel L{&box[0][0], &cls[0][0], 1, kW, 4 * kReg, kNc, kReg, kNc, 8, 0.1f, 0.1f, 0, 0};
  const HeadLevel only_px1{&box[1][0], &cls[1][0], 1, 1, 4 * kReg, kNc, kReg, kNc, 8, 0.1f, 0.1f, 0, 0};
  const auto sig = [](float logit) { return 1.0f / (1.0f + expf(-logit)); };
  DecodeOptions o;
  std::vector<Detection> d;
  decode(&L, 1, o, &d, nullptr);
  CHECK(d.size() == 1 && d[0].cls == 2, "best class: one non-vessel");
  o.vessel_cls = 0, o.fishing_cls = 1, o.vessel_first = true;
  decode(&L, 1, o, &d, nullptr);
  CHECK(d.size() == 1 && d[0].cls == 1 && fabsf(d[0].score - sig(-0.4f)) < 1e-6f, "vessel-first: the larger vessel kind, scored by it, ranked before the non-vessel");
  o.fishing_cls = -1;
  decode(&L, 1, o, &d, nullptr);
  CHECK(d.size() == 1 && d[0].cls == 0 && fabsf(d[0].score - sig(-0.8f)) < 1e-6f, "vessel-first without fishing: vessel");
  decode(&only_px1, 1, o, &d, nullptr);
  CHECK(d.size() == 1 && d[0].cls == 2, "vessel-first: a non-vessel where the vessel kinds stay below conf");
  o.fishing_cls = 1, o.fishing_share = 0.3f;
  decode(&L, 1, o, &d, nullptr);
  CHECK(d.size() == 1 && d[0].cls == 1, "vessel-first with a split: the share decides the kind");
}

// The tiler's float32 dB → u8 formula, q = v · scale + off (each step rounded to float32),
// clipped to [0, 255] and truncated, on samples at and beside every code's rounding boundary,
// through the vector pass (rows of several blocks). A fused multiply-add rounds once and
// moves such samples by a code: the reference keeps the product rounded through a volatile,
// so this fails on any host where the build lets the compiler fuse (aarch64 does by default).
static void test_normalise_formula() {
  NormaliseParams p{-50, 20, -32768, true, false, false, false, 53.5};
  const float scale = static_cast<float>(255.0 / (p.hi - p.lo));
  const float off = static_cast<float>(-p.lo * (255.0 / (p.hi - p.lo)) + 0.5);
  std::vector<float> src;
  while (src.size() < 10000) {
    for (int k = 0; k <= 256; ++k) {
      float v = (static_cast<float>(k) - off) / scale;
      for (int step = -3; step <= 3; ++step) {
        float w = v;
        for (int i = 0; i < abs(step); ++i) w = nextafterf(w, step < 0 ? -INFINITY : INFINITY);
        src.push_back(w);
      }
    }
    src.push_back(-32768.0f);
  }
  std::vector<uint8_t> dst(src.size()), mask(src.size(), 0);
  NormaliseResult r = normalise(src.data(), SampleKind::kF32, src.size(), dst.data(), mask.data(), p);
  size_t wrong = 0, nodata = 0, first = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    const bool nd = src[i] == -32768.0f;
    nodata += nd;
    volatile float product = src[i] * scale;
    float q = product + off;
    q = q > 0.0f ? q : 0.0f;
    q = q < 255.0f ? q : 255.0f;
    const uint8_t want = nd ? 0 : static_cast<uint8_t>(static_cast<int32_t>(q));
    if (dst[i] != want || mask[i] != (nd ? 1 : 0)) {
      if (!wrong) first = i;
      ++wrong;
    }
  }
  CHECK(wrong == 0, "normalise: %zu of %zu samples differ from the float32 formula (first: %.9g gave %d)", wrong, src.size(),
        static_cast<double>(src[first]), dst[first]);
  CHECK(r.bad == -1 && static_cast<size_t>(r.nodata) == nodata, "normalise: nodata %ld (want %zu), bad %ld", r.nodata, nodata, r.bad);
}

// cut_tile: a window at the scene's right and bottom edges into a recycled
// (dirty) tile buffer: every byte is written, the window copied, the padding 0,
// and the NODATA pixels of the window (not of the padding) counted.
static void test_cut_tile() {
  const int W = 301, rows = 90, TW = 64, TH = 48, C = 2;
  std::vector<uint8_t> p0(W * rows), p1(W * rows), mask(W * rows);
  for (int i = 0; i < W * rows; ++i) {
    p0[i] = static_cast<uint8_t>(i * 7 + 3);
    p1[i] = static_cast<uint8_t>(i * 13 + 1);
    mask[i] = i % 11 == 0;
  }
  const uint8_t* planes[C] = {p0.data(), p1.data()};
  const int cases[][4] = {{0, 0, TW, TH}, {W - 37, rows - 29, 37, 29}, {5, 3, TW, 29}, {W - 1, 0, 1, TH}};
  for (const auto& k : cases) {
    const int x0 = k[0], y0 = k[1], w = k[2], h = k[3];
    std::vector<uint8_t> dst(C * TW * TH, 0xAA);
    const long nd = cut_tile(planes, C, mask.data(), W, x0, y0, w, h, TW, TH, dst.data());
    long want_nd = 0;
    size_t wrong = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) want_nd += mask[(y0 + y) * W + x0 + x];
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < TH; ++y)
        for (int x = 0; x < TW; ++x) {
          const uint8_t want = y < h && x < w ? planes[c][(y0 + y) * W + x0 + x] : 0;
          wrong += dst[(c * TH + y) * TW + x] != want;
        }
    CHECK(wrong == 0, "cut_tile (%d, %d, %d x %d): %zu bytes wrong", x0, y0, w, h, wrong);
    CHECK(nd == want_nd, "cut_tile (%d, %d, %d x %d): nodata %ld, want %ld", x0, y0, w, h, nd, want_nd);
  }
}

int main(int argc, char** argv) {
  printf("paths:");
  for (Simd s : paths()) printf(" %s", simd_name(s));
  printf("\n");
  test_conv_shapes();
  printf("conv shapes: done\n");
  test_graph_ops();
  printf("graph ops: done\n");
  test_validation();
  printf("validation: done\n");
  test_vessel_kind();
  printf("vessel kind: done\n");
  test_split_nms();
  printf("split nms: done\n");
  test_vessel_first();
  printf("vessel first: done\n");
  test_normalise_formula();
  printf("normalise formula: done\n");
  test_cut_tile();
  printf("cut tile: done\n");
  if (argc > 1) {
    test_model_identity(argv[1]);
    printf("model identity (%s): done\n", argv[1]);
  }
  printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
