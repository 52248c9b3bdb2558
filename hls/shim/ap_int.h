// C-simulation stand-in for Vitis HLS's <ap_int.h>, covering only what the
// sarwatch kernel uses: fixed-width integers that wrap to their width, with
// bit reads and range reads/assignments (`x.range(hi, lo) = v`), up to 64
// bits for arithmetic and up to 512 bits for AXI beats. Under Vitis
// (__SYNTHESIS__ / __VITIS_HLS__) hls/include/hls_types.h uses the real header.
#pragma once

#include <stdint.h>

#include <type_traits>

namespace ap_shim {

inline uint64_t mask(int n) { return n >= 64 ? ~uint64_t(0) : ((uint64_t(1) << n) - 1); }

// Reads and writes of bits [lo, hi] of an array of 64-bit words.
struct Bits {
  static uint64_t get(const uint64_t* w, int hi, int lo) {
    const int n = hi - lo + 1;
    const int i = lo / 64, s = lo % 64;
    uint64_t v = w[i] >> s;
    if (s && s + n > 64) v |= w[i + 1] << (64 - s);
    return v & mask(n);
  }
  static void set(uint64_t* w, int hi, int lo, uint64_t v) {
    const int n = hi - lo + 1;
    v &= mask(n);
    const int i = lo / 64, s = lo % 64;
    w[i] = (w[i] & ~(mask(n) << s)) | (v << s);
    if (s && s + n > 64) {
      const int spill = s + n - 64;
      w[i + 1] = (w[i + 1] & ~mask(spill)) | (v >> (64 - s));
    }
  }
};

template <typename Owner>
struct RangeRef {
  Owner* o;
  int hi, lo;
  operator uint64_t() const { return o->get_bits(hi, lo); }  // NOLINT: implicit, like ap_range_ref
  RangeRef& operator=(uint64_t v) {
    o->set_bits(hi, lo, v);
    return *this;
  }
  RangeRef& operator=(const RangeRef& r) { return *this = uint64_t(r); }
};

// Up to 64 bits: arithmetic through implicit conversion to long long (exact,
// as ap_int widens results), wrapped on assignment.
template <int W, bool S>
class Narrow {
  static_assert(W >= 1 && W <= 64, "narrow ap_int is 1..64 bits");

 public:
  Narrow() : v_(0) {}
  Narrow(long long v) : v_(wrap(static_cast<uint64_t>(v))) {}  // NOLINT: implicit, like ap_int
  Narrow(const Narrow& o) = default;
  template <int W2, bool S2>
  Narrow(const Narrow<W2, S2>& o) : v_(wrap(static_cast<uint64_t>(o.value()))) {}  // NOLINT
  Narrow& operator=(const Narrow& o) = default;
  int64_t value() const { return v_; }
  operator long long() const { return v_; }  // NOLINT: implicit, like ap_int
  bool operator[](int i) const { return (static_cast<uint64_t>(v_) >> i) & 1u; }
  RangeRef<Narrow> range(int hi, int lo) { return {this, hi, lo}; }
  uint64_t range(int hi, int lo) const { return get_bits(hi, lo); }
  uint64_t get_bits(int hi, int lo) const { return (static_cast<uint64_t>(v_) >> lo) & mask(hi - lo + 1); }
  void set_bits(int hi, int lo, uint64_t x) {
    uint64_t u = static_cast<uint64_t>(v_);
    const uint64_t m = mask(hi - lo + 1) << lo;
    v_ = wrap((u & ~m) | ((x << lo) & m));
  }

 private:
  static int64_t wrap(uint64_t u) {
    if (W == 64) return static_cast<int64_t>(u);
    u &= mask(W);
    if (S && (u >> (W - 1))) u |= ~mask(W);
    return static_cast<int64_t>(u);
  }
  int64_t v_;
};

// Wider unsigned words (AXI beats): bit-range access only.
template <int W>
class Wide {
 public:
  Wide() {
    for (auto& x : w_) x = 0;
  }
  RangeRef<Wide> range(int hi, int lo) { return {this, hi, lo}; }
  uint64_t range(int hi, int lo) const { return get_bits(hi, lo); }
  uint64_t get_bits(int hi, int lo) const { return Bits::get(w_, hi, lo); }
  void set_bits(int hi, int lo, uint64_t v) { Bits::set(w_, hi, lo, v); }

 private:
  uint64_t w_[(W + 63) / 64];
};

}  // namespace ap_shim

template <int W>
using ap_int = ap_shim::Narrow<W, true>;
template <int W>
using ap_uint = typename std::conditional<(W <= 64), ap_shim::Narrow<W, false>, ap_shim::Wide<W>>::type;
