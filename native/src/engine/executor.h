// The CPU reference engine: loads a validated program and runs it, layer
// after layer, on planar u8 tiles, with intra-layer threading. Results are
// the same integers on every SIMD path and at every thread count.
#pragma once

#include <stdint.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "aligned_buffer.h"
#include "conv.h"
#include "cpu_features.h"
#include "decode.h"
#include "ops.h"
#include "sarwatch/program.h"
#include "thread_pool.h"

namespace sarwatch {

struct OutputInfo {
  int kind, level, stride, count;  // kind: 0 box DFL bins, 1 class logits
  int h, w, c;
  float scale;
  int32_t zp;
};

class Executor {
 public:
  Executor() : pool_(1) {}

  // Validates and copies the program. On failure returns the fault and sets *err.
  prog::Fault load(const uint8_t* data, size_t size, Simd simd, int threads, std::string* err);

  void set_threads(int n) { pool_.resize(n); }
  int threads() const { return pool_.threads(); }
  Simd simd() const { return simd_; }

  int input_channels() const { return in_c_; }
  int input_height() const { return in_h_; }
  int input_width() const { return in_w_; }
  size_t tile_bytes() const { return static_cast<size_t>(in_c_) * in_h_ * in_w_; }
  size_t arena_bytes() const { return view_.header(prog::kHArenaBytes); }
  int num_layers() const { return static_cast<int>(view_.num_layers()); }
  int num_outputs() const { return static_cast<int>(view_.num_outputs()); }
  OutputInfo output_info(int o) const;
  std::string metadata() const;
  // Multiply-accumulates of one tile (convolutions).
  double macs() const { return macs_; }

  // Runs one planar u8 tile of tile_bytes(). Not reentrant: run/decode/copy
  // take the engine's lock, and callers use `Lock` around a run and its reads.
  void run(const uint8_t* tile);
  // As run(), copying the listed tensors (HWC codes) as soon as they are complete,
  // since the arena reuses their memory later.
  void run_capture(const uint8_t* tile, const std::vector<uint32_t>& tensors, const std::vector<int8_t*>& dst);
  // After run(): one head output as HWC codes, copied out.
  void copy_output(int o, int8_t* dst) const;
  // After run(): any live tensor of the program as HWC codes.
  void copy_tensor(uint32_t t, int8_t* dst) const;
  size_t tensor_bytes(uint32_t t) const;
  uint32_t num_tensors() const { return view_.num_tensors(); }
  void decode(const DecodeOptions& opt, std::vector<Detection>* out, DecodeStats* stats) const;

  std::mutex& mutex() { return mutex_; }

  // Milliseconds each layer took in the last run (layer order; convolutions
  // include building their padded input). For profiling, never for results.
  const std::vector<double>& layer_ms() const { return layer_ms_; }

 private:
  TensorRef tensor(uint32_t t);
  void run_layers(const uint8_t* tile, const std::vector<uint32_t>* capture, const std::vector<int8_t*>* dst);
  void run_layer(uint32_t l);
  void run_conv(uint32_t l, ConvLayer& L);

  std::vector<uint8_t> blob_;
  prog::View view_;
  Simd simd_ = Simd::kScalar;
  ThreadPool pool_;
  std::vector<ConvLayer> convs_;
  std::vector<int> conv_of_layer_;
  AlignedBuffer arena_, padded_;
  int in_c_ = 0, in_h_ = 0, in_w_ = 0;
  double macs_ = 0;
  std::vector<double> layer_ms_;
  std::mutex mutex_;
};

}  // namespace sarwatch
