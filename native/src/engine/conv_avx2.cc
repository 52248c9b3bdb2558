// AVX2 convolution: 4 output pixels × 16 output channels per micro-tile.
// Inputs are int16 codes, weights int16 pairs [block][k-pair][16 ch][2];
// vpmaddwd multiplies pairs and adds them into int32 lanes without
// saturation, so the sums are exactly the scalar path's.
#include <immintrin.h>
#include <string.h>

#include "conv.h"

namespace sarwatch {

namespace {

// floor(x / 2^n) for signed 64-bit lanes (AVX2 has no variable arithmetic
// 64-bit shift): complement negatives, shift logically, complement back.
inline __m256i srav64(__m256i x, __m256i n) {
  const __m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), x);
  return _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(x, sign), n), sign);
}

// y = clamp(zp + ((acc · m + 2^(n−1)) >> n)) on 8 lanes, as int32.
inline __m256i requant8(__m256i acc, __m256i m, __m256i n, __m256i zp) {
  const __m256i lo32 = _mm256_set1_epi64x(0xFFFFFFFFLL);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i n_even = _mm256_and_si256(n, lo32);
  const __m256i n_odd = _mm256_srli_epi64(n, 32);
  __m256i even = _mm256_mul_epi32(acc, m);
  __m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(acc, 32), _mm256_srli_epi64(m, 32));
  even = srav64(_mm256_add_epi64(even, _mm256_sllv_epi64(one, _mm256_sub_epi64(n_even, one))), n_even);
  odd = srav64(_mm256_add_epi64(odd, _mm256_sllv_epi64(one, _mm256_sub_epi64(n_odd, one))), n_odd);
  __m256i r = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  r = _mm256_add_epi32(r, zp);
  return _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(-128)), _mm256_set1_epi32(127));
}

inline void store16(const ConvLayer& L, __m256i lo, __m256i hi, int c0, int nc, int8_t* out) {
  const __m256i zp = _mm256_set1_epi32(L.lut ? L.pre_zp : L.out_zp);
  const __m256i a = requant8(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(L.mult_pad.data() + c0)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(L.shift_pad.data() + c0)), zp);
  const __m256i b = requant8(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(L.mult_pad.data() + c0 + 8)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(L.shift_pad.data() + c0 + 8)), zp);
  // Values are already in [−128, 127]: pack 16 → 8 → bytes, then undo the lane interleave of packs.
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  const __m128i q = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
  alignas(16) int8_t bytes[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(bytes), q);
  if (L.lut) {
    for (int i = 0; i < nc; ++i) out[c0 + i] = q8::apply_lut(L.lut, bytes[i]);
  } else if (nc == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c0), q);
  } else {
    memcpy(out + c0, bytes, nc);
  }
}

}  // namespace

void pack_avx2(ConvLayer& L) {
  L.kpad = (L.cin + 1) / 2 * 2;
  L.cout_pad = (L.cout + 15) / 16 * 16;
  const int taps = L.kh * L.kw, k2 = taps * L.kpad / 2;
  L.w16.assign(static_cast<size_t>(L.cout_pad / 16) * k2 * 32, 0);
  for (int c = 0; c < L.cout; ++c) {
    for (int t = 0; t < taps; ++t) {
      for (int ci = 0; ci < L.cin; ++ci) {
        const int pair = t * L.kpad / 2 + ci / 2;
        L.w16[((static_cast<size_t>(c / 16) * k2 + pair) * 16 + c % 16) * 2 + ci % 2] = L.w[(static_cast<size_t>(c) * taps + t) * L.cin + ci];
      }
    }
  }
  L.bias_adj.assign(L.cout_pad, 0);
  for (int c = 0; c < L.cout; ++c) L.bias_adj[c] = L.bias[c];
  pad_requant(L);
}

void conv_rows_avx2(const ConvLayer& L, const Padded& in, OutView out, int y0, int y1) {
  const int16_t* src = static_cast<const int16_t*>(in.data);
  const int taps = L.kh * L.kw, half = L.kpad / 2, k2 = taps * half;
  int tap_off[49];
  for (int ky = 0; ky < L.kh; ++ky)
    for (int kx = 0; kx < L.kw; ++kx) tap_off[ky * L.kw + kx] = (ky * in.wp + kx) * in.cstride;
  for (int y = y0; y < y1; ++y) {
    for (int cb = 0; cb < L.cout_pad / 16; ++cb) {
      const int16_t* W = L.w16.data() + static_cast<size_t>(cb) * k2 * 32;
      const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(L.bias_adj.data() + cb * 16));
      const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(L.bias_adj.data() + cb * 16 + 8));
      const int nc = L.cout - cb * 16 < 16 ? L.cout - cb * 16 : 16;
      for (int x = 0; x < L.out_w; x += 4) {
        __m256i a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
        const int16_t* p0 = src + (static_cast<size_t>(y) * L.stride * in.wp + static_cast<size_t>(x) * L.stride) * in.cstride;
        const int step = L.stride * in.cstride;
        const int16_t* wp = W;
        for (int t = 0; t < taps; ++t) {
          const int16_t* q = p0 + tap_off[t];
          for (int j = 0; j < half; ++j, wp += 32) {
            const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp));
            const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 16));
            int32_t v;
            memcpy(&v, q + 2 * j, 4);
            __m256i a = _mm256_set1_epi32(v);
            a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(a, w0));
            a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(a, w1));
            memcpy(&v, q + step + 2 * j, 4);
            a = _mm256_set1_epi32(v);
            a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(a, w0));
            a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(a, w1));
            memcpy(&v, q + 2 * step + 2 * j, 4);
            a = _mm256_set1_epi32(v);
            a20 = _mm256_add_epi32(a20, _mm256_madd_epi16(a, w0));
            a21 = _mm256_add_epi32(a21, _mm256_madd_epi16(a, w1));
            memcpy(&v, q + 3 * step + 2 * j, 4);
            a = _mm256_set1_epi32(v);
            a30 = _mm256_add_epi32(a30, _mm256_madd_epi16(a, w0));
            a31 = _mm256_add_epi32(a31, _mm256_madd_epi16(a, w1));
          }
        }
        const __m256i lo[4] = {a00, a10, a20, a30}, hi[4] = {a01, a11, a21, a31};
        for (int p = 0; p < 4 && x + p < L.out_w; ++p) {
          store16(L, lo[p], hi[p], cb * 16, nc, out.base + (static_cast<size_t>(y) * L.out_w + x + p) * out.pixel_stride);
        }
      }
    }
  }
}

}  // namespace sarwatch
