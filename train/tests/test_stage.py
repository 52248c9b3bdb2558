"""A training run end to end on a tiny dataset: stages chain, checkpoints are written, `qat` saves
its weights in the ordinary layout, and a finished run resumes as done."""
import contextlib
import json
import os
import tempfile
import unittest
from unittest import mock

import numpy as np
import torch

from sarwatch_train import train
from sarwatch_train.data import Sample
from tests.test_data import _scene


def _samples(n: int, seed: int) -> list[Sample]:
    """n 64 px pictures with one bright target each."""
    rng = np.random.default_rng(seed)
    return [Sample(*_scene(rng, size=64, n=1), "image", f"t{i}") for i in range(n)]


TINY = {
    "tiny": dict(epochs=2, lr0=0.001, warmup=1, close_mosaic=1, chips=0),
    "tinyqat": dict(epochs=1, lr0=0.0002, warmup=1, close_mosaic=1, chips=0, qat=True),
    # Chips a third of each epoch from the start (as `mix`): 16 SSDD samples and 8 of the 27 training chips.
    "tinymix": dict(epochs=2, lr0=0.001, warmup=1, close_mosaic=1, chips=30, chip_share=1 / 3),
}


class StageTest(unittest.TestCase):
    def tiny_run(self) -> str:
        """An output folder, with the tiny stages and 16 training and 4 validation pictures in place of SSDD
        until the test ends."""
        stack = contextlib.ExitStack()
        self.addCleanup(stack.close)
        stack.enter_context(mock.patch.dict(train.STAGES, TINY))
        stack.enter_context(mock.patch.object(
            train, "load_ssdd", lambda root, split, *a: _samples(16 if split == "train" else 4, len(split))))
        return stack.enter_context(tempfile.TemporaryDirectory())

    def epochs_logged(self, d: str, stage: str) -> list[dict]:
        with open(os.path.join(d, stage, "log.jsonl")) as f:
            return [json.loads(l) for l in f]

    def test_two_stages_then_resume(self):
        d = self.tiny_run()
        args = ["--out", d, "--ssdd", d, "--stages", "tiny,tinyqat", "--imgsz", "64", "--batch", "2", "--threads", "1"]
        train.main(args)
        for stage, epochs in (("tiny", 2), ("tinyqat", 1)):
            lines = self.epochs_logged(d, stage)
            self.assertEqual([l["epoch"] for l in lines], list(range(epochs)), stage)
            self.assertTrue(all(np.isfinite(l["box"]) for l in lines), stage)
            self.assertTrue(os.path.exists(os.path.join(d, stage, "done.json")), stage)
        best = torch.load(os.path.join(d, "tinyqat", "best.pt"))
        # Saved in the ordinary layout: no quantiser state, contiguous weights that load into a plain network.
        self.assertFalse(any(".qat_" in k or "parametrizations" in k for k in best["model"]))
        self.assertTrue(all(v.is_contiguous() for v in best["model"].values()))
        train.SarYolo(train.ARCHS["n"]).load_state_dict(best["model"])
        before = os.path.getmtime(os.path.join(d, "tinyqat", "best.pt"))
        train.main(args)  # everything done: nothing retrains
        self.assertEqual(os.path.getmtime(os.path.join(d, "tinyqat", "best.pt")), before)

    def test_a_stage_with_augmenting_workers(self):
        d = self.tiny_run()
        train.main(["--out", d, "--ssdd", d, "--stages", "tiny", "--imgsz", "64", "--batch", "2", "--threads", "1",
                    "--workers", "2"])
        lines = self.epochs_logged(d, "tiny")
        self.assertEqual([l["epoch"] for l in lines], [0, 1])
        self.assertTrue(all(np.isfinite(l["box"]) for l in lines))

    def test_crowded_repeat_reaches_the_epochs_draw(self):
        d = self.tiny_run()
        drawn = []
        real = train.epoch_order
        def with_a_row(root, split, *a):  # the first training picture: two hulls moored side by side
            samples = _samples(16 if split == "train" else 4, len(split))
            if split == "train":
                samples[0].boxes = np.array([[0, 10, 10, 30, 16], [0, 10, 20, 30, 26]], np.float32)
            return samples
        with mock.patch.object(train, "epoch_order", lambda rep, rng: drawn.append(rep.copy()) or real(rep, rng)), \
                mock.patch.object(train, "load_ssdd", with_a_row):
            train.main(["--out", d, "--ssdd", d, "--stages", "tiny", "--imgsz", "64", "--batch", "2",
                        "--threads", "1", "--crowded-repeat", "3"])
        self.assertEqual(len(drawn), 2)  # one draw an epoch
        self.assertTrue(all(rep.tolist() == [3] + [1] * 15 for rep in drawn))
        with self.assertRaises(SystemExit):
            train.main(["--out", d, "--crowded-repeat", "0"])

    def test_a_mixed_stage_draws_ssdd_once_and_chips_in_turn(self):
        d = self.tiny_run()
        chips = [Sample(*_scene(np.random.default_rng(i), size=64, n=1), "db", f"c{i}") for i in range(30)]
        orders, partners = [], []
        real_epoch = train.BatchSource.epoch
        def epoch(source, e, perm, n, mosaic, kind, pool=None):
            orders.append(perm[:n * source.batch].copy())
            partners.append(pool)
            return real_epoch(source, e, perm, n, mosaic, kind, pool)
        with mock.patch.object(train, "ensure_chips", lambda *a: None), \
                mock.patch.object(train, "load_chips", lambda root: chips), \
                mock.patch.object(train.BatchSource, "epoch", epoch):
            train.main(["--out", d, "--ssdd", d, "--stages", "tinymix", "--imgsz", "64", "--batch", "2", "--threads", "1"])
        self.assertEqual(len(orders), 2)
        for order, pool in zip(orders, partners):
            self.assertEqual(len(order), 24)  # 12 batches of 2: the 16 SSDD samples and 8 chips
            self.assertEqual(sorted(order[order < 16].tolist()), list(range(16)))
            self.assertTrue(((order >= 16) & (order < 16 + 27)).sum() == 8)  # the 3 validation chips never train
            self.assertTrue(np.array_equal(pool, order))  # mosaic partners from the epoch's own ids
        self.assertEqual(len(set(np.concatenate(orders)[np.concatenate(orders) >= 16].tolist())), 16)  # in turn
        self.assertTrue(all(np.isfinite(l["box"]) for l in self.epochs_logged(d, "tinymix")))

    def test_repulsion_reaches_the_loss_and_the_log(self):
        d = self.tiny_run()
        gains = []
        real = train.DetectionLoss
        with mock.patch.object(train, "DetectionLoss", lambda *a, **k: gains.append(k.get("repulsion")) or real(*a, **k)):
            train.main(["--out", d, "--ssdd", d, "--stages", "tiny", "--imgsz", "64", "--batch", "2",
                        "--threads", "1", "--repulsion", "3.75"])
        self.assertEqual(gains, [3.75])
        self.assertTrue(all(np.isfinite(l["rep"]) for l in self.epochs_logged(d, "tiny")))
        with self.assertRaises(SystemExit):
            train.main(["--out", d, "--repulsion", "-1"])


if __name__ == "__main__":
    unittest.main()
