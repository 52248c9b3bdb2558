// The sarwatch int8 layer engine (Vitis HLS, Kria KV260 / XCK26).
//
// Convolution: a 32 (output channels) x 32 (input channels) MAC array, weight
// stationary. For each output row and 32-channel output tile, the kernel walks
// the k-steps (kernel tap x 32-channel input tile); each k-step holds a 32x32
// weight block in registers and streams the row's pixels through the array at
// II=1, adding into one partial-sum bank per output lane. Two products that
// share an activation go through one DSP48E2 (mac2). Input rows live in a
// circular line buffer, the layer's weights in an on-chip weight buffer
// (URAM), loaded in chunks when a layer is larger. Per row, fetching the next
// input rows, computing and storing the output row overlap (DATAFLOW), and a
// tile's last k-step requantises its sums straight into the output row.
//
// Every other layer (add, concat, upsample, table, input conversion, head
// copy-out) runs the same read / compute / store row pipeline; only max-pool
// reads, computes and stores in turn.
//
// All arithmetic comes from native/include/sarwatch/quant.h, the same header
// the CPU reference engine uses, so the two cannot drift apart; the C
// simulation test bench checks every output byte against the CPU engine.
//
// Synthesis rules kept here: no dynamic allocation, recursion, function
// pointers or STL; every loop bounded (tripcounts from engine_config.h).
#include "sarwatch_engine.h"

#include <stdint.h>

#include "sarwatch/engine_config.h"
#include "sarwatch/program.h"
#include "sarwatch/quant.h"

namespace {

using namespace sarwatch;
using namespace sarwatch::engine;
namespace P = sarwatch::prog;

constexpr int kLanes = kPeOc;  // output channels in parallel
constexpr int kVec = kPeIc;    // input channels in parallel
constexpr int kDw = kLanes < kVec ? kLanes : kVec;  // depthwise channels per output tile
constexpr int kMaxKSteps = kMaxConvKernel * kMaxConvKernel * (kMaxChannels / kVec);
constexpr int kRowCap = kMaxRowBytes + 2 * kVec;  // slack: the last vector of a pixel may overhang
constexpr int kVecBytes = 16;  // elementwise layers: channels per cycle
constexpr int kInPixels = 8;   // input conversion: pixels per cycle
static_assert(kLanes % 2 == 0, "output lanes are paired for DSP packing");
static_assert(kMaxChannels % kVec == 0, "channel limit must be a whole number of input vectors");
static_assert(kWeightBufBytes % (kLanes * kVec) == 0, "weight buffer holds whole 32x32 blocks");

struct Tensor {
  int c, h, w, ps, choff, zp;
  uint32_t base;  // arena byte offset of the owning buffer
};

// ------------------------------------------------------------------ program access

uint32_t word(const word_t* prog, uint32_t byte_off) { return uint32_t(uint64_t(prog[byte_off / 4])); }
uint32_t hdr(const word_t* prog, int w) { return word(prog, 4u * uint32_t(w)); }

Tensor tensor(const word_t* prog, uint32_t t) {
  const uint32_t b = hdr(prog, P::kHTensorTable) + 4u * t * P::kTensorWords;
  Tensor r;
  r.c = int(word(prog, b + 4 * P::kTChannels));
  r.h = int(word(prog, b + 4 * P::kTHeight));
  r.w = int(word(prog, b + 4 * P::kTWidth));
  r.ps = int(word(prog, b + 4 * P::kTPixelStride));
  r.choff = int(word(prog, b + 4 * P::kTChannelOffset));
  r.zp = int32_t(word(prog, b + 4 * P::kTZeroPoint));
  r.base = word(prog, b + 4 * P::kTArenaOffset);
  return r;
}

uint32_t layer_word(const word_t* prog, uint32_t l, int w) { return word(prog, hdr(prog, P::kHLayerTable) + 4u * (l * P::kLayerWords + uint32_t(w))); }

int32_t data_i32(const word_t* prog, uint32_t data_off, int i) { return int32_t(word(prog, hdr(prog, P::kHDataOffset) + data_off + 4u * uint32_t(i))); }

// ------------------------------------------------------------------ memory helpers

// Bytes [addr, addr+n) of a 128-bit-beat port, any alignment.
void mem_read(const beat_t* mem, uint32_t addr, int n, int8_t* dst) {
  const uint32_t b0 = addr / kAxiBytes, b1 = (addr + uint32_t(n) + kAxiBytes - 1) / kAxiBytes;
read_beats:
  for (uint32_t b = b0; b < b1; ++b) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kRowCap / kAxiBytes
#pragma HLS PIPELINE II = 1
    const beat_t v = mem[b];
  read_bytes:
    for (int k = 0; k < kAxiBytes; ++k) {
#pragma HLS UNROLL
      const int32_t pos = int32_t(b * kAxiBytes + uint32_t(k)) - int32_t(addr);
      if (pos >= 0 && pos < n) dst[pos] = int8_t(uint8_t(uint64_t(v.range(8 * k + 7, 8 * k))));
    }
  }
}

// Bytes [addr, addr+n) into a 128-bit-beat port; partial edge beats are read, merged and rewritten.
void mem_write(beat_t* mem, uint32_t addr, int n, const int8_t* src) {
  const uint32_t b0 = addr / kAxiBytes, b1 = (addr + uint32_t(n) + kAxiBytes - 1) / kAxiBytes;
write_beats:
  for (uint32_t b = b0; b < b1; ++b) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kRowCap / kAxiBytes
#pragma HLS PIPELINE II = 1
    const bool partial = b * kAxiBytes < addr || (b + 1) * kAxiBytes > addr + uint32_t(n);
    beat_t v;
    if (partial) v = mem[b];
  write_bytes:
    for (int k = 0; k < kAxiBytes; ++k) {
#pragma HLS UNROLL
      const int32_t pos = int32_t(b * kAxiBytes + uint32_t(k)) - int32_t(addr);
      if (pos >= 0 && pos < n) v.range(8 * k + 7, 8 * k) = uint8_t(src[pos]);
    }
    mem[b] = v;
  }
}

