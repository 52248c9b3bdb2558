// A 64-byte-aligned, growable byte buffer (feature-map arena, padded inputs).
#pragma once

#include <stdint.h>
#include <stdlib.h>

#include <new>

namespace sarwatch {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer() { free(p_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  void reserve(size_t n) {
    if (n <= n_) return;
    free(p_);
    p_ = nullptr;
    n_ = 0;
    const size_t rounded = (n + 63) / 64 * 64;
    if (posix_memalign(&p_, 64, rounded) != 0) throw std::bad_alloc();
    n_ = rounded;
  }
  uint8_t* data() { return static_cast<uint8_t*>(p_); }
  const uint8_t* data() const { return static_cast<const uint8_t*>(p_); }
  size_t size() const { return n_; }

 private:
  void* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace sarwatch
