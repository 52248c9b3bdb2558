"""The network: the issue's size limits, the accelerator's operator set, the export layout."""
import os
import re
import unittest

import torch
import torch.nn as nn

from sarwatch_train.model import (ARCHS, SPPF, ModelConfig, SarYolo, count_gflops, count_params, dist2bbox, make_anchors,
                                  model_from_checkpoint)

torch.set_num_threads(1)  # robust when other jobs hold the cores (2 threads oversubscribe them)


class SizeTest(unittest.TestCase):
    def test_within_the_kv260_budget(self):
        for name, cfg in ARCHS.items():
            m = SarYolo(cfg)
            self.assertLessEqual(count_params(m), 3_500_000, name)
            self.assertLessEqual(count_gflops(m, 800), 6.0, name)

    def test_separable_head_counts_depthwise_macs(self):
        dense, sep = SarYolo(ModelConfig()), SarYolo(ModelConfig(separable=(True, False, False)))
        # P3's four 3x3 convs (48->32, 32->32, twice) at 100x100 become depthwise 3x3 + 1x1.
        dense_macs = 100 * 100 * 9 * (48 * 32 + 32 * 32) * 2
        sep_macs = 100 * 100 * (9 * 48 + 48 * 32 + 9 * 32 + 32 * 32) * 2
        self.assertAlmostEqual((count_gflops(dense, 800) - count_gflops(sep, 800)) * 1e9 / 2, dense_macs - sep_macs,
                               delta=1)

    def test_gflops_count_two_flops_per_multiply_accumulate(self):
        class One(nn.Module):
            cfg = ModelConfig(in_ch=2)

            def __init__(self):
                super().__init__()
                self.c = nn.Conv2d(2, 4, 3, 1, 1, bias=False)

            def forward(self, x):
                return self.c(x)

        # 8x8 outputs x 4 channels x (3x3 x 2 inputs) MACs, twice.
        self.assertAlmostEqual(count_gflops(One(), 8) * 1e9, 2 * 8 * 8 * 4 * 9 * 2)


ENGINE_CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "native", "include", "sarwatch", "engine_config.h")


def engine_limit(name: str) -> int:
    """One constant of the accelerator's configuration, the file the HLS kernel and the int8 engine read."""
    with open(ENGINE_CONFIG) as f:
        return int(re.search(rf"constexpr int {name} = (\d+);", f.read()).group(1))


class AcceleratorFitTest(unittest.TestCase):
    def test_every_row_fits_the_line_buffer(self):
        # The HLS kernel holds feature-map rows of at most kMaxRowBytes (width x channels, a
        # concatenation whole); widening a level must keep every layer's input and output row within it.
        limit = engine_limit("kMaxRowBytes")
        for arch, cfg in ARCHS.items():
            with self.subTest(arch=arch):
                model, rows = SarYolo(cfg).eval(), []
                for name, m in model.named_modules():
                    # The DFL's 1x1 convolution reads the box logits as a [4, anchors] map: the decode,
                    # run after the accelerator's head, not a feature-map row.
                    if isinstance(m, (nn.Conv2d, nn.MaxPool2d)) and not name.startswith("detect.dfl"):
                        m.register_forward_hook(lambda m, inp, out, name=name: rows.append(
                            (max(inp[0].shape[1] * inp[0].shape[3], out.shape[1] * out.shape[3]), name)))
                with torch.no_grad():
                    model(torch.zeros(1, cfg.in_ch, 800, 800))
                widest, layer = max(rows)
                self.assertLessEqual(widest, limit, f"{layer}: a row of {widest} bytes")
        self.assertEqual(limit, 16384)  # the configuration this test was written against