// Bytes of the weight port (512-bit beats) into a local array.
void weight_read(const wbeat_t* wmem, uint32_t addr, int n, int8_t* dst) {
  const uint32_t b0 = addr / kWeightBeatBytes, b1 = (addr + uint32_t(n) + kWeightBeatBytes - 1) / kWeightBeatBytes;
weight_beats:
  for (uint32_t b = b0; b < b1; ++b) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxConvKernel * kMaxConvKernel * kMaxChannels / kWeightBeatBytes + 1
#pragma HLS PIPELINE II = 1
    const wbeat_t v = wmem[b];
  weight_bytes:
    for (int k = 0; k < kWeightBeatBytes; ++k) {
#pragma HLS UNROLL
      const int32_t pos = int32_t(b * kWeightBeatBytes + uint32_t(k)) - int32_t(addr);
      if (pos >= 0 && pos < n) dst[pos] = int8_t(uint8_t(uint64_t(v.range(8 * k + 7, 8 * k))));
    }
  }
}

// The whole row y of a view's buffer as it lies in memory.
void read_owner_row(const beat_t* fmap, const Tensor& t, int y, int8_t* raw) {
  mem_read(fmap, t.base + uint32_t(y) * uint32_t(t.w * t.ps), t.w * t.ps, raw);
}

// One row of a tensor view: channels [choff, choff+c) of each pixel, packed densely (HWC, stride c).
void read_row(const beat_t* fmap, const Tensor& t, int y, int8_t* raw, int8_t* dst) {
  if (t.ps == t.c && t.choff == 0) {
    // A whole buffer (not a channel view): the row is already dense, read it in place.
    mem_read(fmap, t.base + uint32_t(y) * uint32_t(t.w * t.c), t.w * t.c, dst);
    return;
  }
  read_owner_row(fmap, t, y, raw);
gather_px:
  for (int x = 0; x < t.w; ++x) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxOutWidth
  gather_ch:
    for (int c0 = 0; c0 < t.c; c0 += kVecBytes) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxChannels / kVecBytes
#pragma HLS PIPELINE II = 1
    gather_lanes:
      for (int k = 0; k < kVecBytes; ++k) {
        if (c0 + k < t.c) dst[x * t.c + c0 + k] = raw[x * t.ps + t.choff + c0 + k];
      }
    }
  }
}

void write_row(beat_t* fmap, const Tensor& t, int y, const int8_t* src) {
  // Layer outputs are whole buffers (checked by the host): one contiguous row.
  mem_write(fmap, t.base + uint32_t(y) * uint32_t(t.w * t.c), t.w * t.c, src);
}

// ------------------------------------------------------------------ the MAC pair

// a·w_hi and a·w_lo from one 27x18 multiply (one DSP48E2): (w_hi·2^18 + w_lo)·a
// = a·w_hi·2^18 + a·w_lo. The low 18 bits hold a·w_lo exactly (|a·w_lo| ≤ 2^14),
// and the high part is a·w_hi less one when a·w_lo is negative.
inline void mac2(int8_t w_hi, int8_t w_lo, int8_t a, int32_t& acc_hi, int32_t& acc_lo) {
#pragma HLS INLINE
  const ap_int<27> packed = (ap_int<27>(w_hi) << 18) + ap_int<27>(w_lo);
  const ap_int<45> p = packed * ap_int<8>(a);
  const ap_int<18> lo = p.range(17, 0);
  const ap_int<27> hi = ap_int<27>(p >> 18) + ap_int<27>(lo < 0 ? 1 : 0);
  acc_lo += int32_t(lo);
  acc_hi += int32_t(hi);
}

// ------------------------------------------------------------------ layers

typedef ap_uint<8 * kVec> vec_t;       // one 32-byte weight vector
constexpr int kWeightWords = kWeightBufBytes / kVec;
vec_t g_weights[kWeightWords];         // [oc tile][k-step][lane] vectors (URAM: 8 x 4K x 72 bit)
int8_t g_line[kLineRows][kRowCap];  // input rows, dense HWC (BRAM)
int g_line_row[kLineRows];          // which input row each slot holds (−1: none)
int32_t g_psum[kLanes][kMaxOutWidth];  // one bank per output lane (BRAM)
int8_t g_raw[kRowCap];          // a view's buffer row before its gather
int8_t g_conv_out[2][kRowCap];  // output rows of every layer, ping-pong (DATAFLOW)
int32_t g_bias[kMaxChannels], g_mult[kMaxChannels], g_shift[kMaxChannels];
int8_t g_lut[256];

void ensure_row(const beat_t* fmap, const Tensor& in, int iy) {
  const int slot = iy % kLineRows;
  if (g_line_row[slot] == iy) return;
  read_row(fmap, in, iy, g_raw, g_line[slot]);
  g_line_row[slot] = iy;
}

void reset_lines() {
reset_slots:
  for (int s = 0; s < kLineRows; ++s) {
#pragma HLS UNROLL
    g_line_row[s] = -1;
  }
}

void load_lut(const word_t* prog, uint32_t off) {
load_lut_words:
  for (int i = 0; i < 64; ++i) {
#pragma HLS PIPELINE II = 1
    const uint32_t w = uint32_t(data_i32(prog, off, i));
    for (int k = 0; k < 4; ++k) g_lut[4 * i + k] = int8_t(uint8_t(w >> (8 * k)));
  }
}

