"""Weight-space blend of two checkpoints of the same network (WiSE-FT).

    /usr/bin/python3 -m sarwatch_train.blend runs/bundled/ssdd/best.pt runs/bundled/joint/best.pt 0.3 OUT.pt

OUT = alpha * FIRST + (1 - alpha) * SECOND, tensor by tensor, BatchNorm running
statistics included. Why: adapting the SSDD model to synthetic Sentinel-1 chips
costs SSDD accuracy; because the adapted model is a short, low-learning-rate
fine-tune of the SSDD model, the two sit in one basin of the loss, and points
between them keep much of each (Wortsman et al., "Robust fine-tuning of
zero-shot models", CVPR 2022). No training: it takes seconds.
"""
from __future__ import annotations

import argparse
import sys

import torch

from .model import load_checkpoint, model_from_checkpoint


def blend_state(first: dict, second: dict, alpha: float) -> dict:
    if first.keys() != second.keys():
        raise ValueError("the checkpoints hold different networks (their tensor names differ)")
    out = {}
    for k, b in second.items():
        a = first[k]
        if a.shape != b.shape:
            raise ValueError(f"tensor {k} has shape {tuple(a.shape)} in one checkpoint and {tuple(b.shape)} in the other")
        # Integer tensors (BatchNorm's num_batches_tracked) are counters, not weights.
        out[k] = alpha * a + (1 - alpha) * b if b.is_floating_point() else b.clone()
    return out


def blend(first_path: str, second_path: str, alpha: float, out_path: str) -> None:
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    first = load_checkpoint(first_path)
    second = load_checkpoint(second_path)
    state = blend_state(first["model"], second["model"], alpha)
    model = model_from_checkpoint({**first, "model": state}, first_path)  # fails loudly if it is not that network
    torch.save({"model": state, "blend": {"first": first_path, "second": second_path, "alpha": alpha},
                "config": model.cfg.__dict__}, out_path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("first", help="checkpoint weighted by alpha (e.g. the SSDD stage)")
    ap.add_argument("second", help="checkpoint weighted by 1 - alpha (e.g. the adapted stage)")
    ap.add_argument("alpha", type=float)
    ap.add_argument("out")
    a = ap.parse_args(argv)
    try:
        blend(a.first, a.second, a.alpha, a.out)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f"blend: {e}")
    print(f"wrote {a.out}: {a.alpha} x {a.first} + {1 - a.alpha:g} x {a.second}")


if __name__ == "__main__":
    main()
