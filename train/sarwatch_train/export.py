"""Export a checkpoint to ONNX in exactly the Ultralytics YOLOv8 layout.

    /usr/bin/python3 -m sarwatch_train.export runs/bundled/qat/best.pt ../models/sarwatch-yolov8-sar.onnx --conf BEST \
        --fishing-share SHARE --class-rule RULE --fishing-max-length METRES

- input `images` [1, 2, 800, 800], float, 0-1 (VV, VH after dB -> 8-bit);
- output `output0` [1, 4 + nc, N], DFL decode, strides and sigmoid in the graph, xywh in input pixels;
- Conv+BN fused (as Ultralytics exports), SiLU as Sigmoid * x; opset 17;
- metadata_props: names, stride, imgsz, task, batch, channels (Ultralytics keys) plus
  `sarwatch_conf` (the operating threshold, from --conf),
  `sarwatch_fishing_share` (how the runtime tells fishing vessels from other vessels, from
  --fishing-share; train/choose-fishing-share.sh chooses it),
  `sarwatch_class_rule` (how the runtime decides a detection's class, from --class-rule: `best`,
  or `vessel-first`, a vessel whenever the vessel kinds' score clears the threshold),
  `sarwatch_fishing_max_length_m` (from --fishing-max-length: a `fishing` detection estimated
  longer is called `vessel`),
  `sarwatch_input` (the normalisation spec the runtime follows) and `strides`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import onnx
import torch
import torch.nn as nn

from .data import CLASS_NAMES
from .model import Conv, ModelConfig, count_gflops, count_params, load_checkpoint, model_from_checkpoint

CLASS_RULES = ("best", "vessel-first")  # the runtime's, src/model/model-info.ts
INPUT_SPEC = {"kind": "sar_db", "channels": [{"band": "VV", "lo": -50, "hi": 20}, {"band": "VH", "lo": -50, "hi": 20}]}


def fuse(model: nn.Module) -> nn.Module:
    """Fold each Conv's BatchNorm into the convolution weights and bias."""
    for m in model.modules():
        if isinstance(m, Conv) and isinstance(m.bn, nn.BatchNorm2d):
            c = m.conv
            fused = nn.Conv2d(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding, groups=c.groups, bias=True)
            with torch.no_grad():
                fused.weight.data, fused.bias.data = m.folded()
            m.conv = fused
            m.bn = nn.Identity()
    return model


def metadata(cfg: ModelConfig, ck: dict, imgsz: int, conf: float | None, params: int, gflops: float,
             fishing_share: float | None = None, class_rule: str | None = None,
             fishing_max_length: float | None = None) -> dict[str, str]:
    """metadata_props of the export: Ultralytics' keys, then sarwatch's."""
    meta = {
        "description": "sarwatch YOLOv8-family SAR vessel detector (VV/VH, 10 m class pixels)",
        "author": "sarwatch",
        "license": "Apache-2.0 (weights trained on SSDD, GPL-3.0 labels: see the model card)",
        "task": "detect",
        "stride": "32",
        "strides": json.dumps(list(cfg.strides)),
        "batch": "1",
        "imgsz": json.dumps([imgsz, imgsz]),
        "channels": str(cfg.in_ch),
        "names": str({i: n for i, n in enumerate(CLASS_NAMES)}),
        "sarwatch_input": json.dumps(INPUT_SPEC),
        "sarwatch_overlap": "64",
        "params": str(params),
        "gflops": f"{gflops:.2f}",
    }
    if conf is not None:
        meta["sarwatch_conf"] = f"{conf:g}"
    if fishing_share is not None:
        meta["sarwatch_fishing_share"] = f"{fishing_share:g}"
    if class_rule is not None:
        meta["sarwatch_class_rule"] = class_rule
    if fishing_max_length is not None:
        meta["sarwatch_fishing_max_length_m"] = f"{fishing_max_length:g}"
    if "metrics" in ck:
        meta["val_metrics"] = json.dumps({k: round(v, 4) for k, v in ck["metrics"].items() if isinstance(v, float)})
    return meta


def export(ckpt_path: str, out_path: str, imgsz: int = 800, opset: int = 17, conf: float | None = None,
           fishing_share: float | None = None, class_rule: str | None = None,
           fishing_max_length: float | None = None) -> None:
    if fishing_share is not None and not 0 < fishing_share < 1:
        raise ValueError(f"--fishing-share must lie between 0 and 1, got {fishing_share:g}")
    if class_rule is not None and class_rule not in CLASS_RULES:
        raise ValueError(f"--class-rule must be one of {', '.join(CLASS_RULES)}, got {class_rule}")
    if fishing_max_length is not None and not fishing_max_length > 0:
        raise ValueError(f"--fishing-max-length must be a length in metres above 0, got {fishing_max_length:g}")
    ck = load_checkpoint(ckpt_path)
    model = model_from_checkpoint(ck, ckpt_path).eval()
    params, gflops = count_params(model), count_gflops(model, imgsz)
    fuse(model)
    model.detect.export = True
    x = torch.zeros(1, model.cfg.in_ch, imgsz, imgsz)
    with torch.no_grad():
        y = model(x)
    tmp = out_path + ".partial"  # written whole or not at all
    try:
        torch.onnx.export(model, x, tmp, opset_version=opset, input_names=["images"], output_names=["output0"],
                          do_constant_folding=True)
        m = onnx.load(tmp)
        del m.metadata_props[:]
        for k, v in metadata(model.cfg, ck, imgsz, conf, params, gflops, fishing_share, class_rule,
                                 fishing_max_length).items():
            p = m.metadata_props.add()
            p.key, p.value = k, v
        onnx.checker.check_model(m)
        onnx.save(m, tmp)
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"exported {out_path}: output {list(y.shape)}, {params / 1e6:.3f} M params, {gflops:.2f} GFLOPs @{imgsz}, "
          f"opset {opset}, {os.path.getsize(out_path) / 1e6:.2f} MB")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--imgsz", type=int, default=800)
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--conf", type=float, default=None,
                    help="operating confidence threshold, chosen on validation data (metadata sarwatch_conf)")
    ap.add_argument("--fishing-share", type=float, default=None,
                    help="a vessel is `fishing` when fishing's score is at least this share of vessel + fishing, "
                         "chosen on validation data by train/choose-fishing-share.sh (metadata "
                         "sarwatch_fishing_share; default: none, the best class decides)")
    ap.add_argument("--class-rule", choices=CLASS_RULES, default=None,
                    help="how the runtime decides a detection's class, chosen on validation data (metadata "
                         "sarwatch_class_rule; default: none, the runtime's default `best`)")
    ap.add_argument("--fishing-max-length", type=float, default=None,
                    help="metres: a `fishing` detection estimated longer is called `vessel` (metadata "
                         "sarwatch_fishing_max_length_m; default: none)")
    a = ap.parse_args(argv)
    try:
        export(a.checkpoint, a.out, a.imgsz, a.opset, a.conf, a.fishing_share, a.class_rule, a.fishing_max_length)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f"export: {e}")


if __name__ == "__main__":
    main()