// Tap packing: a layer with few input channels (cin_g <= kVec / 2, e.g. the
// first convolution's 2 channels) puts `pack` = kVec / cin_g kernel taps side
// by side in the kVec input lanes, so a 3x3 convolution of 2 channels takes one
// k-step instead of nine. Lane i of k-step ks then reads tap (ks / ict) * pack
// + i / cin_g, channel i % cin_g. Unpacked layers have pack = 1 and read kVec
// consecutive channels of one tap. Either way each product is summed once
// into the same int32 accumulator, so the bytes are the CPU engine's.
//
// Tile groups: an output tile reads the input channels of one tile group and
// writes its output channels. For a dense or grouped layer that is one
// convolution group (cin_t = cin_g, cout_t = cout_g). A depthwise layer
// (one input and one output channel per group) would light one output lane of
// kLanes that way, so kDw of its groups share a tile instead: lane l's weights
// are zero except in input slot l (a block-diagonal block), and a k-step does
// kDw channels' taps. Zero weights add nothing, so the sums are the same.
struct ConvShape {
  int kh, kw, s, pad, cin_t, cout_t, ict, oct, ksteps, pack;
  bool has_lut;
  int32_t pre_zp;
  int t0, t1;  // output tiles of the weight chunk in the buffer
  // Packed layers: lane i carries tap group member lane_sub[i], channel lane_ci[i]
  // (tabulated once per layer, so no lane divides at run time).
  int lane_sub[kVec], lane_ci[kVec];
};

// Input rows that output row y reads, into the line buffer (slots of rows y
// does not use are free: 5 slots hold a 3x3 window and the next row's rows).
void conv_fetch(const beat_t* fmap, const Tensor& in, const ConvShape& c, int y, int out_h) {
  if (y < 0 || y >= out_h) return;
fetch_rows:
  for (int ky = 0; ky < c.kh; ++ky) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxConvKernel
    const int iy = y * c.s - c.pad + ky;
    if (iy >= 0 && iy < in.h) ensure_row(fmap, in, iy);
  }
}

// One weight vector (kVec int8) into a lane of a weight bank.
inline void load_lane(int8_t* dst, const vec_t& v) {
#pragma HLS INLINE
  for (int i = 0; i < kVec; ++i) dst[i] = int8_t(uint8_t(uint64_t(v.range(8 * i + 7, 8 * i))));
}

// What the last k-step of an output tile needs to requantise its sums
// straight into the output row (lane registers, loaded with the biases).
struct TileOut {
  int32_t mult[kLanes], shift[kLanes];
  int co0;    // output channel of lane 0
  int valid;  // lanes that carry an output channel
  int stride; // output row: channels per pixel
  int32_t zp; // the pre-activation code with a table, else the output code
  bool lut;
};

// One finished sum: requantised (and looked up) into its output channel.
inline void emit(const TileOut& to, int8_t* out_row, int lane, int x, int32_t acc) {
#pragma HLS INLINE
  if (lane < to.valid) {
    const int8_t v = q8::requantize(acc, to.mult[lane], to.shift[lane], to.zp);
    out_row[x * to.stride + to.co0 + lane] = to.lut ? q8::apply_lut(g_lut, v) : v;
  }
}

// The MAC array on one input vector: kLanes output lanes, DSP-packed in pairs,
// added to the partial sums (or, in a tile's first k-step, to the biases). In
// the tile's last k-step the sums go through requantisation into the output
// row instead of back to the partial-sum banks, so no separate pass is needed.
inline void mac_array(const int8_t wreg[kLanes][kVec], const int8_t a[kVec], int x, const int32_t* bias, bool last, const TileOut& to, int8_t* out_row) {
#pragma HLS INLINE
lanes:
  for (int lane = 0; lane < kLanes; lane += 2) {
    int32_t hi = 0, lo = 0;
  dot:
    for (int i = 0; i < kVec; ++i) mac2(wreg[lane][i], wreg[lane + 1][i], a[i], hi, lo);
    const int32_t s_hi = (bias ? bias[lane] : g_psum[lane][x]) + hi;
    const int32_t s_lo = (bias ? bias[lane + 1] : g_psum[lane + 1][x]) + lo;
    if (last) {
      emit(to, out_row, lane, x, s_hi);
      emit(to, out_row, lane + 1, x, s_lo);
    } else {
      g_psum[lane][x] = s_hi;
      g_psum[lane + 1][x] = s_lo;
    }
  }
}

// Loads what the pixel loop did not reach of the next weight block (layers narrower than kLanes).
inline void finish_block(int8_t wreg[2][kLanes][kVec], int bank, bool more, uint32_t next, int from) {
#pragma HLS INLINE
finish_lanes:
  for (int lane = from; lane < kLanes; ++lane) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = kLanes
#pragma HLS PIPELINE II = 1
    if (more) load_lane(wreg[bank ^ 1][lane], g_weights[next + uint32_t(lane)]);
  }
}

// Unpacked k-step: kVec consecutive channels (vector j) of one tap for every output pixel.
void conv_pixels(const Tensor& in, const Tensor& out, const ConvShape& c, int y, int tap, int j, int8_t wreg[2][kLanes][kVec], int bank, bool more,
                 uint32_t next, int g, const int32_t* bias, bool last, const TileOut& to, int8_t* out_row) {
  const int ky = tap / c.kw, kx = tap % c.kw;
  const int iy = y * c.s - c.pad + ky;
  const bool row_ok = iy >= 0 && iy < in.h;
  const int slot = row_ok ? iy % kLineRows : 0;
  const int cbase = g * c.cin_t + j * kVec;
  const int left = (c.cin_t - j * kVec < in.c - cbase) ? c.cin_t - j * kVec : in.c - cbase;  // the last depthwise tile may be short
  const int nvec = left < kVec ? left : kVec;
pixels:
  for (int x = 0; x < out.w; ++x) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxOutWidth
#pragma HLS PIPELINE II = 1
    if (more && x < kLanes) load_lane(wreg[bank ^ 1][x], g_weights[next + uint32_t(x)]);
    const int ix = x * c.s - c.pad + kx;
    const bool ok = row_ok && ix >= 0 && ix < in.w;
    int8_t a[kVec];
#pragma HLS ARRAY_PARTITION variable = a complete
  gather:
    for (int i = 0; i < kVec; ++i) a[i] = ok && i < nvec ? g_line[slot][ix * in.c + cbase + i] : int8_t(in.zp);
    mac_array(wreg[bank], a, x, bias, last, to, out_row);
  }
  finish_block(wreg, bank, more, next, out.w);
}

