"""COCO-style average precision (101-point interpolation, IoU 0.50:0.05:0.95).

Detections of the vessel classes (`vessel`, `fishing`) are matched against ship
boxes, class-agnostically, as SSDD has one class. The same definition is used
by `sarwatch eval` in the runtime, so numbers agree between the two.
"""
from __future__ import annotations

import numpy as np
import torch

from .data import pad_to_stride
from .loss import centre_penalty

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)


def box_iou_np(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod((rb - lt).clip(0), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / (area_a[:, None] + area_b[None] - inter + 1e-9)


def greedy_match(ious: np.ndarray, thr: float) -> tuple[np.ndarray, np.ndarray]:
    """COCO's greedy matching at one IoU threshold. `ious` [n_det, n_gt] has the detections in
    score order; each takes the unmatched ship it overlaps most, if by >= thr.
    Returns (hit per detection, matched per ship)."""
    n_det, n_gt = ious.shape
    hit, taken = np.zeros(n_det, bool), np.zeros(n_gt, bool)
    for d in range(n_det if n_gt else 0):
        cand = np.where(~taken, ious[d], -1)
        g = int(np.argmax(cand))
        if cand[g] >= thr:
            taken[g] = True
            hit[d] = True
    return hit, taken


def match_image(det_boxes, det_scores, gt_boxes):
    """Greedy COCO matching per IoU threshold. Returns tp [n_det, n_thr] in score order."""
    order = np.argsort(-det_scores, kind="stable")
    ious = box_iou_np(det_boxes[order], gt_boxes)
    tp = np.stack([greedy_match(ious, thr)[0] for thr in IOU_THRESHOLDS], 1)
    return det_scores[order], tp


def average_precision(scores, tps, n_gt):
    """101-point interpolated AP per IoU threshold from concatenated matches."""
    if n_gt == 0:
        return np.zeros(len(IOU_THRESHOLDS))
    order = np.argsort(-scores, kind="stable")
    tps = tps[order]
    aps = []
    for t in range(tps.shape[1]):
        tp = np.cumsum(tps[:, t])
        fp = np.cumsum(~tps[:, t])
        recall = tp / n_gt
        precision = tp / np.maximum(tp + fp, 1e-9)
        # Precision envelope, then sample at 101 recall points.
        for i in range(len(precision) - 2, -1, -1):
            precision[i] = max(precision[i], precision[i + 1])
        rs = np.linspace(0, 1, 101)
        idx = np.searchsorted(recall, rs, side="left")
        q = np.array([precision[i] if i < len(precision) else 0.0 for i in idx])
        aps.append(q.mean())
    return np.array(aps)


def evaluate(dets: list[tuple[np.ndarray, np.ndarray]], gts: list[np.ndarray], conf: float = 0.25) -> dict:
    """dets: per image (boxes xyxy, scores); gts: per image boxes xyxy."""
    all_s, all_tp = [], []
    n_gt = sum(len(g) for g in gts)
    tp50 = fp50 = 0
    for (b, s), g in zip(dets, gts):
        ss, tp = match_image(b, s, g)
        all_s.append(ss)
        all_tp.append(tp)
        keep = ss >= conf
        tp50 += int(tp[keep, 0].sum())
        fp50 += int((~tp[keep, 0]).sum())
    scores = np.concatenate(all_s) if all_s else np.zeros(0)
    tps = np.concatenate(all_tp) if all_tp else np.zeros((0, len(IOU_THRESHOLDS)), bool)
    aps = average_precision(scores, tps, n_gt)
    p = tp50 / max(tp50 + fp50, 1)
    r = tp50 / max(n_gt, 1)
    return {"images": len(gts), "ships": n_gt, "ap50": float(aps[0]), "ap50_95": float(aps.mean()),
            "precision": p, "recall": r, "f1": 2 * p * r / max(p + r, 1e-9), "conf": conf}


# How overlapping detections are suppressed (`nms`):
#  iou   greedy NMS: a box goes when its IoU with a better one exceeds the threshold (the runtime's);
#  diou  DIoU-NMS (Zheng et al., AAAI 2020): the IoU less the squared distance between the two
#        centres over the squared diagonal of the box enclosing both, so that ships side by side,
#        whose boxes overlap but whose centres differ, both survive (train/README.md,
#        "Distance-aware NMS").
NMS_KINDS = ("iou", "diou")


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou: float, kind: str = "iou") -> torch.Tensor:
    if kind not in NMS_KINDS:
        raise ValueError(f"nms kind must be one of {NMS_KINDS}, got {kind!r}")
    order = scores.argsort(descending=True)
    keep = []
    boxes = boxes[order]
    suppressed = torch.zeros(len(order), dtype=torch.bool)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(int(order[i]))
        lt = torch.maximum(boxes[i, :2], boxes[i + 1:, :2])
        rb = torch.minimum(boxes[i, 2:], boxes[i + 1:, 2:])
        inter = (rb - lt).clamp(0).prod(1)
        ov = inter / (area[i] + area[i + 1:] - inter + 1e-9)
        if kind == "diou":
            ov = ov - centre_penalty(boxes[i].chunk(4, -1), boxes[i + 1:].chunk(4, -1)).squeeze(-1)
        suppressed[i + 1:] |= ov > iou
    return torch.tensor(keep, dtype=torch.long)


# How a detection of a vessel is scored (`postprocess`):
#  best   each anchor's best class, kept when it is a vessel kind (the runtime's `--class-rule best`,
#         its default for models without their own: a box the model calls `non_vessel` is not a
#         vessel detection); vessel and fishing NMS'd apart;
#  vessel each anchor's best vessel-kind score, whatever `non_vessel` scores, in one NMS group:
#         how many ships the synthetic `non_vessel` class takes (Ultralytics' multi-label
#         validation would count them). On SSDD it is what the runtime's `--class-rule
#         vessel-first` scores (src/model/decode.ts, VesselFirst), the bundled model's own rule.
SCORE_RULES = ("best", "vessel")


def postprocess(y: torch.Tensor, conf: float = 0.001, iou: float = 0.6, vessel_classes=(0, 1),
                max_det: int = 300, score: str = "best", nms_kind: str = "iou"):
    """y: [4+nc, N] export-layout output of one image -> (boxes xyxy, scores) of vessel detections,
    scored by `score` (SCORE_RULES), suppressed by `nms_kind` (NMS_KINDS)."""
    if score not in SCORE_RULES:
        raise ValueError(f"score must be one of {SCORE_RULES}, got {score!r}")
    box, cls = y[:4].T, y[4:].T
    kinds = torch.tensor(vessel_classes, device=cls.device)
    if score == "best":
        best, label = cls.max(1)
        keep = (best > conf) & torch.isin(label, kinds)
    else:
        best = cls[:, kinds].max(1).values
        label = torch.zeros_like(best, dtype=torch.long)  # one NMS group
        keep = best > conf
    box, best, label = box[keep], best[keep], label[keep]
    xyxy = torch.cat((box[:, :2] - box[:, 2:] / 2, box[:, :2] + box[:, 2:] / 2), 1)
    if len(best) > 3000:
        top = best.topk(3000).indices
        xyxy, best, label = xyxy[top], best[top], label[top]
    offset = label[:, None].float() * 10000.0
    k = nms(xyxy + offset, best, iou, nms_kind)[:max_det]
    return xyxy[k].numpy(), best[k].numpy()


def variant(score: str, nms_kind: str) -> str:
    """The name of one decoding: the score rule, with `+KIND` when the NMS is not the runtime's."""
    return score if nms_kind == "iou" else f"{score}+{nms_kind}"


@torch.no_grad()
def decode_samples(model, samples, iou: float = 0.6, rules=("best",),
                   nms_kinds=("iou",)) -> dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Per decoding (a score rule under an NMS kind, named by `variant`), per sample: (boxes
    xyxy, scores) of the vessel detections down to conf 0.001, and the labelled vessel boxes
    (non_vessel labels dropped); one forward pass per image for all of them. The image is padded
    to a multiple of 32, as in validation; the model is left in eval mode with its training head."""
    model.eval()
    model.detect.export = True
    device = next(model.parameters()).device
    ways = [(r, k) for k in nms_kinds for r in rules]
    out: dict[str, list] = {variant(r, k): [] for r, k in ways}
    try:
        for s in samples:
            x = torch.from_numpy(pad_to_stride(s.image)).permute(2, 0, 1)[None].float() / 255.0
            y = model(x.to(device))[0].cpu()
            ships = s.boxes[s.boxes[:, 0] != 2, 1:]
            for r, k in ways:
                out[variant(r, k)].append((*postprocess(y, iou=iou, score=r, nms_kind=k), ships))
    finally:
        model.detect.export = False
    return out


def detect_samples(model, samples, iou: float = 0.6) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """`decode_samples` under the runtime's rule, `best` (validation during training)."""
    return decode_samples(model, samples, iou)["best"]
