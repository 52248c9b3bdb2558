"""Quantisation-aware fine-tuning: train the float network through the int8 program's roundings.

The compiler (src/model/compiler/quantize.ts, arithmetic in native/include/sarwatch/quant.h)
turns the exported network into int8 codes: weights symmetric per output channel
(scale max|w|/127) after BatchNorm is folded in, every activation per tensor with an affine
code over its calibrated min/max (widened to contain 0), a convolution's pre-activation
values coded over the part of their range where SiLU still changes (above -6), then a
table to the output code; concat outputs and residual adds requantised to their own code;
max-pool, upsampling and channel splits keep their input's code. `prepare` puts the same
roundings into the torch network as fake quantisation (straight-through gradients), at
the same places, so that fine-tuning learns weights whose int8 program behaves like the
float model (the recipe's stage `qat` leaves out the pre-activation codes: `prepare`'s
`pre_activation`). The ranges here are running averages of each batch's min/max; the compiler
calibrates its own on the exported model, as for any other.

BatchNorm is folded into the convolution at the start and left as the identity plus the
folded bias, on its running statistics (the usual QAT recipe once batch statistics have settled), so a
fine-tuned checkpoint still has the ordinary layout once `clean_state` has taken the
quantisation state out: export and compile need nothing special.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils import parametrize

from .model import C2f, SPPF, Bottleneck, Conv, SarYolo

QMIN, QMAX = -128, 127
# Below this the compiler stops spending codes on SiLU's input (quantize.ts, usefulPreRange).
SILU_FLOOR = -6.0


def _in_memory_order(x: torch.Tensor) -> torch.Tensor:
    """x as a view whose dimensions follow its memory, for reductions whose result does not depend
    on order (min, max). Training activations are channels-last (the batches are NHWC views,
    batches.collate), and torch 1.13 copies such a tensor to NCHW before a full min or max: that
    copy was about a seventh of a `qat` step (train/README.md, "Quantisation-aware fine-tuning")."""
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        return x.permute(0, 2, 3, 1)
    return x


class ActQuant(nn.Module):
    """Per-tensor affine int8 fake quantisation over a running min/max range."""

    def __init__(self, floor: float | None = None, momentum: float = 0.01):
        super().__init__()
        self.floor = floor
        self.momentum = momentum
        self.register_buffer("lo", torch.tensor(float("nan")))
        self.register_buffer("hi", torch.tensor(float("nan")))
        self.enabled = True

    def qparams(self) -> tuple[float, int]:
        """Scale and zero point exactly as quantize.ts's qparamsFromRange (after usefulPreRange)."""
        lo, hi = float(self.lo), float(self.hi)
        if self.floor is not None:
            lo = max(lo, self.floor)
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi - lo < 1e-8:
            hi = lo + 1e-8
        scale = (hi - lo) / 255
        zp = int(max(QMIN, min(QMAX, round(-128 - lo / scale))))
        return scale, zp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            with torch.no_grad():
                lo, hi = torch.aminmax(_in_memory_order(x))
                if torch.isnan(self.lo):
                    self.lo.copy_(lo)
                    self.hi.copy_(hi)
                else:
                    self.lo.lerp_(lo, self.momentum)
                    self.hi.lerp_(hi, self.momentum)
        if not self.enabled or torch.isnan(self.lo):
            return x
        scale, zp = self.qparams()
        return torch.fake_quantize_per_tensor_affine(x, scale, zp, QMIN, QMAX)


class WeightQuant(nn.Module):
    """Symmetric int8 per output channel, scale max|w|/127 (quantize.ts)."""

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        amax = w.detach().abs().amax(dim=(1, 2, 3)).clamp_min(1e-12)
        zero = torch.zeros(w.shape[0], dtype=torch.int32, device=w.device)
        return torch.fake_quantize_per_channel_affine(w, amax / 127, zero, 0, QMIN, QMAX)


# Hooks are module-level functions that find their quantiser on the module, so that deep copies
# of the network (the weight EMA) quantise with their own state.
def _quant_output(mod, inp, out):
    return mod.qat_out(out)


def _quant_pre_activation(bn, inp, out):
    return bn.qat_pre(out)


def _quant_input(mod, inp):
    return (mod.qat_in(inp[0]),) + tuple(inp[1:])


@torch.no_grad()
def fold_batchnorm(conv: Conv) -> None:
    """Fold the BatchNorm's running statistics into the convolution; leave BN as identity + bias,
    its scale frozen (the bias trains)."""
    conv.set_folded(*conv.folded())
    conv.bn.weight.requires_grad_(False)


def freeze_batchnorm(model: nn.Module) -> None:
    """Keep every BatchNorm on its running statistics (call after model.train()).

    Only the BatchNorm's own flag: `m.eval()` would also stop the pre-activation quantiser that
    hangs on it (`bn.qat_pre`) from tracking its range, so that it never gets one and lets its
    tensor through unrounded. Until 2026-11-24 it did, in every `qat` run (train/README.md,
    "Quantisation-aware fine-tuning")."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.training = False


def prepare(model: SarYolo, pre_activation: bool = True) -> SarYolo:
    """Fold BatchNorm and insert the int8 program's roundings, in place.

    `pre_activation=False` leaves out the rounding of each convolution's output before its SiLU
    (the compiler's pre-activation code, ahead of the SiLU table), and keeps the others: weights,
    SiLU outputs, residual adds, concatenations and the head's logits. That is what the recipe's
    `qat` stage has done since 2026-11-22, by a bug until 2026-11-24 and by name since
    (train/README.md, "Quantisation-aware fine-tuning"); `qat-full` rounds them all."""
    for m in list(model.modules()):
        if isinstance(m, Conv):
            fold_batchnorm(m)
            parametrize.register_parametrization(m.conv, "weight", WeightQuant())
            silu = isinstance(m.act, nn.SiLU)
            if pre_activation:
                m.bn.qat_pre = ActQuant(SILU_FLOOR if silu else None)
                m.bn.register_forward_hook(_quant_pre_activation)
            if silu:
                m.qat_out = ActQuant()
                m.register_forward_hook(_quant_output)
        elif isinstance(m, Bottleneck) and m.add:
            m.qat_out = ActQuant()
            m.register_forward_hook(_quant_output)
    for seq in list(model.detect.cv2) + list(model.detect.cv3):
        last = seq[-1]  # the 1x1 convolution that gives box or class logits
        parametrize.register_parametrization(last, "weight", WeightQuant())
        last.qat_out = ActQuant()
        last.register_forward_hook(_quant_output)
    # Concatenations: the convolution after each one reads the concat's own code.
    takers = [m.cv2 for m in model.modules() if isinstance(m, (C2f, SPPF))]
    takers += [m for n, m in model.named_children() if n.startswith("h") and isinstance(m, C2f)]
    for m in takers:
        m.qat_in = ActQuant()
        m.register_forward_pre_hook(_quant_input)
    freeze_batchnorm(model)
    return model


def quantisers(model: nn.Module) -> list[ActQuant]:
    return [m for m in model.modules() if isinstance(m, ActQuant)]


def set_enabled(model: nn.Module, on: bool) -> None:
    for q in quantisers(model):
        q.enabled = on


def clean_state(state: dict) -> dict:
    """A QAT network's state_dict in the ordinary layout: float weights under their own names,
    without the quantisers' ranges (loads with model_from_checkpoint; export folds the identity BN)."""
    out = {}
    for k, v in state.items():
        if ".qat_" in k:
            continue
        out[k.replace(".parametrizations.weight.original", ".weight")] = v
    return out