constexpr int kPackMaxCin = kVec / 2;  // packing pays from two taps per k-step

// Window pixel (ky, ix) of output row y: cin_g channels of group g from the line buffer, zp outside the input.
inline void window_pixel(const Tensor& in, const ConvShape& c, int y, int g, int ky, int ix, int8_t* dst) {
#pragma HLS INLINE
  const int iy = y * c.s - c.pad + ky;
  const bool ok = iy >= 0 && iy < in.h && ix >= 0 && ix < in.w;
  const int slot = ok ? iy % kLineRows : 0;
window_ch:
  for (int ci = 0; ci < kPackMaxCin; ++ci) dst[ci] = ok && ci < c.cin_t ? g_line[slot][ix * in.c + g * c.cin_t + ci] : int8_t(in.zp);
}

// Packed k-step: taps [tg·pack, tg·pack + pack) side by side in the input lanes.
// A kh × kw window of pixels (cin_g <= kPackMaxCin channels each) slides along
// the row: each output pixel shifts it by the stride and reads the new columns,
// min(stride, kw) pixels per window row, from the line buffer.
void conv_pixels_packed(const Tensor& in, const Tensor& out, const ConvShape& c, int y, int tg, int8_t wreg[2][kLanes][kVec], int bank, bool more,
                        uint32_t next, int g, const int32_t* bias, bool last, const TileOut& to, int8_t* out_row) {
  int8_t win[kMaxConvKernel][kMaxConvKernel][kPackMaxCin];
#pragma HLS ARRAY_PARTITION variable = win complete dim = 0
  const int fresh = c.s < c.kw ? c.s : c.kw;  // new columns per output pixel
  // Where each input lane reads the window in this k-step.
  int lane_ky[kVec], lane_kx[kVec], lane_ci[kVec];
  bool lane_used[kVec];
#pragma HLS ARRAY_PARTITION variable = lane_ky complete
#pragma HLS ARRAY_PARTITION variable = lane_kx complete
#pragma HLS ARRAY_PARTITION variable = lane_ci complete
#pragma HLS ARRAY_PARTITION variable = lane_used complete
lane_map:
  for (int i = 0; i < kVec; ++i) {
#pragma HLS UNROLL
    const int tap = tg * c.pack + c.lane_sub[i];
    lane_used[i] = c.lane_sub[i] < c.pack && tap < c.kh * c.kw;
    lane_ky[i] = lane_used[i] ? tap / c.kw : 0;
    lane_kx[i] = lane_used[i] ? tap % c.kw : 0;
    lane_ci[i] = c.lane_ci[i];
  }
  // Prime the columns that output pixel 0 shares with a virtual pixel −1.
prime_rows:
  for (int ky = 0; ky < c.kh; ++ky) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxConvKernel
  prime_cols:
    for (int kx = fresh; kx < c.kw; ++kx) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = kMaxConvKernel
      window_pixel(in, c, y, g, ky, -c.s - c.pad + kx, win[ky][kx]);
    }
  }
pixels_packed:
  for (int x = 0; x < out.w; ++x) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxOutWidth
#pragma HLS PIPELINE II = 1
    if (more && x < kLanes) load_lane(wreg[bank ^ 1][x], g_weights[next + uint32_t(x)]);
  shift_rows:
    for (int ky = 0; ky < kMaxConvKernel; ++ky) {
    shift_cols:
      for (int kx = 0; kx < kMaxConvKernel; ++kx) {
        if (ky < c.kh && kx + fresh < c.kw) {
          for (int ci = 0; ci < kPackMaxCin; ++ci) win[ky][kx][ci] = win[ky][kx + fresh][ci];
        }
      }
    load_cols:
      for (int kx = 0; kx < kMaxConvKernel; ++kx) {
        if (ky < c.kh && kx >= c.kw - fresh && kx < c.kw) window_pixel(in, c, y, g, ky, x * c.s - c.pad + kx, win[ky][kx]);
      }
    }
    int8_t a[kVec];
#pragma HLS ARRAY_PARTITION variable = a complete
  lanes_in:
    for (int i = 0; i < kVec; ++i) a[i] = lane_used[i] ? win[lane_ky[i]][lane_kx[i]][lane_ci[i]] : int8_t(in.zp);
    mac_array(wreg[bank], a, x, bias, last, to, out_row);
  }
  finish_block(wreg, bank, more, next, out.w);
}

// Output row y through the MAC array into a ping-pong output row.
void conv_compute(const Tensor& in, const Tensor& out, const ConvShape& c, int y, int8_t* out_row) {
  if (y < 0 || y >= out.h) return;
out_tiles:
  for (int t = c.t0; t < c.t1; ++t) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8
    const int g = t / c.oct, ot = t % c.oct;
    // Weight blocks are double-buffered: the pixel loop of k-step ks loads
    // k-step ks + 1's block (one lane per cycle) into the other bank. The
    // first k-step starts each partial sum from the lane's bias; the last one
    // requantises with the lane's multiplier and shift.
    int8_t wreg[2][kLanes][kVec];
#pragma HLS ARRAY_PARTITION variable = wreg complete dim = 0
    int32_t bias[kLanes];
#pragma HLS ARRAY_PARTITION variable = bias complete
    TileOut to;
#pragma HLS ARRAY_PARTITION variable = to.mult complete
#pragma HLS ARRAY_PARTITION variable = to.shift complete
    to.co0 = g * c.cout_t + ot * kLanes;
    const int left = (c.cout_t - ot * kLanes < out.c - to.co0) ? c.cout_t - ot * kLanes : out.c - to.co0;
    to.valid = left < kLanes ? left : kLanes;
    to.stride = out.c;
    to.zp = c.has_lut ? c.pre_zp : out.zp;
    to.lut = c.has_lut;
  first_block:
    for (int lane = 0; lane < kLanes; ++lane) {
#pragma HLS PIPELINE II = 1
      load_lane(wreg[0][lane], g_weights[((t - c.t0) * c.ksteps) * kLanes + lane]);
      const bool valid = lane < to.valid;
      bias[lane] = valid ? g_bias[to.co0 + lane] : 0;
      to.mult[lane] = valid ? g_mult[to.co0 + lane] : 0;
      to.shift[lane] = valid ? g_shift[to.co0 + lane] : 1;
    }
  ksteps_loop:
    for (int ks = 0; ks < c.ksteps; ++ks) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxKSteps
      const int bank = ks & 1;
      const bool more = ks + 1 < c.ksteps;
      const uint32_t next = uint32_t(((t - c.t0) * c.ksteps + ks + 1) * kLanes);
      const int tg = ks / c.ict, j = ks % c.ict;
      const int32_t* seed = ks == 0 ? bias : nullptr;
      if (c.pack > 1) {
        conv_pixels_packed(in, out, c, y, tg, wreg, bank, more, next, g, seed, !more, to, out_row);
      } else {
        conv_pixels(in, out, c, y, tg, j, wreg, bank, more, next, g, seed, !more, to, out_row);
      }
    }
  }
}

