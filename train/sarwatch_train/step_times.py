"""Where a training step's time goes: the recipe's stage-1 step (or a `qat` stage's), part by part.

    cd train && /usr/bin/python3 -m sarwatch_train.step_times [--batches 25] [--batch 16] [--imgsz 384] [--stage qat|qat-full] [--arch n]

Builds stage 1's batches (SSDD train minus the validation tenth, mosaic on) and runs the
recipe's step on them, timing each part with a wall clock: the augmentation that makes the
batch, the forward pass, the loss (with the task-aligned assigner), the backward pass, the
optimiser step (with gradient clipping) and the EMA update. It trains a fresh network for a
few batches only, so it measures cost, not a model. Prints milliseconds per batch and the
share of each part, so that a change to the training loop can be judged by what it saves.
With `--stage` a quantisation-aware stage, the network is prepared and its quantisers
calibrated as `train` does (train.prepare_qat; on SSDD batches, from the fresh
network: a cost, not a model), and each step runs through the stage's roundings.
"""
from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np
import torch

from .batches import BatchSource
from .data import DEFAULT_SSDD, load_ssdd
from .loss import DetectionLoss
from . import qat
from .model import ARCHS, SarYolo
from .train import (MAX_GRAD_NORM, OPTIMIZERS, STAGES, ModelEMA, make_optimizer, mosaic_share, prepare_qat,
                    stage_lr0)

PARTS = ("augment", "forward", "loss", "backward", "optimiser", "ema")


def step_times(ssdd: str, batches: int, imgsz: int = 384, batch: int = 16, seed: int = 0,
               crop_first: bool = True, stage: str = "ssdd", arch: str = "n", optimizer: str = "adamw") -> dict:
    """Mean seconds per batch of each part of `stage`'s step (on SSDD batches), over `batches` batches."""
    torch.manual_seed(seed)
    samples = load_ssdd(ssdd, "train", 10, 0, "yolo")
    cfg = STAGES[stage]
    model = SarYolo(ARCHS[arch])
    model.detect.bias_init(imgsz)
    if cfg.get("qat"):
        prepare_qat(model, cfg, samples, SimpleNamespace(imgsz=imgsz, batch=batch, seed=seed), torch.device("cpu"))
    model.train()
    if cfg.get("qat"):
        qat.freeze_batchnorm(model)
    opt = make_optimizer(model, stage_lr0(cfg, optimizer), optimizer)
    ema, loss_fn = ModelEMA(model), DetectionLoss(model)
    perm = np.random.default_rng(seed).permutation(len(samples))
    batches = min(batches, len(samples) // batch)
    mosaic = mosaic_share(0, cfg["epochs"], cfg["close_mosaic"])  # a stage's first epoch
    it = BatchSource(samples, imgsz, batch, seed, crop_first=crop_first).epoch(0, perm, batches, mosaic, None)
    spent = dict.fromkeys(PARTS, 0.0)

    def timed(part, fn):
        t = time.perf_counter()
        out = fn()
        spent[part] += time.perf_counter() - t
        return out

    for _ in range(batches):
        imgs, targets = timed("augment", lambda: next(it))
        feats = timed("forward", lambda: model(imgs))
        loss, _ = timed("loss", lambda: loss_fn(feats, targets))
        opt.zero_grad(set_to_none=True)
        timed("backward", loss.backward)
        timed("optimiser", lambda: (torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM), opt.step()))
        timed("ema", lambda: ema.update(model))
    return {k: v / batches for k, v in spent.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ssdd", default=DEFAULT_SSDD)
    ap.add_argument("--batches", type=int, default=25)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--imgsz", type=int, default=384, help="training crop size (default 384, the recipe's)")
    ap.add_argument("--batch", type=int, default=16, help="pictures per batch (default 16, the recipe's)")
    ap.add_argument("--crop-first", action=argparse.BooleanOptionalAction, default=True,
                    help="time the recipe's --crop-first augmentation (default; --no-crop-first: the previous one)")
    ap.add_argument("--stage", choices=sorted(STAGES), default="ssdd",
                    help="whose step (default ssdd; qat, qat-full: through their roundings)")
    ap.add_argument("--arch", choices=sorted(ARCHS), default="n", help="network (model.ARCHS; default n, the recipe's)")
    ap.add_argument("--optimizer", choices=OPTIMIZERS, default="adamw", help="whose step (default adamw, the recipe's)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    t = step_times(args.ssdd, args.batches, args.imgsz, args.batch, crop_first=args.crop_first, stage=args.stage,
                   arch=args.arch, optimizer=args.optimizer)
    total = sum(t.values())
    for k, v in t.items():
        print(f"{k:10s} {v * 1000:7.0f} ms  {100 * v / total:5.1f} %")
    print(f"{'step':10s} {total * 1000:7.0f} ms per batch of {args.batch} at {args.imgsz} px, "
          f"{total * 1000 / args.batch:.1f} ms per picture ({args.threads} threads, stage {args.stage}, arch {args.arch}, "
          f"optimizer {args.optimizer})")


if __name__ == "__main__":
    main()
