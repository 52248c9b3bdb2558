// The sarwatch accelerator: a programmable int8 layer engine for the Kria
// KV260. It runs a compiled program (native/include/sarwatch/program.h) layer
// after layer from DDR, so a new model needs no new bitstream.
//
// Ports (m_axi, one AXI bundle each, all in the KV260's one DDR):
//   program  32-bit words: header and tables of the program blob
//   weights  512-bit beats over the same blob: weights, biases, requantisation
//   tile     128-bit beats: one planar u8 input tile [C][H][W]
//   fmap     128-bit beats: the feature-map arena (header word kHArenaBytes)
//   heads    128-bit beats: the raw int8 head outputs, HWC, each starting on a
//            16-byte boundary, in the program's output order
// Control: s_axilite (start/done, the five base addresses).
#pragma once

#include "hls_types.h"

typedef ap_uint<32> word_t;
typedef ap_uint<128> beat_t;
typedef ap_uint<512> wbeat_t;

extern "C" void sarwatch_engine(const word_t* program, const wbeat_t* weights, const beat_t* tile, beat_t* fmap, beat_t* heads);

// Argument order and heads layout are the driver's contract: sarwatch/kernel_abi.h.
