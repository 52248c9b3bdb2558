"""How sure is a ranking? AP50 of checkpoints on one SSDD split, with 95 % bootstrap
intervals, and a paired interval for each difference between two of them.

    /usr/bin/python3 -m sarwatch_train.compare val joint=runs/bundled/joint/best.pt harbour=runs/harbour/harbour/best.pt
    /usr/bin/python3 -m sarwatch_train.compare oof --folds 5 joint=runs/kfold5/fold-{fold}/joint/best.pt ...

SPLIT is `val` (the validation hold-out of train.txt, fold `--fold` of `--folds`: the
only data a choice may use), `oof` (out of fold: every checkpoint path holds `{fold}`,
each fold's checkpoint is scored on the images its own run held out, and the folds are
pooled, so all of train.txt validates; `train/kfold.sh` trains them; `--pool 1,2` pools
only those folds, to replicate on folds that took no part in a decision), `test`,
`test_inshore` or `test_offshore` (for reporting). Whole images are resampled with
replacement, the same resamples for every checkpoint, so a difference's interval
accounts for the two being measured on the same pictures (paired bootstrap; Efron &
Tibshirani 1993). Detection uses the trainer's path (the image padded to a multiple of
32, as in validation); the runtime pads to its 800 px tile, which moves AP50 by up to
0.007 on the validation tenth and 0.002 on the test split for the bundled model.
`--score both` also scores each model by its vessel kinds' own score, whatever `non_vessel`
scores (evaluate.SCORE_RULES), paired with the runtime's rule: how much AP50 the synthetic
`non_vessel` class takes from ships (a diagnosis, not the runtime's figure).
`--nms both` also decodes each model with DIoU-NMS (evaluate.NMS_KINDS; rows NAME:best+diou),
from the same forward pass (train/README.md, "Distance-aware NMS").
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

from .data import DEFAULT_SSDD, load_ssdd
from .evaluate import NMS_KINDS, SCORE_RULES, average_precision, decode_samples, match_image, variant
from .model import SarYolo, load_checkpoint, model_from_checkpoint

# Per image: detection scores (score order), whether each is a hit at IoU 0.5, and the ship count.
ImageMatches = tuple[np.ndarray, np.ndarray, int]


def image_matches(model: SarYolo, samples, rules=("best",), nms_kinds=("iou",)) -> dict[str, list[ImageMatches]]:
    """Per decoding (evaluate.variant: a score rule under an NMS kind), per image: its matches at IoU 0.5."""
    per = {}
    for way, dets in decode_samples(model, samples, iou=0.5, rules=rules, nms_kinds=nms_kinds).items():
        per[way] = []
        for boxes, scores, gt in dets:
            ss, tp = match_image(boxes, scores, gt)
            per[way].append((ss, tp[:, 0], len(gt)))
    return per


def rule_name(name: str, way: str, ways) -> str:
    """A model's row name: its own under one decoding (evaluate.variant); under several, `best`
    (the runtime's) keeps it and the others add `:way` (e.g. `joint:vessel`, `ssdd:best+diou`)."""
    return name if len(ways) == 1 or way == "best" else f"{name}:{way}"


def ap50(rows: list[ImageMatches], idx) -> float:
    idx = list(idx)
    scores = np.concatenate([rows[i][0] for i in idx])
    tps = np.concatenate([rows[i][1] for i in idx])
    return float(average_precision(scores, tps[:, None], sum(rows[i][2] for i in idx))[0])


def bootstrap(per: dict[str, list[ImageMatches]], n_boot: int = 2000, seed: int = 0) -> dict:
    """AP50 and 95 % intervals per model; for each pair, the difference, its interval and
    the share of resamples in which the first model is ahead."""
    names = list(per)
    n = len(per[names[0]])
    if any(len(r) != n for r in per.values()):
        raise ValueError("every model must be measured on the same images")
    rng = np.random.default_rng(seed)
    draws = {k: np.empty(n_boot) for k in names}
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        for k in names:
            draws[k][b] = ap50(per[k], idx)
    out = {"images": n, "models": {}, "pairs": []}
    for k in names:
        lo, hi = np.percentile(draws[k], [2.5, 97.5])
        out["models"][k] = {"ap50": ap50(per[k], range(n)), "ci": [float(lo), float(hi)]}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            d = draws[a] - draws[b]
            lo, hi = np.percentile(d, [2.5, 97.5])
            out["pairs"].append({"a": a, "b": b, "diff": out["models"][a]["ap50"] - out["models"][b]["ap50"],
                                 "ci": [float(lo), float(hi)], "p_a_ahead": float(np.mean(d > 0))})
    return out


def _load(path: str) -> SarYolo:
    return model_from_checkpoint(load_checkpoint(path), path)


def measure(ssdd: str, split: str, specs: dict[str, str], folds: int = 10, fold: int = 0,
            rules=("best",), nms_kinds=("iou",), pool=None) -> dict[str, list[ImageMatches]]:
    """Per-image matches of each checkpoint under each score rule and NMS kind (rows named by
    `rule_name`); for `oof`, pooled over folds in one image order: every fold, or the folds in
    `pool` (a replication on folds that took no part in an earlier decision)."""
    ways = [variant(r, k) for k in nms_kinds for r in rules]
    per: dict[str, list[ImageMatches]] = {rule_name(name, w, ways): [] for name in specs for w in ways}
    for f in (_pooled(folds, pool) if split == "oof" else [fold]):
        samples = load_ssdd(ssdd, "val" if split == "oof" else split, folds, f)
        for name, path in specs.items():
            model = _load(path.replace("{fold}", str(f)))
            for way, rows in image_matches(model, samples, rules, nms_kinds).items():
                per[rule_name(name, way, ways)] += rows
    return per


def _pooled(folds: int, pool=None) -> list[int]:
    """The folds an out-of-fold compare pools: all of them, or `pool`, each in 0..folds-1."""
    if pool is None:
        return list(range(folds))
    bad = [f for f in pool if not 0 <= f < folds]
    if bad or not pool or len(set(pool)) != len(pool):
        raise ValueError(f"folds to pool must be distinct, in 0..{folds - 1}: got {list(pool)}")
    return sorted(pool)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("split", choices=["val", "oof", "test", "test_inshore", "test_offshore"])
    ap.add_argument("models", nargs="+", metavar="NAME=CHECKPOINT")
    ap.add_argument("--ssdd", default=DEFAULT_SSDD)
    ap.add_argument("--folds", type=int, default=10, help="as given to train (default 10)")
    ap.add_argument("--fold", type=int, default=0, help="for `val`: which hold-out (default 0)")
    ap.add_argument("--pool", type=lambda v: [int(x) for x in v.split(",")], metavar="I,J",
                    help="for `oof`: pool only these folds (default all), e.g. 1,2 to replicate on folds "
                         "that took no part in a decision made on fold 0")
    ap.add_argument("--boot", type=int, default=2000, help="bootstrap resamples (default 2000)")
    ap.add_argument("--score", choices=[*SCORE_RULES, "both"], default="best",
                    help="how a vessel detection is scored (evaluate.SCORE_RULES): `best`, the runtime's rule "
                         "(default); `vessel`, the vessel kinds' own score, whatever non_vessel scores (a "
                         "diagnosis); `both`: each model twice, the second row named NAME:vessel")
    ap.add_argument("--nms", choices=[*NMS_KINDS, "both"], default="iou",
                    help="how overlapping boxes are suppressed (evaluate.NMS_KINDS): `iou`, the runtime's "
                         "greedy NMS (default); `diou`, DIoU-NMS; `both`: rows NAME (iou) and NAME:best+diou")
    ap.add_argument("--threads", type=int, default=2,
                    help="torch threads (1 while a training run holds the cores: two oversubscribe them badly, "
                         "about 4 min instead of 40 for an out-of-fold compare beside training)")
    a = ap.parse_args(argv)
    if not 0 <= a.fold < a.folds:
        ap.error(f"--fold must be in 0..{a.folds - 1}")
    if a.pool is not None and a.split != "oof":
        ap.error("--pool is for `oof` only")
    try:
        folds = _pooled(a.folds, a.pool) if a.split == "oof" else [0]
    except ValueError as e:
        ap.error(str(e))
    if not os.path.isfile(os.path.join(a.ssdd, "ImageSets", "Main", "train.txt")):
        ap.error(f"{a.ssdd}: not an SSDD folder (no ImageSets/Main/train.txt); pass --ssdd")
    torch.set_num_threads(a.threads)
    specs = {}
    for spec in a.models:
        name, sep, path = spec.partition("=")
        if not sep:
            ap.error(f"expected NAME=CHECKPOINT, got {spec!r}")
        if a.split == "oof" and "{fold}" not in path:
            ap.error(f"{spec!r}: for `oof` the checkpoint path must hold {{fold}}")
        for f in folds:
            p = path.replace("{fold}", str(f))
            if not os.path.exists(p):
                ap.error(f"{p}: no such checkpoint")
        specs[name] = path
    try:
        rules = SCORE_RULES if a.score == "both" else (a.score,)
        nms_kinds = NMS_KINDS if a.nms == "both" else (a.nms,)
        per = measure(a.ssdd, a.split, specs, a.folds, a.fold, rules, nms_kinds, a.pool)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f"compare: {e}")
    r = bootstrap(per, a.boot)
    where = a.split
    if a.split == "oof":
        where = f"out of {a.folds} folds" + (f", pooled over folds {','.join(map(str, folds))}" if a.pool else "")
    print(f"SSDD {where}: {r['images']} images, {sum(x[2] for x in next(iter(per.values())))} ships, "
          f"{a.boot} paired resamples of the images")
    for k, m in r["models"].items():
        print(f"  {k:>12}  AP50 {m['ap50']:.3f}  95% [{m['ci'][0]:.3f}, {m['ci'][1]:.3f}]")
    for p in r["pairs"]:
        print(f"  {p['a']} - {p['b']}: {p['diff']:+.3f}  95% [{p['ci'][0]:+.3f}, {p['ci'][1]:+.3f}]  "
              f"ahead in {100 * p['p_a_ahead']:.0f}% of resamples")


if __name__ == "__main__":
    main()
