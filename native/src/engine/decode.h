// Host decode of the raw int8 head: the class threshold is applied to the
// int8 logit codes, so most anchors are rejected with one integer compare and
// never dequantised; survivors get DFL (softmax expectation over the bins,
// from an exp table), box decode and class-aware NMS (vessel kinds together under a fishing split;
// one group under the vessel-first rule).
#pragma once

#include <stdint.h>

#include <vector>

#include "sarwatch/program.h"

namespace sarwatch {

struct Detection {
  float x1, y1, x2, y2, score;
  int cls;
};

struct DecodeOptions {
  float conf = 0.25f;
  float iou = 0.5f;
  int max_det = 300;
  // xView3's is_fishing as a decision of its own (model metadata `sarwatch_fishing_share`): where
  // fishing_share > 0 and the best class is vessel_cls or fishing_cls, the detection is
  // fishing_cls when fishing's score is at least fishing_share of the two scores' sum. 0: argmax.
  int vessel_cls = -1;
  int fishing_cls = -1;
  float fishing_share = 0.0f;
  // The class rule `vessel-first` (src/model/decode.ts, VesselFirst): a detection is a vessel kind
  // whenever the vessel kinds' score (the larger of vessel_cls's and fishing_cls's, when >= 0)
  // clears conf, scored by it, and another class only otherwise; one NMS group, vessel kinds first.
  // Off: the best class decides and NMS is per class (vessel kinds together under a split).
  bool vessel_first = false;
};

// The class a detection gets under o (see DecodeOptions), from its best class and its two vessel
// kinds' scores. The host decode (src/model/decode.ts) applies the same rule.
int vessel_kind(int best, float vessel_score, float fishing_score, const DecodeOptions& o);

struct HeadLevel {
  const int8_t* box;  // [h][w] pixels of box_stride codes, 4 × reg_max bins
  const int8_t* cls;  // [h][w] pixels of cls_stride codes, nc logits
  int h, w, box_stride, cls_stride, reg_max, nc, stride;
  float box_scale, cls_scale;
  int32_t box_zp, cls_zp;
};

struct DecodeStats {
  long anchors = 0;
  long passed = 0;  // anchors that cleared the int8 threshold and were dequantised
};

void decode(const HeadLevel* levels, int n, const DecodeOptions& o, std::vector<Detection>* out, DecodeStats* stats);

// Pairs each level's box and class outputs of a program into HeadLevels.
// output_base[o] / output_stride[o]: where output o's HWC codes are and their pixel stride
// (the arena for the CPU engine, the heads buffer for the FPGA). Returns the level count.
int head_levels(const prog::View& v, const int8_t* const* output_base, const int* output_stride, HeadLevel* levels, int max_levels);

}  // namespace sarwatch
