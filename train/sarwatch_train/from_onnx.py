"""Recover a trainer checkpoint from a model this package exported, e.g. the bundled one:

    /usr/bin/python3 -m sarwatch_train.from_onnx ../models/sarwatch-yolov8-sar.onnx runs/bundled-onnx.pt

Training checkpoints live under train/runs, which git does not keep; the committed ONNX
does survive, so fine-tuning (e.g. `sarwatch_train.qat`) can start from it. Export folded
each BatchNorm into its convolution (export.fuse); here every BatchNorm is given the
identity (running mean 0, variance 1, scale sqrt(1 + eps)) and the folded bias, so the
checkpoint loads into the unfused network and computes what the ONNX computes. The ONNX
initializers keep the torch parameter names (`b0.conv.weight`, `b0.conv.bias`, ...).
The network config comes from `--arch` (default n, the bundled model's). The recovered
checkpoint is exported again and every initializer must come back bit for bit (`check`).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .model import ARCHS, Conv, SarYolo


def recover(onnx_path: str, arch: str = "n") -> SarYolo:
    try:
        m = onnx.load(onnx_path)
    except Exception as e:  # protobuf decode errors and the like
        raise ValueError(f"{onnx_path}: not an ONNX model ({type(e).__name__}: {e})") from None
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    model = SarYolo(ARCHS[arch]).eval()
    used = set()

    def take(name: str, like: torch.Tensor) -> torch.Tensor:
        t = inits.get(name)
        if t is None:
            raise ValueError(f"{onnx_path}: no initializer {name}: not exported by sarwatch_train with --arch {arch}")
        if tuple(t.shape) != tuple(like.shape):
            raise ValueError(f"{onnx_path}: {name} has shape {tuple(t.shape)}, the network wants {tuple(like.shape)}")
        used.add(name)
        return t

    with torch.no_grad():
        for name, mod in model.named_modules():
            if isinstance(mod, Conv):
                mod.set_folded(take(f"{name}.conv.weight", mod.conv.weight), take(f"{name}.conv.bias", mod.bn.bias))
            elif isinstance(mod, torch.nn.Conv2d) and not name.endswith(".conv"):
                mod.weight.copy_(take(f"{name}.weight", mod.weight))
                mod.bias.copy_(take(f"{name}.bias", mod.bias))
        # The DFL integral's fixed weights 0..15 come back from training a few ulps off (the
        # weight EMA's float update of a frozen tensor), so they are taken from the file too.
        model.detect.dfl.conv.weight.copy_(take("detect.dfl.conv.weight", model.detect.dfl.conv.weight))
    missing = [n for n in inits if n.endswith((".weight", ".bias")) and n not in used]
    if missing:
        raise ValueError(f"{onnx_path}: initializers the network has no place for: {', '.join(missing[:5])}")
    return model


def check(model: SarYolo, onnx_path: str) -> None:
    """Export the recovered network again and require every weight and bias of the original
    to come back bit for bit (so the checkpoint is exactly the model that was exported)."""
    from .export import export  # noqa: PLC0415 (export imports this package's model too)
    with tempfile.TemporaryDirectory() as tmp:
        ck = os.path.join(tmp, "recovered.pt")
        torch.save({"model": model.state_dict(), "config": model.cfg.__dict__}, ck)
        again = os.path.join(tmp, "again.onnx")
        export(ck, again)
        a = {i.name: numpy_helper.to_array(i) for i in onnx.load(onnx_path).graph.initializer}
        b = {i.name: numpy_helper.to_array(i) for i in onnx.load(again).graph.initializer}
    params = [n for n in a if n.endswith((".weight", ".bias"))]  # not the anchors folded in at export size
    diff = [n for n in params if n not in b or a[n].shape != b[n].shape or not np.array_equal(a[n], b[n])]
    if diff:
        raise ValueError(f"{onnx_path}: re-exporting the recovered network changes {len(diff)} initializers ({diff[0]}, ...)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx")
    ap.add_argument("out")
    ap.add_argument("--arch", choices=sorted(ARCHS), default="n")
    a = ap.parse_args(argv)
    try:
        model = recover(a.onnx, a.arch)
        check(model, a.onnx)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f"from_onnx: {e}")
    torch.save({"model": model.state_dict(), "config": model.cfg.__dict__, "from_onnx": a.onnx}, a.out)
    print(f"recovered {a.onnx} -> {a.out} (re-export identical)")


if __name__ == "__main__":
    main()
