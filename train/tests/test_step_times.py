"""The step profiler runs the recipe's step part by part and accounts for every part."""
import unittest
from unittest import mock

import torch

from sarwatch_train import qat, step_times, train
from tests.test_stage import _samples


class StepTimesTest(unittest.TestCase):
    def test_every_part_is_timed(self):
        with mock.patch.object(step_times, "load_ssdd", lambda *a: _samples(8, 0)):
            t = step_times.step_times("unused", batches=10, imgsz=64, batch=2)
        self.assertEqual(list(t), list(step_times.PARTS))
        self.assertTrue(all(v > 0 for v in t.values()), t)

    def test_an_sgd_step_is_timed(self):
        with mock.patch.object(step_times, "load_ssdd", lambda *a: _samples(8, 0)):
            t = step_times.step_times("unused", batches=4, imgsz=64, batch=2, optimizer="sgd")
        self.assertTrue(all(v > 0 for v in t.values()), t)

    def test_a_qat_stage_steps_through_its_roundings(self):
        seen = []
        real = train.calibrate_quantisers
        def calibrate(model, *a):  # the network train.prepare_qat calibrates, then timed
            real(model, *a)
            seen.append(model)
        with mock.patch.object(step_times, "load_ssdd", lambda *a: _samples(20, 0)), \
                mock.patch.object(train, "calibrate_quantisers", calibrate):
            t = step_times.step_times("unused", batches=4, imgsz=64, batch=2, stage="qat-full")
        self.assertTrue(all(v > 0 for v in t.values()), t)
        quantisers = qat.quantisers(seen[0])
        self.assertTrue(quantisers and all(q.enabled and torch.isfinite(q.lo) for q in quantisers))


if __name__ == "__main__":
    unittest.main()
