// C-simulation stand-in for Vitis HLS's <hls_stream.h>: an unbounded FIFO
// (the real one is a hardware FIFO of the depth set by a STREAM pragma).
#pragma once

#include <deque>

namespace hls {

template <typename T>
class stream {
 public:
  void write(const T& v) { q_.push_back(v); }
  T read() {
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  bool empty() const { return q_.empty(); }

 private:
  std::deque<T> q_;
};

}  // namespace hls
