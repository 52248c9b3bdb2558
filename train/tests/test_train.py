"""Trainer parts: the learning-rate schedule, the EMA of weights, and ONNX export."""
import json
import os
import tempfile
import unittest

import onnx
import torch

from sarwatch_train.export import export
from sarwatch_train.model import ARCHS, ModelConfig, SarYolo
from sarwatch_train.train import (SGD_MOMENTUM, SGD_WARMUP_BIAS_LR, SGD_WARMUP_MOMENTUM, ModelEMA, learning_rate,
                                  make_optimizer, require_arch, require_optimizer, set_learning_rate)

torch.set_num_threads(1)  # robust when other jobs hold the cores (2 threads oversubscribe them)


class ScheduleTest(unittest.TestCase):
    def test_warm_up_then_cosine(self):
        total, warm, lr0 = 1000, 100, 0.002
        lrs = [learning_rate(i, total, warm, lr0) for i in range(total)]
        self.assertAlmostEqual(lrs[0], lr0 / 100, delta=1e-6)          # warm-up starts near 0
        self.assertTrue(all(a < b for a, b in zip(lrs[:99], lrs[1:100])))  # rises through warm-up
        self.assertTrue(all(a >= b for a, b in zip(lrs[100:], lrs[101:])))  # then only falls
        self.assertAlmostEqual(lrs[100], lr0 * (0.01 + 0.99 * 0.5 * (1 + torch.cos(torch.tensor(0.1 * 3.141592653589793)).item())), places=9)
        self.assertAlmostEqual(learning_rate(total, total, warm, lr0), lr0 * 0.01)  # ends at lr0 * lrf


class OptimizerTest(unittest.TestCase):
    def setUp(self):
        self.model = SarYolo(ModelConfig())

    def test_adamw_keeps_the_groups_its_checkpoints_were_saved_with(self):
        # Checkpoints index optimiser state by position: convolution weights first, then the rest in order.
        (g0, g1) = make_optimizer(self.model, 0.002).param_groups
        params = [p for p in self.model.parameters() if p.requires_grad]  # not DFL's fixed weights
        self.assertEqual([id(p) for p in g0["params"]], [id(p) for p in params if p.ndim == 4])
        self.assertEqual([id(p) for p in g1["params"]], [id(p) for p in params if p.ndim != 4])
        self.assertEqual((g0["weight_decay"], g1["weight_decay"]), (5e-4, 0.0))

    def test_sgd_puts_every_parameter_in_one_group_and_biases_apart(self):
        opt = make_optimizer(self.model, 0.01, "sgd")
        groups = {g["name"]: g for g in opt.param_groups}
        names = {id(p): n for n, p in self.model.named_parameters() if p.requires_grad}
        grouped = [id(p) for g in opt.param_groups for p in g["params"]]
        self.assertEqual(sorted(grouped), sorted(names))
        self.assertTrue(all(names[id(p)].endswith(".bias") for p in groups["bias"]["params"]))
        self.assertTrue(groups["bias"]["params"] and groups["norm"]["params"])
        self.assertTrue(all(p.ndim == 4 for p in groups["weights"]["params"]))
        self.assertEqual([g["weight_decay"] for g in opt.param_groups], [5e-4, 0.0, 0.0])
        self.assertTrue(opt.defaults["nesterov"])
        with self.assertRaises(ValueError):
            make_optimizer(self.model, 0.01, "lion")

    def test_sgd_warm_up_ramps_momentum_up_and_the_bias_rate_down(self):
        opt = make_optimizer(self.model, 0.01, "sgd")
        total, warm, lr0 = 1000, 100, 0.01
        lr = learning_rate(0, total, warm, lr0)
        set_learning_rate(opt, lr, 0, warm)
        groups = {g["name"]: g for g in opt.param_groups}
        self.assertAlmostEqual(groups["weights"]["lr"], lr)
        self.assertAlmostEqual(groups["bias"]["lr"], SGD_WARMUP_BIAS_LR + (lr0 - SGD_WARMUP_BIAS_LR) * 0.01, places=6)
        self.assertAlmostEqual(groups["weights"]["momentum"], SGD_WARMUP_MOMENTUM + (SGD_MOMENTUM - SGD_WARMUP_MOMENTUM) * 0.01)
        mid = learning_rate(49, total, warm, lr0)
        set_learning_rate(opt, mid, 49, warm)
        self.assertGreater(groups["bias"]["lr"], groups["weights"]["lr"])
        for it in (99, 500):  # warm-up over: every group on the schedule, full momentum
            lr = learning_rate(it, total, warm, lr0)
            set_learning_rate(opt, lr, it, warm)
            self.assertTrue(all(abs(g["lr"] - lr) < 1e-12 and g["momentum"] == SGD_MOMENTUM for g in opt.param_groups))

    def test_a_checkpoint_of_another_optimiser_stops_the_resume(self):
        require_optimizer({}, "adamw", "mix158/last.pt")  # before --optimizer: AdamW
        require_optimizer({"optimizer_kind": "sgd"}, "sgd", "mix158/last.pt")
        with self.assertRaises(SystemExit) as e:
            require_optimizer({}, "sgd", "runs/x/mix158/last.pt")
        self.assertIn("runs/x/mix158/last.pt was trained with --optimizer adamw, not sgd", str(e.exception))


