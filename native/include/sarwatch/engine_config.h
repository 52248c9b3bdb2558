// sarwatch accelerator configuration: the one place the engine's shape and
// limits are set. The HLS kernel, the CPU reference, the compiler (which
// checks a model fits) and the performance model (src/accel/engine-config.ts
// parses this file) all read these numbers.
#pragma once

namespace sarwatch {
namespace engine {

// MAC array: kPeOc output channels × kPeIc input channels per cycle.
constexpr int kPeOc = 32;
constexpr int kPeIc = 32;
// Two int8 MACs that share an activation are packed into one DSP48E2.
constexpr int kMacsPerDsp = 2;
constexpr int kClockMhz = 300;

// Limits of the on-chip buffers (checked against each program at load).
constexpr int kMaxChannels = 512;   // input or output channels of one layer (YOLOv8n SPPF concatenates 512)
constexpr int kMaxWidth = 1024;     // feature-map width in pixels (line buffers)
constexpr int kMaxHeight = 1024;
constexpr int kMaxLayers = 256;
constexpr int kMaxInputs = 4;       // inputs of one layer (concat)

// On-chip buffers of the HLS kernel (hls/): the test bench checks that every
// layer of the bundled model fits them.
constexpr int kLineRows = 5;           // line-buffer rows (3x3 convolutions, 5x5 max-pool)
constexpr int kMaxRowBytes = 16384;    // one feature-map row: width x channels
constexpr int kMaxConvKernel = 3;      // convolution kernels up to 3x3 on the accelerator
constexpr int kMaxOutWidth = 1024;     // partial-sum banks: output pixels per row
constexpr int kWeightBufBytes = 262144;  // layer weights held on chip (URAM); larger layers go in chunks
constexpr int kAxiBytes = 16;          // feature-map and tile ports: 128-bit beats
constexpr int kWeightBeatBytes = 64;   // weight-buffer reads: 512-bit words

}  // namespace engine
}  // namespace sarwatch
