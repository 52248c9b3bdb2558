"""Where a checkpoint errs on an SSDD split: recall by ship size, and false alarms (near a ship,
or on background), at one confidence. It says which remedy can pay (a stride-4 head for ships of a few pixels, or
something else), without ranking candidates: that is `compare`'s job.

    /usr/bin/python3 -m sarwatch_train.errors runs/kfold3/fold-0/ssdd/best.pt --folds 3 --fold 0

(1 min 20 s with --threads 1 beside a training run; 11 min with 2 threads there.)

Size is a box's longer side in image pixels. Matching is COCO's (IoU >= 0.5, greedy in score
order), class-agnostic over the vessel classes, as in `evaluate`. A missed ship that would be
found if the vessel kinds' own score decided (evaluate.SCORE_RULES, `vessel`) is one the model
calls `non_vessel`: counted apart. A ship is *crowded* when another ship's box lies within one of
its own short sides (`crowded`): moored side by side, or in a fleet; recall is given for crowded
ships and the others, with the crowded ships missed under one box that covers them and a neighbour
(merged). Never run it on `test` to choose anything.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import NamedTuple

import numpy as np
import torch

from .data import DEFAULT_SSDD, crowded, load_ssdd
from .evaluate import NMS_KINDS, SCORE_RULES, box_iou_np, decode_samples, greedy_match, variant
from .model import load_checkpoint, model_from_checkpoint

SIZE_EDGES = (0, 8, 16, 32, 64)  # px; the last bucket is open
NEAR_IOU = 0.1  # a box that overlaps a ship by this much but is not its match is a localisation error


class ImageErrors(NamedTuple):
    found: np.ndarray    # per ship: matched by a detection at IoU >= 0.5
    touched: np.ndarray  # per ship: overlapped by some detection at IoU >= NEAR_IOU
    fa_near: int         # unmatched detections overlapping a ship by >= NEAR_IOU: duplicates, misplaced boxes
    fa_far: int          # unmatched detections on background
    merged: np.ndarray   # per ship: missed, under a box that covers it and another ship (IoU >= 0.5 with their union)


def classify(boxes: np.ndarray, scores: np.ndarray, gt: np.ndarray, conf: float) -> ImageErrors:
    """The errors of the detections at or above `conf` on one image."""
    keep = scores >= conf
    order = np.argsort(-scores[keep], kind="stable")
    ious = box_iou_np(boxes[keep][order], gt)
    hit, found = greedy_match(ious, 0.5)
    near = ious.max(1) >= NEAR_IOU if len(gt) else np.zeros(len(hit), bool)
    touched = ious.max(0) >= NEAR_IOU if len(hit) else np.zeros(len(gt), bool)
    return ImageErrors(found, touched, int((~hit & near).sum()), int((~hit & ~near).sum()),
                       ~found & _under_a_merged_box(boxes[keep], gt))


def _under_a_merged_box(boxes: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per ship: some box matches (IoU >= 0.5) the box enclosing it and another ship."""
    out = np.zeros(len(gt), bool)
    if len(boxes) == 0 or len(gt) < 2:
        return out
    for k in range(len(gt)):
        pairs = np.concatenate((np.minimum(gt[k, :2], gt[:, :2]), np.maximum(gt[k, 2:], gt[:, 2:])), 1)
        out[k] = (box_iou_np(boxes, np.delete(pairs, k, 0)) >= 0.5).any()
    return out


def size_bucket(gt: np.ndarray) -> np.ndarray:
    return np.digitize((gt[:, 2:] - gt[:, :2]).max(1), SIZE_EDGES[1:]) if len(gt) else np.zeros(0, int)