class EmaTest(unittest.TestCase):
    def test_ema_follows_weights_slowly(self):
        model = torch.nn.Linear(2, 1)
        ema = ModelEMA(model, decay=0.9, tau=1e-9)  # constant decay 0.9
        with torch.no_grad():
            model.weight.fill_(1.0)
            w0 = ema.ema.weight.clone()
        ema.update(model)
        self.assertTrue(torch.allclose(ema.ema.weight, 0.9 * w0 + 0.1 * torch.ones_like(w0)))
        for _ in range(200):
            ema.update(model)
        self.assertTrue(torch.allclose(ema.ema.weight, torch.ones_like(w0), atol=1e-6))
        self.assertFalse(ema.ema.weight.requires_grad)

    def test_ramp_favours_early_weights_less(self):
        ema = ModelEMA(torch.nn.Linear(1, 1))
        self.assertLess(ema.decay(1), 0.01)
        self.assertGreater(ema.decay(20000), 0.999)


class ArchTest(unittest.TestCase):
    def test_a_checkpoint_of_another_network_stops_the_run(self):
        require_arch({"model": {}}, ARCHS["n"], "ssdd/best.pt", "n")  # before --arch: the default network
        require_arch({"config": ARCHS["p2"].__dict__}, ARCHS["p2"], "ssdd/best.pt", "p2")
        with self.assertRaises(SystemExit) as e:
            require_arch({"config": ARCHS["n"].__dict__}, ARCHS["p2"], "runs/x/ssdd/best.pt", "p2")
        self.assertIn("runs/x/ssdd/best.pt holds another network than --arch p2", str(e.exception))


class ExportTest(unittest.TestCase):
    def test_ultralytics_layout_and_metadata(self):
        with tempfile.TemporaryDirectory() as d:
            ck, out = os.path.join(d, "m.pt"), os.path.join(d, "m.onnx")
            torch.manual_seed(0)
            torch.save({"model": SarYolo(ModelConfig()).state_dict()}, ck)
            export(ck, out, imgsz=160, conf=0.15, fishing_share=0.3, class_rule="vessel-first",
                   fishing_max_length=100)
            m = onnx.load(out)
        self.assertTrue(13 <= m.opset_import[0].version <= 17)
        (inp,), (outp,) = m.graph.input, m.graph.output
        dims = lambda v: [x.dim_value for x in v.type.tensor_type.shape.dim]
        self.assertEqual((inp.name, dims(inp)), ("images", [1, 2, 160, 160]))
        n = sum((160 // s) ** 2 for s in (8, 16, 32))
        self.assertEqual((outp.name, dims(outp)), ("output0", [1, 4 + 3, n]))
        meta = {p.key: p.value for p in m.metadata_props}
        self.assertEqual(meta["names"], "{0: 'vessel', 1: 'fishing', 2: 'non_vessel'}")
        self.assertEqual((meta["stride"], meta["channels"], meta["sarwatch_conf"]), ("32", "2", "0.15"))
        self.assertEqual(meta["sarwatch_fishing_share"], "0.3")
        self.assertEqual(meta["sarwatch_class_rule"], "vessel-first")
        self.assertEqual(meta["sarwatch_fishing_max_length_m"], "100")
        self.assertEqual(json.loads(meta["imgsz"]), [160, 160])
        spec = json.loads(meta["sarwatch_input"])
        self.assertEqual([(c["band"], c["lo"], c["hi"]) for c in spec["channels"]], [("VV", -50, 20), ("VH", -50, 20)])
        # Only the operators of the bundled export: the backbone, neck and head convolutions the
        # int8 compiler maps (Conv, Sigmoid*Mul, Add, Concat, Split, Slice, MaxPool, Resize) and the
        # box decode that runs on the host. test/train/python-parity.test.ts compiles such an export.
        ops = {n.op_type for n in m.graph.node}
        self.assertNotIn("BatchNormalization", ops)
        self.assertLessEqual(ops, {"Conv", "Sigmoid", "Mul", "Add", "Concat", "Split", "Slice", "MaxPool", "Resize",
                                   "Reshape", "Transpose", "Softmax", "Sub", "Div", "Constant", "Shape", "Gather",
                                   "Unsqueeze", "Expand", "Identity"}, ops)


    def test_a_bad_checkpoint_is_named_and_leaves_no_file(self):
        with tempfile.TemporaryDirectory() as d:
            bad, out = os.path.join(d, "bad.pt"), os.path.join(d, "m.onnx")
            with open(bad, "wb") as f:
                f.write(b"not a checkpoint")
            with self.assertRaisesRegex(ValueError, "bad.pt: not a sarwatch_train checkpoint"):
                export(bad, out, imgsz=160)
            torch.save({"weights": {}}, bad)
            with self.assertRaisesRegex(ValueError, "no 'model' entry"):
                export(bad, out, imgsz=160)
            with self.assertRaises(FileNotFoundError):
                export(os.path.join(d, "missing.pt"), out, imgsz=160)
            with self.assertRaisesRegex(ValueError, "--fishing-share must lie between 0 and 1"):
                export(bad, out, imgsz=160, fishing_share=1.5)
            self.assertEqual(os.listdir(d), ["bad.pt"])


if __name__ == "__main__":
    unittest.main()