// Row y of a layer's output from its ping-pong row (every layer's last stage).
void store_row(beat_t* fmap, const Tensor& out, int y, const int8_t* out_row) {
  if (y < 0 || y >= out.h) return;
  write_row(fmap, out, y, out_row);
}

// One step of the row pipeline: fetch for y + 1, compute y, store y − 1.
// Under DATAFLOW the three overlap; they touch disjoint line-buffer slots
// and opposite ping-pong rows, so running them in any order gives the same bytes.
void conv_row_step(beat_t* fmap, const Tensor& in, const Tensor& out, const ConvShape& c, int y) {
#pragma HLS DATAFLOW
  if (y == 0) conv_fetch(fmap, in, c, 0, out.h);
  conv_fetch(fmap, in, c, y + 1, out.h);
  conv_compute(in, out, c, y, g_conv_out[y & 1]);
  store_row(fmap, out, y - 1, g_conv_out[(y + 1) & 1]);
}

void run_conv(const word_t* prog, const wbeat_t* wmem, beat_t* fmap, uint32_t l) {
  const Tensor in = tensor(prog, layer_word(prog, l, P::kLIn0));
  const Tensor out = tensor(prog, layer_word(prog, l, P::kLOut));
  const uint32_t k = layer_word(prog, l, P::kLKernel);
  const int kh = P::kernel_h(k), kw = P::kernel_w(k), s = P::kernel_stride(k), pad = P::kernel_pad(k);
  const int groups = int(layer_word(prog, l, P::kLGroups));
  const int cin_g = in.c / groups, cout_g = out.c / groups;
  const bool dw = P::is_depthwise(groups, in.c, out.c);
  // Tile groups (see ConvShape): kDw depthwise channels each, else one convolution group.
  const int tgroups = dw ? (groups + kDw - 1) / kDw : groups;
  const int cin_t = dw ? kDw : cin_g, cout_t = dw ? kDw : cout_g;
  const int taps = kh * kw, ict = (cin_t + kVec - 1) / kVec, oct = (cout_t + kLanes - 1) / kLanes;
  const int pack = cin_t <= kPackMaxCin && kh <= kMaxConvKernel && kw <= kMaxConvKernel ? kVec / cin_t : 1;
  const int ksteps = (taps + pack - 1) / pack * ict;
  const uint32_t w_off = hdr(prog, P::kHDataOffset) + layer_word(prog, l, P::kLWeights);
  const uint32_t b_off = layer_word(prog, l, P::kLBias), m_off = layer_word(prog, l, P::kLMult), s_off = layer_word(prog, l, P::kLShift);
  const bool has_lut = layer_word(prog, l, P::kLLut) != P::kNone;
  const int32_t pre_zp = int32_t(layer_word(prog, l, P::kLPreZp));
  if (has_lut) load_lut(prog, layer_word(prog, l, P::kLLut));
load_requant:
  for (int c = 0; c < out.c; ++c) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxChannels
#pragma HLS PIPELINE II = 1
    g_bias[c] = data_i32(prog, b_off, c);
    g_mult[c] = data_i32(prog, m_off, c);
    g_shift[c] = data_i32(prog, s_off, c);
  }
  ConvShape sh{kh, kw, s, pad, cin_t, cout_t, ict, oct, ksteps, pack, has_lut, pre_zp, 0, 0, {}, {}};
lane_tables:
  for (int i = 0; i < kVec; ++i) {
#pragma HLS PIPELINE II = 1
    sh.lane_sub[i] = pack > 1 ? i / cin_t : 0;
    sh.lane_ci[i] = pack > 1 ? i % cin_t : i;
  }
  const int tiles_total = tgroups * oct;
  const int block = kLanes * kVec;
  const int tiles_per_chunk = kWeightBufBytes / (block * ksteps);
  int8_t wsrc[kMaxConvKernel * kMaxConvKernel * kMaxChannels];