def tally(per_image, conf: float, by_vessel_score=None) -> dict:
    """per_image: (boxes, scores, ship boxes) as `detect_samples` gives them (the runtime's rule,
    `best`); by_vessel_score, optional: the same images scored by rule `vessel`, to count the
    missed ships that the model calls `non_vessel`."""
    n = len(SIZE_EDGES)
    ships, found, misplaced, as_non_vessel = (np.zeros(n, int) for _ in range(4))
    near = far = 0
    crowd = crowd_found = crowd_merged = 0
    for i, (boxes, scores, gt) in enumerate(per_image):
        e = classify(boxes, scores, gt, conf)
        b = size_bucket(gt)
        if by_vessel_score is not None:
            vb, vs, _ = by_vessel_score[i]
            np.add.at(as_non_vessel, b, (~e.found & classify(vb, vs, gt, conf).found).astype(int))
        np.add.at(ships, b, 1)
        np.add.at(found, b, e.found.astype(int))
        np.add.at(misplaced, b, (~e.found & e.touched).astype(int))
        near, far = near + e.fa_near, far + e.fa_far
        c = crowded(gt)
        crowd, crowd_found = crowd + int(c.sum()), crowd_found + int((c & e.found).sum())
        crowd_merged += int((c & e.merged).sum())
    rows = []
    for i, lo in enumerate(SIZE_EDGES):
        hi = SIZE_EDGES[i + 1] if i + 1 < n else None
        rows.append({"size_px": f"{lo}-{hi}" if hi else f">={lo}", "ships": int(ships[i]), "found": int(found[i]),
                     "missed_misplaced": int(misplaced[i]), "missed_as_non_vessel": int(as_non_vessel[i]),
                     "recall": float(found[i] / ships[i]) if ships[i] else None})
    return {"conf": conf, "images": len(per_image), "ships": int(ships.sum()), "missed": int((ships - found).sum()),
            "missed_as_non_vessel": int(as_non_vessel.sum()) if by_vessel_score is not None else None,
            "false_alarms": near + far, "false_alarms_near_ship": near, "false_alarms_background": far, "by_size": rows,
            "crowded": {"ships": crowd, "found": crowd_found, "missed_merged": crowd_merged},
            "not_crowded": {"ships": int(ships.sum()) - crowd, "found": int(found.sum()) - crowd_found}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--split", default="val", choices=["val", "test", "test_inshore", "test_offshore"])
    ap.add_argument("--ssdd", default=DEFAULT_SSDD)
    ap.add_argument("--folds", type=int, default=10, help="as given to train (default 10)")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--conf", type=float, default=0.15)
    ap.add_argument("--nms", choices=NMS_KINDS, default="iou", help="NMS kind (evaluate.NMS_KINDS; default iou, the runtime's)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--threads", type=int, default=2,
                    help="torch threads (1 while a training run holds the cores: two oversubscribe them badly)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        model = model_from_checkpoint(load_checkpoint(a.checkpoint), a.checkpoint)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f"errors: {e}")
    dets = decode_samples(model, load_ssdd(a.ssdd, a.split, a.folds, a.fold), iou=0.5, rules=SCORE_RULES,
                          nms_kinds=(a.nms,))
    r = tally(dets[variant("best", a.nms)], a.conf, dets[variant("vessel", a.nms)])
    if a.json:
        print(json.dumps(r))
        return
    print(f"{r['images']} images, {r['ships']} ships; at conf {a.conf}: {r['missed']} missed, "
          f"{r['false_alarms']} false alarms ({r['false_alarms_near_ship']} overlapping a ship by IoU >= {NEAR_IOU}: "
          f"duplicates and misplaced boxes; {r['false_alarms_background']} on background)")
    print(f"  of the missed ships, {r['missed_as_non_vessel']} are found but called non_vessel")
    for key, what in (("crowded", "with another ship within a short side"), ("not_crowded", "the others")):
        c = r[key]
        rec = "-" if not c["ships"] else f"{c['found'] / c['ships']:.3f}"
        merged = f"; of the missed, {c['missed_merged']} under one box with a neighbour" if "missed_merged" in c else ""
        print(f"  {what}: {c['ships']} ships, {c['found']} found, recall {rec}{merged}")
    for row in r["by_size"]:
        rec = "-" if row["recall"] is None else f"{row['recall']:.3f}"
        print(f"  {row['size_px']:>6} px  {row['ships']:4d} ships  {row['found']:4d} found  recall {rec}  "
              f"missed: {row['ships'] - row['found'] - row['missed_misplaced']} untouched, "
              f"{row['missed_misplaced']} under a misplaced box; {row['missed_as_non_vessel']} of the missed called non_vessel")


if __name__ == "__main__":
    main()
