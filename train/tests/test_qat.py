"""Quantisation-aware fine-tuning (qat.py) and recovering a checkpoint from an export (from_onnx.py)."""
import math
import os
import tempfile
import unittest

import torch

from sarwatch_train import qat
from sarwatch_train.export import export
from sarwatch_train.from_onnx import check, recover
from sarwatch_train.model import ARCHS, Conv, ModelConfig, SarYolo

torch.set_num_threads(1)  # robust when other jobs hold the cores (2 threads oversubscribe them)


def random_network(seed: int = 0) -> SarYolo:
    """A network with BatchNorm statistics far from the identity, so that folding is exercised."""
    torch.manual_seed(seed)
    m = SarYolo(ModelConfig())
    with torch.no_grad():
        for bn in (x for x in m.modules() if isinstance(x, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.3, 0.3)
    return m.eval()


class ActQuantTest(unittest.TestCase):
    def quantiser(self, lo, hi, floor=None):
        q = qat.ActQuant(floor)
        q.lo.fill_(lo)
        q.hi.fill_(hi)
        return q.eval()

    def test_codes_as_the_compiler_makes_them(self):
        # quantize.ts qparamsFromRange: scale (max - min)/255, zero point round(-128 - min/scale).
        self.assertEqual(self.quantiser(-1.0, 3.0).qparams(), (4 / 255, -64))
        self.assertEqual(self.quantiser(0.5, 2.0).qparams(), (2 / 255, -128))  # the range is widened to hold 0
        scale, zp = self.quantiser(-40.0, 6.0, floor=qat.SILU_FLOOR).qparams()  # usefulPreRange for SiLU
        self.assertAlmostEqual(scale, 12 / 255)
        self.assertEqual(zp, 0)

    def test_values_land_on_the_grid_and_saturate(self):
        q = self.quantiser(-1.0, 3.0)
        x = torch.linspace(-2.0, 4.0, 1001)
        y = q(x)
        codes = y / (4 / 255) - 64
        self.assertTrue(torch.allclose(codes, codes.round(), atol=1e-3))
        self.assertAlmostEqual(float(y.min()), -128 * 4 / 255 + 64 * 4 / 255, places=5)
        self.assertAlmostEqual(float(y.max()), (127 + 64) * 4 / 255, places=5)
        self.assertEqual(float(q(torch.zeros(1))), 0.0)  # zero is exact

    def test_training_tracks_the_range(self):
        q = qat.ActQuant(momentum=0.5).train()
        q(torch.tensor([-1.0, 1.0]))
        self.assertEqual((float(q.lo), float(q.hi)), (-1.0, 1.0))  # the first batch sets it
        q(torch.tensor([-3.0, 2.0]))
        self.assertEqual((float(q.lo), float(q.hi)), (-2.0, 1.5))

    def test_the_range_of_a_channels_last_batch_is_its_own(self):
        # Training activations are NHWC in memory; the range is read in that order, and a
        # reduction's order must not change it.
        x = torch.randn(2, 3, 5, 7)
        x[1, 2, 4, 6], x[0, 1, 0, 3] = 9.0, -8.0
        for layout in (torch.contiguous_format, torch.channels_last):
            q = qat.ActQuant().train()
            y = q(x.contiguous(memory_format=layout))
            self.assertEqual((float(q.lo), float(q.hi)), (-8.0, 9.0), layout)
            self.assertTrue(y.is_contiguous(memory_format=layout), layout)


class WeightQuantTest(unittest.TestCase):
    def test_symmetric_per_output_channel(self):
        w = torch.randn(4, 3, 3, 3) * torch.tensor([0.01, 0.1, 1.0, 10.0]).view(-1, 1, 1, 1)
        y = qat.WeightQuant()(w)
        s = w.abs().amax(dim=(1, 2, 3)) / 127
        codes = y / s.view(-1, 1, 1, 1)
        self.assertTrue(torch.allclose(codes, codes.round(), atol=1e-3))
        self.assertTrue(torch.allclose(codes.abs().amax(dim=(1, 2, 3)), torch.full((4,), 127.0)))
        self.assertTrue(torch.all((y - w).abs() <= s.view(-1, 1, 1, 1) / 2 + 1e-6))


class PrepareTest(unittest.TestCase):
    def test_folding_keeps_the_function_and_the_layout(self):
        ref = random_network()
        m = qat.prepare(random_network())
        x = torch.rand(1, 2, 96, 96)
        clean = SarYolo(ModelConfig())
        clean.load_state_dict(qat.clean_state(m.state_dict()))  # the ordinary layout: strict load
        with torch.no_grad():
            self.assertTrue(torch.allclose(clean.eval()(x)[0], ref(x)[0], atol=1e-3, rtol=1e-4))

    def test_every_coded_tensor_gets_a_quantiser(self):
        m = qat.prepare(random_network())
        convs = [c for c in m.modules() if isinstance(c, Conv)]
        self.assertTrue(all(hasattr(c.bn, "qat_pre") and hasattr(c, "qat_out") for c in convs))  # all SiLU here
        self.assertTrue(all(hasattr(s[-1], "qat_out") for s in list(m.detect.cv2) + list(m.detect.cv3)))
        self.assertTrue(all(hasattr(getattr(m, h), "qat_in") for h in ("h12", "h15", "h18", "h21")))
        self.assertTrue(hasattr(m.b9.cv2, "qat_in") and hasattr(m.b2.m[0], "qat_out"))

    def test_the_recipes_stage_leaves_out_only_the_pre_activation_codes(self):
        full, recipe = qat.prepare(random_network()), qat.prepare(random_network(), pre_activation=False)
        names = lambda m: {n for n, q in m.named_modules() if isinstance(q, qat.ActQuant)}  # noqa: E731
        self.assertEqual(names(full) - names(recipe), {n for n in names(full) if n.endswith(".bn.qat_pre")})
        self.assertFalse(names(recipe) - names(full))
        self.assertEqual(len(names(full)) - len(names(recipe)), sum(isinstance(c, Conv) for c in full.modules()))

    def test_roundings_change_the_output_and_gradients_pass_them(self):
        m = qat.prepare(random_network())
        x = torch.rand(2, 2, 96, 96)
        m.train()
        qat.freeze_batchnorm(m)
        qat.set_enabled(m, False)
        m(x)  # sets every range
        qat.set_enabled(m, True)
        self.assertFalse(any(b.training for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)))
        # The pre-activation quantisers hang on the frozen BatchNorms but still train: every range is set.
        ranges = {n: (float(q.lo), float(q.hi)) for n, q in m.named_modules() if isinstance(q, qat.ActQuant)}
        self.assertEqual([n for n, r in ranges.items() if not all(map(math.isfinite, r))], [])
        self.assertTrue(all(q.training for q in qat.quantisers(m)))
        feats = m(x)
        sum(f.square().mean() for f in feats).backward()
        w = m.b0.conv.parametrizations.weight.original
        self.assertIsNotNone(w.grad)
        self.assertGreater(float(w.grad.abs().sum()), 0.0)
        m.eval()
        with torch.no_grad():
            quantised = m(x)[0]
            qat.set_enabled(m, False)
            plain = m(x)[0]
        self.assertFalse(torch.equal(quantised, plain))
        # Close, not equal: int8 roundings move class scores by little on this random network.
        self.assertLess(float((quantised[:, 4:] - plain[:, 4:]).abs().max()), 0.1)