chunks:
  for (int t0 = 0; t0 < tiles_total; t0 += tiles_per_chunk) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8
    const int t1 = t0 + tiles_per_chunk < tiles_total ? t0 + tiles_per_chunk : tiles_total;
    // Weights of this chunk's output tiles into the buffer, zero where a lane or vector slot is unused.
  load_tiles:
    for (int t = t0; t < t1; ++t) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8
      const int g = t / oct, ot = t % oct;
    load_lanes:
      for (int lane = 0; lane < kLanes; ++lane) {
        const int co_t = ot * kLanes + lane;  // output channel within the tile group
        const int co = g * cout_t + co_t;
        const bool valid = co_t < cout_t && co < out.c;
        if (valid) weight_read(wmem, w_off + uint32_t(co * taps * cin_g), taps * cin_g, wsrc);
      load_ksteps:
        for (int ks = 0; ks < ksteps; ++ks) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxKSteps
          const int tg = ks / ict, j = ks % ict;
#pragma HLS PIPELINE II = 1
          vec_t v;
        load_vec:
          for (int i = 0; i < kVec; ++i) {
#pragma HLS UNROLL
            // Packed: lane i holds tap tg·pack + i / cin_t, channel i % cin_t; else tap tg, channel j·kVec + i.
            // Depthwise: output lane `lane` takes only its own channel, input slot `lane`.
            const int sub = sh.lane_sub[i];
            const int ci = pack > 1 ? sh.lane_ci[i] : j * kVec + i;
            const int tap = tg * pack + sub;
            const bool used = valid && sub < pack && tap < taps && (dw ? ci == co_t : ci < cin_g);
            v.range(8 * i + 7, 8 * i) = uint8_t(used ? wsrc[dw ? tap : tap * cin_g + ci] : int8_t(0));
          }
          g_weights[((t - t0) * ksteps + ks) * kLanes + lane] = v;
        }
      }
    }
    reset_lines();
    sh.t0 = t0;
    sh.t1 = t1;
  rows:
    // One extra step drains the last row: step y prefetches row y + 1's
    // inputs, computes row y and stores row y − 1, in a DATAFLOW region.
    for (int y = 0; y <= out.h; ++y) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxHeight + 1
      conv_row_step(fmap, in, out, sh, y);
    }
  }
}

// ------------------------------------------------------------------ row pipelines of the other layers
//
// Like convolutions, every other layer runs its rows as a DATAFLOW: step y
// reads row y + 1's inputs, computes row y and stores row y − 1. Inputs land in
// line-buffer slots (free outside convolutions and max-pool), alternating by
// row parity; output rows alternate in g_conv_out. Views are read as their
// buffer's whole row and indexed in place (channel offset, pixel stride), so
// no gather pass is needed.

// An add (two inputs, requantised) or a table lookup (one input).
struct Elementwise {
  Tensor a, b;
  bool add;
  bool shared;  // both inputs are views of one buffer: its row is read once
  int32_t ma, mb, n;
};

void ew_read(const beat_t* fmap, const Elementwise& e, int y, int8_t* raw_a, int8_t* raw_b) {
  if (y < 0 || y >= e.a.h) return;
  read_owner_row(fmap, e.a, y, raw_a);
  if (e.add && !e.shared) read_owner_row(fmap, e.b, y, raw_b);
}

void ew_compute(const Elementwise& e, const Tensor& out, int y, const int8_t* raw_a, const int8_t* raw_b, int8_t* out_row) {
  if (y < 0 || y >= out.h) return;
  const int8_t* rb = e.shared ? raw_a : raw_b;
ew_px:
  for (int x = 0; x < out.w; ++x) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxOutWidth
  ew_ch:
    for (int c0 = 0; c0 < out.c; c0 += kVecBytes) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxChannels / kVecBytes
#pragma HLS PIPELINE II = 1
    ew_lanes:
      for (int k = 0; k < kVecBytes; ++k) {
        const int c = c0 + k;
        if (c < out.c) {
          const int8_t va = raw_a[x * e.a.ps + e.a.choff + c];
          out_row[x * out.c + c] = e.add ? q8::add_requantize(va, e.a.zp, e.ma, rb[x * e.b.ps + e.b.choff + c], e.b.zp, e.mb, e.n, out.zp) : q8::apply_lut(g_lut, va);
        }
      }
    }
  }
}

void ew_row_step(beat_t* fmap, const Elementwise& e, const Tensor& out, int y) {
#pragma HLS DATAFLOW
  if (y == 0) ew_read(fmap, e, 0, g_line[0], g_line[2]);
  ew_read(fmap, e, y + 1, g_line[(y + 1) & 1], g_line[2 + ((y + 1) & 1)]);
  ew_compute(e, out, y, g_line[y & 1], g_line[2 + (y & 1)], g_conv_out[y & 1]);
  store_row(fmap, out, y - 1, g_conv_out[(y + 1) & 1]);
}

void run_elementwise(const word_t* prog, beat_t* fmap, uint32_t l, bool add) {
  Elementwise e;
  e.a = tensor(prog, layer_word(prog, l, P::kLIn0));
  e.b = add ? tensor(prog, layer_word(prog, l, P::kLIn1)) : e.a;
  e.add = add;
  e.shared = add && e.b.base == e.a.base;
  e.ma = e.mb = e.n = 0;
  if (add) {
    const uint32_t m_off = layer_word(prog, l, P::kLMult), s_off = layer_word(prog, l, P::kLShift);
    e.ma = data_i32(prog, m_off, 0);
    e.mb = data_i32(prog, m_off, 1);
    e.n = data_i32(prog, s_off, 0);
  } else {
    load_lut(prog, layer_word(prog, l, P::kLLut));
  }
  const Tensor out = tensor(prog, layer_word(prog, l, P::kLOut));
ew_rows:
  for (int y = 0; y <= out.h; ++y) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxHeight + 1
    ew_row_step(fmap, e, out, y);
  }
}

// One concat input: where its buffer's row sits in the staging row, where its channels go.
struct ConcatIn {
  Tensor t;
  int stage_off;  // byte offset of its buffer's row in the staging row
  int out_off;    // first output channel
  bool read;      // false: the previous input's buffer row is this one's too
  int32_t m, n;   // requantisation (m = 0: same code, copied)
};

void concat_read(const beat_t* fmap, const ConcatIn ins[kMaxInputs], int n_in, int y, int h, int8_t* stage) {
  if (y < 0 || y >= h) return;
concat_reads:
  for (int i = 0; i < n_in; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxInputs
    if (ins[i].read) read_owner_row(fmap, ins[i].t, y, stage + ins[i].stage_off);
  }
}

