// AVX-512 VNNI convolution (the path also needs VBMI, for activation table
// lookups in registers: Ice Lake, Sapphire Rapids, Zen 4 and later): 8 output pixels × 16 output channels per
// micro-tile. Inputs are codes + 128 as unsigned bytes, weights int8 quads
// [block][k-quad][16 ch][4]; vpdpbusd (the non-saturating form) adds each
// quad's four products into an int32 lane, exactly. The +128 is taken back
// out through the bias (bias − 128 · Σw), so the sums equal the scalar path's.
#include <immintrin.h>
#include <string.h>

#include "conv.h"

namespace sarwatch {

namespace {

// y = clamp(zp + ((acc · m + 2^(n−1)) >> n)) on 16 lanes: 64-bit products of
// the even and odd lanes, variable arithmetic shifts, saturating narrow.
inline __m128i requant16(__m512i acc, __m512i m, __m512i n, __m512i zp) {
  const __m512i lo32 = _mm512_set1_epi64(0xFFFFFFFFLL);
  const __m512i one = _mm512_set1_epi64(1);
  const __m512i n_even = _mm512_and_si512(n, lo32);
  const __m512i n_odd = _mm512_srli_epi64(n, 32);
  __m512i even = _mm512_mul_epi32(acc, m);
  __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(acc, 32), _mm512_srli_epi64(m, 32));
  even = _mm512_srav_epi64(_mm512_add_epi64(even, _mm512_sllv_epi64(one, _mm512_sub_epi64(n_even, one))), n_even);
  odd = _mm512_srav_epi64(_mm512_add_epi64(odd, _mm512_sllv_epi64(one, _mm512_sub_epi64(n_odd, one))), n_odd);
  __m512i r = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  r = _mm512_add_epi32(r, zp);
  return _mm512_mask_cvtsepi32_epi8(_mm_setzero_si128(), 0xFFFF, r);  // saturates to [−128, 127]
}

// The activation table as four 64-byte registers, for vpermi2b lookups (AVX-512 VBMI).
struct LutRegs {
  __m512i t0, t1, t2, t3;
};

inline LutRegs load_lut(const int8_t* lut) {
  return {_mm512_loadu_si512(lut), _mm512_loadu_si512(lut + 64), _mm512_loadu_si512(lut + 128), _mm512_loadu_si512(lut + 192)};
}

// lut[q + 128] for 16 codes: q + 128 is q with its top bit flipped; vpermi2b
// picks from 128 entries by the low 7 bits, and the top bit chooses the half.
inline __m128i lookup16(const LutRegs& t, __m128i q) {
  const __m512i idx = _mm512_castsi128_si512(_mm_xor_si128(q, _mm_set1_epi8(static_cast<char>(0x80))));
  const __m512i lo = _mm512_permutex2var_epi8(t.t0, idx, t.t1);
  const __m512i hi = _mm512_permutex2var_epi8(t.t2, idx, t.t3);
  return _mm512_castsi512_si128(_mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi));
}

inline void store16(const ConvLayer& L, const LutRegs* lut, __m512i acc, int c0, int nc, int8_t* out) {
  const __m512i m = _mm512_loadu_si512(L.mult_pad.data() + c0);
  const __m512i n = _mm512_loadu_si512(L.shift_pad.data() + c0);
  const __m512i zp = _mm512_set1_epi32(L.lut ? L.pre_zp : L.out_zp);
  __m128i q = requant16(acc, m, n, zp);
  if (lut) q = lookup16(*lut, q);
  _mm_mask_storeu_epi8(out + c0, static_cast<__mmask16>((1u << nc) - 1u), q);
}

}  // namespace

void pack_avx512vnni(ConvLayer& L) {
  L.kpad = (L.cin + 3) / 4 * 4;
  L.cout_pad = (L.cout + 15) / 16 * 16;
  const int taps = L.kh * L.kw, k4 = taps * L.kpad / 4;
  L.w8.assign(static_cast<size_t>(L.cout_pad / 16) * k4 * 64, 0);
  L.bias_adj.assign(L.cout_pad, 0);
  for (int c = 0; c < L.cout; ++c) {
    int32_t sum = 0;
    for (int t = 0; t < taps; ++t) {
      for (int ci = 0; ci < L.cin; ++ci) {
        const int8_t w = L.w[(static_cast<size_t>(c) * taps + t) * L.cin + ci];
        const int quad = t * L.kpad / 4 + ci / 4;
        L.w8[((static_cast<size_t>(c / 16) * k4 + quad) * 16 + c % 16) * 4 + ci % 4] = w;
        sum += w;
      }
    }
    L.bias_adj[c] = L.bias[c] - 128 * sum;
  }
  pad_requant(L);
}

void conv_rows_avx512vnni(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1) {
  const uint8_t* src = static_cast<const uint8_t*>(in.data);
  const int taps = L.kh * L.kw, quarter = L.kpad / 4, k4 = taps * quarter;
  int tap_off[49];
  for (int ky = 0; ky < L.kh; ++ky)
    for (int kx = 0; kx < L.kw; ++kx) tap_off[ky * L.kw + kx] = (ky * in.wp + kx) * in.cstride;
  const int step = L.stride * in.cstride;
  LutRegs regs;
  const LutRegs* lut = nullptr;
  if (L.lut) {
    regs = load_lut(L.lut);
    lut = &regs;
  }
  for (int y = y0; y < y1; ++y) {
    for (int cb = 0; cb < L.cout_pad / 16; ++cb) {
      const int8_t* W = L.w8.data() + static_cast<size_t>(cb) * k4 * 64;
      const __m512i bias = _mm512_loadu_si512(L.bias_adj.data() + cb * 16);
      const int nc = L.cout - cb * 16 < 16 ? L.cout - cb * 16 : 16;
      for (int x = 0; x < L.out_w; x += 8) {
        __m512i a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        const uint8_t* p0 = src + (static_cast<size_t>(y) * L.stride * in.wp + static_cast<size_t>(x) * L.stride) * in.cstride;
        const int8_t* wp = W;
        for (int t = 0; t < taps; ++t) {
          const uint8_t* q = p0 + tap_off[t];
          for (int j = 0; j < quarter; ++j, wp += 64) {
            const __m512i w = _mm512_loadu_si512(wp);
            int32_t v;
#define SW_PX(i, acc)                                           \
  memcpy(&v, q + (i) * step + 4 * j, 4);                        \
  acc = _mm512_dpbusd_epi32(acc, _mm512_set1_epi32(v), w);
            SW_PX(0, a0) SW_PX(1, a1) SW_PX(2, a2) SW_PX(3, a3) SW_PX(4, a4) SW_PX(5, a5) SW_PX(6, a6) SW_PX(7, a7)
#undef SW_PX
          }
        }
        const __m512i accs[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
        for (int p = 0; p < 8 && x + p < L.out_w; ++p) {
          store16(L, lut, accs[p], cb * 16, nc, out.base + (static_cast<size_t>(y) * L.out_w + x + p) * out.pixel_stride);
        }
      }
    }
  }
}

}  // namespace sarwatch
