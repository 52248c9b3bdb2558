#include "decode.h"

#include <math.h>

#include <algorithm>

namespace sarwatch {

namespace {

float iou(const Detection& a, const Detection& b) {
  const float w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  const float h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const float inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

}  // namespace

int head_levels(const prog::View& v, const int8_t* const* output_base, const int* output_stride, HeadLevel* levels, int max_levels) {
  int n = 0;
  for (uint32_t o = 0; o < v.num_outputs(); ++o) {
    if (v.output(o, prog::kOKind) != prog::kBoxDfl) continue;
    for (uint32_t k = 0; k < v.num_outputs(); ++k) {
      if (v.output(k, prog::kOKind) != prog::kClassLogits || v.output(k, prog::kOLevel) != v.output(o, prog::kOLevel) || n >= max_levels) continue;
      const uint32_t bt = v.output(o, prog::kOTensor), ct = v.output(k, prog::kOTensor);
      levels[n++] = {output_base[o], output_base[k], int(v.tensor(bt, prog::kTHeight)), int(v.tensor(bt, prog::kTWidth)), output_stride[o], output_stride[k],
                     int(v.tensor(bt, prog::kTChannels)) / 4, int(v.tensor(ct, prog::kTChannels)), int(v.output(o, prog::kOStride)),
                     v.scale(bt), v.scale(ct), v.zero_point(bt), v.zero_point(ct)};
    }
  }
  return n;
}

int vessel_kind(int best, float vessel_score, float fishing_score, const DecodeOptions& o) {
  if (o.fishing_share <= 0 || (best != o.vessel_cls && best != o.fishing_cls)) return best;
  return fishing_score >= o.fishing_share * (vessel_score + fishing_score) ? o.fishing_cls : o.vessel_cls;
}

void decode(const HeadLevel* levels, int n, const DecodeOptions& o, std::vector<Detection>* out, DecodeStats* stats) {
  std::vector<Detection> cand;
  const float logit = logf(o.conf / (1.0f - o.conf));
  // The fishing split applies where the options name both classes and the head has them (as the
  // host decode's `f`); `split_used` says whether it did, for NMS below.
  const bool split_opts = o.fishing_share > 0 && o.vessel_cls >= 0 && o.fishing_cls >= 0;
  bool split_used = false, first_used = false;
  for (int l = 0; l < n; ++l) {
    const HeadLevel& L = levels[l];
    // Smallest code whose sigmoid can reach conf; one below it is checked in float to be safe at the boundary.
    const float qf = L.cls_zp + logit / L.cls_scale;
    const int qthr = qf > 200 ? 200 : (qf < -200 ? -200 : static_cast<int>(ceilf(qf))) - 1;
    float ex[256];
    for (int d = 0; d < 256; ++d) ex[d] = expf(L.box_scale * static_cast<float>(d - 255));
    const bool split = split_opts && o.vessel_cls < L.nc && o.fishing_cls < L.nc;
    split_used |= split;
    const bool first = o.vessel_first && o.vessel_cls >= 0 && o.vessel_cls < L.nc && o.fishing_cls < L.nc;
    first_used |= first;
    for (int y = 0; y < L.h; ++y) {
      for (int x = 0; x < L.w; ++x) {
        const int8_t* c = L.cls + (static_cast<size_t>(y) * L.w + x) * L.cls_stride;
        int best = c[0], arg = 0;
        for (int k = 1; k < L.nc; ++k) {
          if (c[k] > best) best = c[k], arg = k;
        }
        if (stats) ++stats->anchors;
        if (best < qthr) continue;  // the early exit: no dequantisation for most anchors
        const float score = 1.0f / (1.0f + expf(-L.cls_scale * static_cast<float>(best - L.cls_zp)));
        if (score < o.conf) continue;
        if (stats) ++stats->passed;
        const auto p = [&](int k) { return 1.0f / (1.0f + expf(-L.cls_scale * static_cast<float>(c[k] - L.cls_zp))); };
        float score_out = score;
        if (first) {
          // The vessel kinds' own score decides first (its code is at most the best one, so the
          // early exit above stays exact); the kind between them as without the rule.
          const bool two = o.fishing_cls >= 0;
          const int kind = two && c[o.fishing_cls] > c[o.vessel_cls] ? o.fishing_cls : o.vessel_cls;
          const float vscore = p(kind);
          if (vscore >= o.conf) arg = kind, score_out = vscore;
        }
        if (split && (arg == o.vessel_cls || arg == o.fishing_cls)) arg = vessel_kind(arg, p(o.vessel_cls), p(o.fishing_cls), o);
        const int8_t* b = L.box + (static_cast<size_t>(y) * L.w + x) * L.box_stride;
        float dist[4];
        for (int side = 0; side < 4; ++side) {
          const int8_t* q = b + side * L.reg_max;
          int m = q[0];
          for (int i = 1; i < L.reg_max; ++i) m = q[i] > m ? q[i] : m;
          float num = 0, den = 0;
          for (int i = 0; i < L.reg_max; ++i) {
            const float e = ex[q[i] - m + 255];
            num += e * i;
            den += e;
          }
          dist[side] = num / den;
        }
        const float ax = x + 0.5f, ay = y + 0.5f, s = static_cast<float>(L.stride);
        cand.push_back({(ax - dist[0]) * s, (ay - dist[1]) * s, (ax + dist[2]) * s, (ay + dist[3]) * s, score_out, arg});
      }
    }
  }
  // Under the vessel-first rule every vessel kind ranks before every other class.
  const auto is_kind = [&](int cls) { return first_used && (cls == o.vessel_cls || (o.fishing_cls >= 0 && cls == o.fishing_cls)); };
  std::stable_sort(cand.begin(), cand.end(), [&](const Detection& a, const Detection& b) {
    return is_kind(a.cls) != is_kind(b.cls) ? is_kind(a.cls) : a.score > b.score;
  });
  // Under a fishing split, vessel and fishing are one decision about one object: they share an
  // NMS group, so two anchors on one hull either side of the share are not both kept. Under the
  // vessel-first rule all classes are one group: a box is one object, of one class.
  const auto group = [&](int cls) { return first_used ? 0 : split_used && cls == o.fishing_cls ? o.vessel_cls : cls; };
  std::vector<char> dead(cand.size(), 0);
  out->clear();
  for (size_t i = 0; i < cand.size() && static_cast<int>(out->size()) < o.max_det; ++i) {
    if (dead[i]) continue;
    out->push_back(cand[i]);
    for (size_t j = i + 1; j < cand.size(); ++j) {
      if (!dead[j] && group(cand[j].cls) == group(cand[i].cls) && iou(cand[i], cand[j]) > o.iou) dead[j] = 1;
    }
  }
}

}  // namespace sarwatch