void concat_copy(const ConcatIn ins[kMaxInputs], int n_in, const Tensor& out, int y, const int8_t* stage, int8_t* out_row) {
  if (y < 0 || y >= out.h) return;
concat_inputs:
  for (int i = 0; i < n_in; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxInputs
    const ConcatIn& in = ins[i];
  concat_px:
    for (int x = 0; x < out.w; ++x) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxOutWidth
    concat_ch:
      for (int c0 = 0; c0 < in.t.c; c0 += kVecBytes) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxChannels / kVecBytes
#pragma HLS PIPELINE II = 1
      concat_lanes:
        for (int k = 0; k < kVecBytes; ++k) {
          const int c = c0 + k;
          if (c < in.t.c) {
            const int8_t q = stage[in.stage_off + x * in.t.ps + in.t.choff + c];
            out_row[x * out.c + in.out_off + c] = in.m == 0 ? q : q8::requantize(q - in.t.zp, in.m, in.n, out.zp);
          }
        }
      }
    }
  }
}

void concat_row_step(beat_t* fmap, const ConcatIn ins[kMaxInputs], int n_in, const Tensor& out, int y) {
#pragma HLS DATAFLOW
  if (y == 0) concat_read(fmap, ins, n_in, 0, out.h, g_line[0]);
  concat_read(fmap, ins, n_in, y + 1, out.h, g_line[(y + 1) & 1]);
  concat_copy(ins, n_in, out, y, g_line[y & 1], g_conv_out[y & 1]);
  store_row(fmap, out, y - 1, g_conv_out[(y + 1) & 1]);
}

void run_concat(const word_t* prog, beat_t* fmap, uint32_t l) {
  const Tensor out = tensor(prog, layer_word(prog, l, P::kLOut));
  const int n_in = int(layer_word(prog, l, P::kLNumIn));
  const uint32_t m_off = layer_word(prog, l, P::kLMult), s_off = layer_word(prog, l, P::kLShift);
  ConcatIn ins[kMaxInputs];
  int stage = 0, ch = 0;
concat_setup:
  for (int i = 0; i < n_in; ++i) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxInputs
    ins[i].t = tensor(prog, layer_word(prog, l, P::kLIn0 + i));
    // Consecutive views of one buffer (a split's halves) share one read of its row.
    ins[i].read = i == 0 || ins[i].t.base != ins[i - 1].t.base;
    if (ins[i].read) {
      ins[i].stage_off = stage;
      stage += ins[i].t.w * ins[i].t.ps;
    } else {
      ins[i].stage_off = ins[i - 1].stage_off;
    }
    ins[i].out_off = ch;
    ch += ins[i].t.c;
    ins[i].m = data_i32(prog, m_off, i);
    ins[i].n = data_i32(prog, s_off, i);
  }
concat_rows:
  for (int y = 0; y <= out.h; ++y) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxHeight + 1
    concat_row_step(fmap, ins, n_in, out, y);
  }
}

void run_maxpool(const word_t* prog, beat_t* fmap, uint32_t l) {
  const Tensor in = tensor(prog, layer_word(prog, l, P::kLIn0)), out = tensor(prog, layer_word(prog, l, P::kLOut));
  const uint32_t k = layer_word(prog, l, P::kLKernel);
  const int kk = P::kernel_h(k), s = P::kernel_stride(k), pad = P::kernel_pad(k);
  reset_lines();
pool_rows:
  for (int y = 0; y < out.h; ++y) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxHeight
  pool_fetch:
    for (int ky = 0; ky < kk; ++ky) {
      const int iy = y * s - pad + ky;
      if (iy >= 0 && iy < in.h) ensure_row(fmap, in, iy);
    }
  pool_px:
    for (int x = 0; x < out.w; ++x) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxOutWidth
    pool_ch:
      for (int c0 = 0; c0 < out.c; c0 += kVecBytes) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxChannels / kVecBytes
#pragma HLS PIPELINE II = 1
      pool_lanes:
        for (int k = 0; k < kVecBytes; ++k) {
          const int c = c0 + k;
          if (c >= out.c) continue;
          int8_t m = -128;  // padding never wins
        pool_win:
          for (int ky = 0; ky < kk; ++ky) {
            for (int kx = 0; kx < kk; ++kx) {
              const int iy = y * s - pad + ky, ix = x * s - pad + kx;
              if (iy >= 0 && iy < in.h && ix >= 0 && ix < in.w) {
                const int8_t v = g_line[iy % kLineRows][ix * in.c + c];
                m = v > m ? v : m;
              }
            }
          }
          g_conv_out[0][x * out.c + c] = m;
        }
      }
    }
    write_row(fmap, out, y, g_conv_out[0]);
  }
}

void up_expand(const beat_t* fmap, const Tensor& in, const Tensor& out, int f, int y, int8_t* raw, int8_t* out_row) {
  if (y < 0 || y >= out.h) return;
  if (y % f == 0) read_owner_row(fmap, in, y / f, raw);  // the next f output rows repeat it
up_px:
  for (int x = 0; x < out.w; ++x) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxOutWidth
    const int src = (x / f) * in.ps + in.choff;
  up_ch:
    for (int c0 = 0; c0 < out.c; c0 += kVecBytes) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxChannels / kVecBytes
#pragma HLS PIPELINE II = 1
    up_lanes:
      for (int k = 0; k < kVecBytes; ++k) {
        if (c0 + k < out.c) out_row[x * out.c + c0 + k] = raw[src + c0 + k];
      }
    }
  }
}

void up_row_step(beat_t* fmap, const Tensor& in, const Tensor& out, int f, int y) {
#pragma HLS DATAFLOW
  up_expand(fmap, in, out, f, y, g_raw, g_conv_out[y & 1]);
  store_row(fmap, out, y - 1, g_conv_out[(y + 1) & 1]);
}

void run_upsample(const word_t* prog, beat_t* fmap, uint32_t l) {
  const Tensor in = tensor(prog, layer_word(prog, l, P::kLIn0)), out = tensor(prog, layer_word(prog, l, P::kLOut));
  const int f = int(layer_word(prog, l, P::kLKernel));
up_rows:
  for (int y = 0; y <= out.h; ++y) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxHeight + 1
    up_row_step(fmap, in, out, f, y);
  }
}