class OperatorSetTest(unittest.TestCase):
    """Only what the int8 accelerator executes (issue: convs 1x1/3x3 stride 1 or 2, a pointwise
    activation, 5x5 max-pool, nearest 2x upsample; add/concat/split are not modules)."""

    def test_layers(self):
        for arch, cfg in ARCHS.items():
            with self.subTest(arch=arch):
                self._check_layers(SarYolo(cfg))

    def _check_layers(self, model):
        allowed = (SarYolo, nn.Sequential, nn.ModuleList, nn.Conv2d, nn.BatchNorm2d, nn.SiLU, nn.MaxPool2d,
                   nn.Upsample, nn.Identity)
        for name, m in model.named_modules():
            if type(m).__module__.startswith("torch.nn"):
                self.assertIsInstance(m, allowed, name)
            if isinstance(m, nn.Conv2d):
                self.assertIn(m.kernel_size, ((1, 1), (3, 3)), name)
                self.assertIn(m.stride, ((1, 1), (2, 2)), name)
                self.assertIn(m.groups, (1, m.in_channels), name)  # dense or depthwise
            if isinstance(m, nn.MaxPool2d):
                self.assertEqual(m.kernel_size, 5, name)
                self.assertEqual(m.stride, 1, name)
            if isinstance(m, nn.Upsample):
                self.assertEqual((m.scale_factor, m.mode), (2.0, "nearest"), name)
        self.assertTrue(any(isinstance(m, SPPF) for m in model.modules()))


class ExportLayoutTest(unittest.TestCase):
    def test_output_is_ultralytics_layout(self):
        for arch, cfg in ARCHS.items():
            with self.subTest(arch=arch):
                self._check_layout(cfg)

    def _check_layout(self, cfg):
        m = SarYolo(cfg).eval()
        m.detect.export = True
        with torch.no_grad():
            y = m(torch.rand(1, 2, 256, 192))
        n = sum((256 // s) * (192 // s) for s in cfg.strides)
        self.assertEqual(tuple(y.shape), (1, 4 + cfg.nc, n))
        scores = y[0, 4:]
        self.assertTrue(bool(((scores >= 0) & (scores <= 1)).all()), "class scores are sigmoids")
        # Boxes are xywh in input pixels: every centre lies inside (or near) the image.
        cx, cy = y[0, 0], y[0, 1]
        self.assertTrue(bool((cx > -64).all() and (cx < 192 + 64).all() and (cy > -64).all() and (cy < 256 + 64).all()))

    def test_anchor_decode(self):
        feats = [torch.zeros(1, 1, 2, 3)]
        pts, strides = make_anchors(feats, [8])
        self.assertEqual(pts.tolist()[:4], [[0.5, 0.5], [1.5, 0.5], [2.5, 0.5], [0.5, 1.5]])
        # Distances (l, t, r, b) = (1, 2, 3, 4) grid cells from the anchor (0.5, 0.5).
        box = dist2bbox(torch.tensor([[1.0, 2.0, 3.0, 4.0]]), pts[:1], xywh=True)
        self.assertEqual(box.tolist(), [[1.5, 1.5, 4.0, 6.0]])
        self.assertTrue(bool((strides == 8).all()))


class ArchitectureTest(unittest.TestCase):
    def test_p2_adds_a_stride_4_level(self):
        feats = SarYolo(ARCHS["p2"]).train()(torch.zeros(1, 2, 64, 96))
        self.assertEqual([tuple(f.shape[2:]) for f in feats], [(16, 24), (8, 12), (4, 6), (2, 3)])

    def test_strides_must_match_the_topology(self):
        with self.assertRaisesRegex(ValueError, "strides"):
            ModelConfig(p2=True)
        with self.assertRaisesRegex(ValueError, "separable"):
            ModelConfig(separable=(True,))

    def test_checkpoint_builds_its_own_network(self):
        p2 = SarYolo(ARCHS["p2"])
        ck = {"model": p2.state_dict(), "config": dict(p2.cfg.__dict__, strides=[4, 8, 16, 32])}  # lists, as JSON has
        self.assertEqual(model_from_checkpoint(ck).cfg, ARCHS["p2"])
        # Checkpoints from before --arch carry the default config, or none.
        old = {"model": SarYolo(ModelConfig()).state_dict()}
        self.assertEqual(model_from_checkpoint(old).cfg, ModelConfig())
        with self.assertRaisesRegex(ValueError, "m.pt: its weights do not fit"):
            model_from_checkpoint({"model": p2.state_dict()}, "m.pt")

    def test_default_network_keeps_its_tensor_names(self):
        # The committed model's checkpoints must still load: `separable` off leaves the head as it was.
        keys = SarYolo(ModelConfig()).state_dict().keys()
        self.assertIn("detect.cv2.0.0.conv.weight", keys)
        self.assertIn("detect.cv3.2.1.bn.running_var", keys)
        self.assertFalse(any(k.startswith("h_p2") for k in keys))


if __name__ == "__main__":
    unittest.main()
