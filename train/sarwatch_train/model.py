"""YOLOv8-family detector sized for the KV260 int8 engine.

The blocks are the Ultralytics YOLOv8 ones (Conv-BN-SiLU, C2f, SPPF, PAN neck,
decoupled anchor-free head with DFL) with narrower widths and a lighter head,
so that the whole network stays under 3.5 M parameters and 6 GFLOPs per
800 x 800 tile. Only operations the int8 accelerator executes appear in the
exported graph up to the head's raw convolutions: 1x1/3x3 convolutions with
stride 1 or 2, SiLU (a lookup table on the accelerator), add, concat, channel
split, 5x5 max-pool and nearest 2x upsample.

The export path (`Detect.forward` in eval mode with `export=True`) reproduces
the Ultralytics ONNX layout exactly: `output0` is `[1, 4 + nc, N]` with DFL
decode, strides and sigmoid inside the graph, boxes as xywh in input pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn


def autopad(k: int) -> int:
    return k // 2


class Conv(nn.Module):
    """Conv2d + BatchNorm + SiLU, the YOLOv8 basic block."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1, g: int = 1, act: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k), groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU() if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))

    def folded(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The convolution's weight and bias with the BatchNorm's running statistics folded in
        (export.fuse writes these; qat fine-tunes them)."""
        bn = self.bn
        k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        return self.conv.weight * k.view(-1, 1, 1, 1), bn.bias - bn.running_mean * k

    @torch.no_grad()
    def set_folded(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        """Hold weights that are already folded: the convolution takes `weight`, the BatchNorm
        becomes the identity plus `bias` (mean 0, variance 1, scale the same float32
        sqrt(1 + eps) it divides by), so that `folded` gives them back bit for bit."""
        self.conv.weight.copy_(weight)
        bn = self.bn
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0)
        bn.weight.copy_(torch.sqrt(bn.running_var + bn.eps))
        bn.bias.copy_(bias)


class Bottleneck(nn.Module):
    def __init__(self, c1: int, c2: int, shortcut: bool = True, e: float = 1.0):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 3, 1)
        self.cv2 = Conv(c_, c2, 3, 1)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class C2f(nn.Module):
    """CSP bottleneck with two convolutions (YOLOv8). Split, n bottlenecks, concat."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = False, e: float = 0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).split((self.c, self.c), 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    """Spatial pyramid pooling - fast: three chained 5x5 max-pools."""

    def __init__(self, c1: int, c2: int, k: int = 5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * 4, c2, 1, 1)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class DFL(nn.Module):
    """Distribution focal loss integral: softmax over reg_max bins, then expectation.

    A 1x1 conv with fixed weights 0..reg_max-1, exactly as Ultralytics exports it.
    """

    def __init__(self, c1: int = 16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(c1, dtype=torch.float).view(1, c1, 1, 1)
        self.c1 = c1

    def forward(self, x):
        b, _, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


def make_anchors(feats, strides, offset: float = 0.5):
    points, stride_t = [], []
    for f, s in zip(feats, strides):
        _, _, h, w = f.shape
        sx = torch.arange(w, dtype=f.dtype, device=f.device) + offset
        sy = torch.arange(h, dtype=f.dtype, device=f.device) + offset
        yy, xx = torch.meshgrid(sy, sx, indexing="ij")
        points.append(torch.stack((xx, yy), -1).view(-1, 2))
        stride_t.append(torch.full((h * w, 1), s, dtype=f.dtype, device=f.device))
    return torch.cat(points), torch.cat(stride_t)


def dist2bbox(distance, anchor_points, xywh: bool = True, dim: int = -1):
    lt, rb = distance.chunk(2, dim)
    x1y1 = anchor_points - lt
    x2y2 = anchor_points + rb
    if xywh:
        c_xy = (x1y1 + x2y2) / 2
        wh = x2y2 - x1y1
        return torch.cat((c_xy, wh), dim)
    return torch.cat((x1y1, x2y2), dim)


def head_conv(c1: int, c2: int, separable: bool) -> nn.Module:
    """A 3x3 Conv of the head, or its depthwise-separable form (depthwise 3x3, then 1x1), as YOLO11's
    class branch has it: about a ninth of the multiply-accumulates when c1 == c2."""
    if not separable:
        return Conv(c1, c2, 3)
    return nn.Sequential(Conv(c1, c1, 3, g=c1), Conv(c1, c2, 1))


class Detect(nn.Module):
    """Decoupled anchor-free head. Training returns raw maps; export returns [B, 4+nc, N].

    `separable[i]` makes level i's 3x3 convolutions depthwise-separable (see `head_conv`)."""

    def __init__(self, nc: int, ch: tuple[int, ...], strides: tuple[int, ...], c_box: int, c_cls: int,
                 reg_max: int = 16, separable: tuple[bool, ...] | None = None):
        super().__init__()
        self.nc = nc
        self.nl = len(ch)
        self.reg_max = reg_max
        self.no = nc + reg_max * 4
        self.stride = torch.tensor(strides, dtype=torch.float)
        sep = separable or (False,) * self.nl
        self.cv2 = nn.ModuleList(
            nn.Sequential(head_conv(x, c_box, s), head_conv(c_box, c_box, s), nn.Conv2d(c_box, 4 * reg_max, 1))
            for x, s in zip(ch, sep))
        self.cv3 = nn.ModuleList(
            nn.Sequential(head_conv(x, c_cls, s), head_conv(c_cls, c_cls, s), nn.Conv2d(c_cls, nc, 1))
            for x, s in zip(ch, sep))
        self.dfl = DFL(reg_max)
        self.export = False

    def bias_init(self, imgsz: int = 640):
        for a, b, s in zip(self.cv2, self.cv3, self.stride):
            a[-1].bias.data[:] = 1.0
            # Prior: ~5 objects per image at this level's resolution (Ultralytics' choice).
            b[-1].bias.data[: self.nc] = math.log(5 / self.nc / (imgsz / float(s)) ** 2)

    def forward(self, x):
        for i in range(self.nl):
            x[i] = torch.cat((self.cv2[i](x[i]), self.cv3[i](x[i])), 1)
        if self.training and not self.export:
            return x
        b = x[0].shape[0]
        anchors, strides = (t.transpose(0, 1) for t in make_anchors(x, self.stride.tolist(), 0.5))
        x_cat = torch.cat([xi.view(b, self.no, -1) for xi in x], 2)
        box, cls = x_cat.split((self.reg_max * 4, self.nc), 1)
        dbox = dist2bbox(self.dfl(box), anchors.unsqueeze(0), xywh=True, dim=1) * strides
        y = torch.cat((dbox, cls.sigmoid()), 1)
        return y if self.export else (y, x)


@dataclass
class ModelConfig:
    """Widths of the five backbone stages, C2f depths and head widths.

    `p2` adds a stride-4 level to the neck and head (a leaf form of Ultralytics' yolov8-p2) for vessels of a
    few pixels; `separable` marks, per head level, depthwise-separable 3x3 convolutions."""

    in_ch: int = 2
    nc: int = 3
    widths: tuple[int, int, int, int, int] = (16, 32, 48, 96, 128)
    depths: tuple[int, int, int, int] = (1, 1, 1, 1)
    c_box: int = 32
    c_cls: int = 32
    reg_max: int = 16
    names: tuple[str, ...] = ("vessel", "fishing", "non_vessel")
    strides: tuple[int, ...] = field(default=(8, 16, 32))
    p2: bool = False
    separable: tuple[bool, ...] = ()

    def __post_init__(self):
        want = (4, 8, 16, 32) if self.p2 else (8, 16, 32)
        if tuple(self.strides) != want:
            raise ValueError(f"strides {tuple(self.strides)} do not match the topology (p2={self.p2}): {want}")
        if self.separable and len(self.separable) != len(want):
            raise ValueError(f"separable has {len(self.separable)} entries for {len(want)} head levels")

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        """The config a checkpoint stores (`__dict__`); keys added since it was written take their defaults."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# Named architectures (`train --arch`). `n` is the bundled model's.
ARCHS = {
    "n": ModelConfig(),
    # A stride-4 level for vessels of a few pixels; the head's P2 and P3 convolutions depthwise-separable
    # so that the whole stays within 6 GFLOPs per 800 x 800 tile.
    "p2": ModelConfig(p2=True, strides=(4, 8, 16, 32), separable=(True, True, False, False)),
    # YOLOv8n's C2f depths (two bottlenecks at P3 and P4, as its 3, 6, 6, 3 times 0.33) instead of one
    # everywhere: 1.094 M parameters, 5.93 GFLOPs per 800 x 800 tile (an experiment, train/README.md).
    "n-deep": ModelConfig(depths=(1, 2, 2, 1)),
    # Wider P4 and P5 (112 and 192 channels instead of 96 and 128), paid for by a depthwise-separable
    # P3 head: 1.592 M parameters, 5.80 GFLOPs per 800 x 800 tile. P3's concatenation (112 + 48
    # channels at 100 px) still fits the accelerator's 16 KiB row (an experiment, train/README.md).
    "n-wide": ModelConfig(widths=(16, 32, 48, 112, 192), separable=(True, False, False)),
}


class SarYolo(nn.Module):
    """YOLOv8 topology (backbone, SPPF, PAN neck, 3-level head; 4 levels with `p2`)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        w0, w1, w2, w3, w4 = cfg.widths
        d1, d2, d3, d4 = cfg.depths
        self.b0 = Conv(cfg.in_ch, w0, 3, 2)         # P1/2
        self.b1 = Conv(w0, w1, 3, 2)                # P2/4
        self.b2 = C2f(w1, w1, d1, True)
        self.b3 = Conv(w1, w2, 3, 2)                # P3/8
        self.b4 = C2f(w2, w2, d2, True)
        self.b5 = Conv(w2, w3, 3, 2)                # P4/16
        self.b6 = C2f(w3, w3, d3, True)
        self.b7 = Conv(w3, w4, 3, 2)                # P5/32
        self.b8 = C2f(w4, w4, d4, True)
        self.b9 = SPPF(w4, w4, 5)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.h12 = C2f(w4 + w3, w3, 1, False)
        self.h15 = C2f(w3 + w2, w2, 1, False)       # P3 out
        if cfg.p2:
            # P2 out. Ultralytics' yolov8-p2 also feeds it back into P3 (a 3x3 stride-2 Conv and a C2f,
            # 0.53 GFLOPs at 800 px); this leaf form leaves that out to stay within 6 GFLOPs.
            self.h_p2 = C2f(w2 + w1, w1, 1, False)
        self.h16 = Conv(w2, w2, 3, 2)
        self.h18 = C2f(w2 + w3, w3, 1, False)       # P4 out
        self.h19 = Conv(w3, w3, 3, 2)
        self.h21 = C2f(w3 + w4, w4, 1, False)       # P5 out
        ch = ((w1,) if cfg.p2 else ()) + (w2, w3, w4)
        self.detect = Detect(cfg.nc, ch, cfg.strides, cfg.c_box, cfg.c_cls, cfg.reg_max, cfg.separable or None)

    def forward(self, x):
        p2 = self.b2(self.b1(self.b0(x)))
        p3 = self.b4(self.b3(p2))
        p4 = self.b6(self.b5(p3))
        p5 = self.b9(self.b8(self.b7(p4)))
        h12 = self.h12(torch.cat((self.up(p5), p4), 1))
        h15 = self.h15(torch.cat((self.up(h12), p3), 1))
        outs = [self.h_p2(torch.cat((self.up(h15), p2), 1))] if self.cfg.p2 else []
        h18 = self.h18(torch.cat((self.h16(h15), h12), 1))
        h21 = self.h21(torch.cat((self.h19(h18), p5), 1))
        return self.detect(outs + [h15, h18, h21])


def load_checkpoint(path: str) -> dict:
    """A checkpoint written by the trainer (or blend): a dict with the network's state under
    "model". A missing file raises FileNotFoundError; anything else unreadable, ValueError
    naming the file, so that the command-line tools can say which input is wrong."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise
    except Exception as e:  # pickle, zip and EOF errors all mean the same to the user
        raise ValueError(f"{path}: not a sarwatch_train checkpoint ({type(e).__name__}: {e})") from None
    if not isinstance(ck, dict) or "model" not in ck:
        raise ValueError(f"{path}: not a sarwatch_train checkpoint (no 'model' entry)")
    return ck


def model_from_checkpoint(ck: dict, path: str = "checkpoint") -> SarYolo:
    """The network a checkpoint holds, built from the config it stores (checkpoints from before
    `--arch` hold the default one), with its weights loaded."""
    try:
        cfg = ModelConfig.from_dict(ck.get("config", {}))
        model = SarYolo(cfg)
        model.load_state_dict(ck["model"])
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{path}: its weights do not fit the network it describes ({e})") from None
    return model


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_gflops(model: nn.Module, imgsz: int) -> float:
    """GFLOPs as Ultralytics counts them: 2 x multiply-accumulates of conv layers."""
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        k = m.kernel_size[0] * m.kernel_size[1]
        macs += out.numel() * k * m.in_channels // m.groups

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, model.cfg.in_ch, imgsz, imgsz))
    model.train(was)
    for h in hs:
        h.remove()
    return 2 * macs / 1e9


if __name__ == "__main__":
    for name, cfg in ARCHS.items():
        m = SarYolo(cfg)
        print(f"{name}: params {count_params(m) / 1e6:.3f} M, {count_gflops(m, 800):.2f} GFLOPs @800, "
              f"{count_gflops(m, 640):.2f} GFLOPs @640")