// Input conversion: planar u8 tile → HWC codes (pixel − 128) in the input tensor.
void in_read(const beat_t* tile, const Tensor& t, int y, int8_t* planes) {
  if (y < 0 || y >= t.h) return;
in_planes:
  for (int c = 0; c < t.c; ++c) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 3
    mem_read(tile, uint32_t((c * t.h + y) * t.w), t.w, planes + c * t.w);
  }
}

void in_interleave(const Tensor& t, int y, const int8_t* planes, int8_t* out_row) {
  if (y < 0 || y >= t.h) return;
in_codes:
  for (int i0 = 0; i0 < t.w * t.c; i0 += kVecBytes) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxWidth * 3 / kVecBytes
#pragma HLS PIPELINE II = 1
  in_lanes:
    for (int k = 0; k < kVecBytes; ++k) {
      const int i = i0 + k, x = i / t.c, c = i % t.c;
      if (i < t.w * t.c) out_row[i] = int8_t(int(uint8_t(planes[c * t.w + x])) - 128);
    }
  }
}

void in_row_step(const beat_t* tile, beat_t* fmap, const Tensor& t, int y) {
#pragma HLS DATAFLOW
  if (y == 0) in_read(tile, t, 0, g_line[0]);
  in_read(tile, t, y + 1, g_line[(y + 1) & 1]);
  in_interleave(t, y, g_line[y & 1], g_conv_out[y & 1]);
  store_row(fmap, t, y - 1, g_conv_out[(y + 1) & 1]);
}

void run_input(const word_t* prog, const beat_t* tile, beat_t* fmap) {
  const Tensor t = tensor(prog, hdr(prog, P::kHInputTensor));
in_rows:
  for (int y = 0; y <= t.h; ++y) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxHeight + 1
    in_row_step(tile, fmap, t, y);
  }
}

// Head outputs to the heads port, each starting on a beat boundary.
void heads_read(const beat_t* fmap, const Tensor& t, int y, int8_t* row) {
  if (y < 0 || y >= t.h) return;
  read_row(fmap, t, y, g_raw, row);
}

void heads_write(beat_t* heads, uint32_t off, const Tensor& t, int y, const int8_t* row) {
  if (y < 0 || y >= t.h) return;
  mem_write(heads, off + uint32_t(y * t.w * t.c), t.w * t.c, row);
}

void heads_row_step(beat_t* fmap, beat_t* heads, uint32_t off, const Tensor& t, int y) {
#pragma HLS DATAFLOW
  heads_read(fmap, t, y, g_conv_out[y & 1]);
  heads_write(heads, off, t, y - 1, g_conv_out[(y + 1) & 1]);
}

void copy_heads(const word_t* prog, beat_t* fmap, beat_t* heads) {
  uint32_t off = 0;
heads_outputs:
  for (uint32_t o = 0; o < hdr(prog, P::kHNumOutputs); ++o) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
    const uint32_t id = word(prog, hdr(prog, P::kHOutputTable) + 4u * (o * P::kOutputWords + P::kOTensor));
    const Tensor t = tensor(prog, id);
  heads_rows:
    for (int y = 0; y <= t.h; ++y) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = kMaxHeight + 1
      heads_row_step(fmap, heads, off, t, y);
    }
    off += (uint32_t(t.h * t.w * t.c) + kAxiBytes - 1) / kAxiBytes * kAxiBytes;
  }
}

}  // namespace

extern "C" void sarwatch_engine(const word_t* program, const wbeat_t* weights, const beat_t* tile, beat_t* fmap, beat_t* heads) {
#pragma HLS INTERFACE m_axi port = program offset = slave bundle = gmem0 max_read_burst_length = 16
#pragma HLS INTERFACE m_axi port = weights offset = slave bundle = gmem1 max_read_burst_length = 64
#pragma HLS INTERFACE m_axi port = tile offset = slave bundle = gmem2 max_read_burst_length = 64
#pragma HLS INTERFACE m_axi port = fmap offset = slave bundle = gmem3 max_read_burst_length = 64 max_write_burst_length = 64
#pragma HLS INTERFACE m_axi port = heads offset = slave bundle = gmem4 max_write_burst_length = 64
#pragma HLS INTERFACE s_axilite port = program bundle = control
#pragma HLS INTERFACE s_axilite port = weights bundle = control
#pragma HLS INTERFACE s_axilite port = tile bundle = control
#pragma HLS INTERFACE s_axilite port = fmap bundle = control
#pragma HLS INTERFACE s_axilite port = heads bundle = control
#pragma HLS INTERFACE s_axilite port = return bundle = control
#pragma HLS BIND_STORAGE variable = g_weights type = ram_2p impl = uram
#pragma HLS BIND_STORAGE variable = g_line type = ram_2p impl = bram
#pragma HLS BIND_STORAGE variable = g_psum type = ram_2p impl = bram
#pragma HLS ARRAY_PARTITION variable = g_psum complete dim = 1
#pragma HLS ARRAY_PARTITION variable = g_line complete dim = 1
#pragma HLS ARRAY_PARTITION variable = g_line cyclic factor = 16 dim = 2
#pragma HLS ARRAY_PARTITION variable = g_raw cyclic factor = 8 dim = 1
#pragma HLS ARRAY_PARTITION variable = g_conv_out cyclic factor = 16 dim = 2
  run_input(program, tile, fmap);
layers:
  for (uint32_t l = 0; l < hdr(program, P::kHNumLayers); ++l) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = kMaxLayers
    switch (layer_word(program, l, P::kLOp)) {
      case P::kOpConv:
        run_conv(program, weights, fmap, l);
        break;
      case P::kOpAdd:
        run_elementwise(program, fmap, l, true);
        break;
      case P::kOpConcat:
        run_concat(program, fmap, l);
        break;
      case P::kOpMaxPool:
        run_maxpool(program, fmap, l);
        break;
      case P::kOpUpsample:
        run_upsample(program, fmap, l);
        break;
      case P::kOpLut:
        run_elementwise(program, fmap, l, false);
        break;
      default:
        break;
    }
  }
  copy_heads(program, fmap, heads);
}
