"""The network: the issue's size limits, the accelerator's operator set, the export layout."""
import unittest

import torch
import torch.nn as nn

from sarwatch_train.model import SPPF, ModelConfig, SarYolo, count_gflops, count_params, dist2bbox, make_anchors

torch.set_num_threads(1)  # robust when other jobs hold the cores (2 threads oversubscribe them)


class SizeTest(unittest.TestCase):
    def test_within_the_kv260_budget(self):
        m = SarYolo(ModelConfig())
        self.assertLessEqual(count_params(m), 3_500_000)
        self.assertLessEqual(count_gflops(m, 800), 6.0)

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


class OperatorSetTest(unittest.TestCase):
    """Only what the int8 accelerator executes (issue: convs 1x1/3x3 stride 1 or 2, a pointwise
    activation, 5x5 max-pool, nearest 2x upsample; add/concat/split are not modules)."""

    def test_layers(self):
        allowed = (SarYolo, nn.Sequential, nn.ModuleList, nn.Conv2d, nn.BatchNorm2d, nn.SiLU, nn.MaxPool2d,
                   nn.Upsample, nn.Identity)
        for name, m in SarYolo(ModelConfig()).named_modules():
            if type(m).__module__.startswith("torch.nn"):
                self.assertIsInstance(m, allowed, name)
            if isinstance(m, nn.Conv2d):
                self.assertIn(m.kernel_size, ((1, 1), (3, 3)), name)
                self.assertIn(m.stride, ((1, 1), (2, 2)), name)
            if isinstance(m, nn.MaxPool2d):
                self.assertEqual(m.kernel_size, 5, name)
                self.assertEqual(m.stride, 1, name)
            if isinstance(m, nn.Upsample):
                self.assertEqual((m.scale_factor, m.mode), (2.0, "nearest"), name)
        self.assertTrue(any(isinstance(m, SPPF) for m in SarYolo(ModelConfig()).modules()))


class ExportLayoutTest(unittest.TestCase):
    def test_output_is_ultralytics_layout(self):
        cfg = ModelConfig()
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


if __name__ == "__main__":
    unittest.main()