class FromOnnxTest(unittest.TestCase):
    def test_an_export_comes_back_exactly(self):
        ref = random_network(1)
        with tempfile.TemporaryDirectory() as d:
            ck, out = os.path.join(d, "m.pt"), os.path.join(d, "m.onnx")
            torch.save({"model": ref.state_dict(), "config": ref.cfg.__dict__}, ck)
            export(ck, out, imgsz=160)
            back = recover(out)
            check(back, out)  # raises unless every weight comes back bit for bit
        x = torch.rand(1, 2, 96, 96)
        with torch.no_grad():
            self.assertTrue(torch.allclose(back(x)[0], ref(x)[0], atol=1e-3, rtol=1e-4))

    def test_a_file_of_another_network_is_named(self):
        with tempfile.TemporaryDirectory() as d:
            ck, out = os.path.join(d, "p2.pt"), os.path.join(d, "p2.onnx")
            m = SarYolo(ARCHS["p2"])
            torch.save({"model": m.state_dict(), "config": m.cfg.__dict__}, ck)
            export(ck, out, imgsz=160)
            with self.assertRaisesRegex(ValueError, "p2.onnx: .*"):
                recover(out, "n")
            bad = os.path.join(d, "bad.onnx")
            with open(bad, "wb") as f:
                f.write(b"\x00not onnx")
            with self.assertRaisesRegex(ValueError, "bad.onnx: not an ONNX model"):
                recover(bad)


if __name__ == "__main__":
    unittest.main()
