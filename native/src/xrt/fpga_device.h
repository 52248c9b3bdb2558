// The XRT driver of the sarwatch kernel on a Kria KV260 (XRT native C++ API).
// The program is uploaded once; tiles stream through two tile/heads buffer
// pairs so that the next tile's upload and the last tile's read-back overlap
// the running kernel. Each run has a timeout; a hung run is aborted and
// retried once before the driver reports failure (the backend then falls back
// to the CPU engine).
#pragma once

#include <stdint.h>

#include <memory>
#include <string>
#include <vector>

#include "sarwatch/program.h"

namespace sarwatch {

struct FpgaStats {
  long runs = 0, timeouts = 0, retries = 0;
};

class FpgaDevice {
 public:
  FpgaDevice();
  ~FpgaDevice();
  FpgaDevice(const FpgaDevice&) = delete;
  FpgaDevice& operator=(const FpgaDevice&) = delete;

  // Opens the device, loads the xclbin and finds the kernel.
  bool open(unsigned device_index, const std::string& xclbin_path, std::string* err);
  // Uploads a validated program and allocates the feature-map, tile and heads buffers.
  bool load(const prog::View& program, size_t tile_bytes, std::string* err);
  // Runs tiles (planar u8, tile_bytes each); heads_out[i] receives tile i's heads buffer.
  bool run(const std::vector<const uint8_t*>& tiles, const std::vector<int8_t*>& heads_out, unsigned timeout_ms, std::string* err);

  size_t heads_bytes() const { return heads_bytes_; }
  const FpgaStats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t tile_bytes_ = 0, heads_bytes_ = 0;
  FpgaStats stats_;
};

}  // namespace sarwatch
