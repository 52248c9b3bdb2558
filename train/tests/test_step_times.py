"""The step profiler runs the recipe's step part by part and accounts for every part."""
import unittest
from unittest import mock

from sarwatch_train import step_times
from tests.test_stage import _samples


class StepTimesTest(unittest.TestCase):
    def test_every_part_is_timed(self):
        with mock.patch.object(step_times, "load_ssdd", lambda *a: _samples(8, 0)):
            t = step_times.step_times("unused", batches=10, imgsz=64, batch=2)
        self.assertEqual(list(t), list(step_times.PARTS))
        self.assertTrue(all(v > 0 for v in t.values()), t)


if __name__ == "__main__":
    unittest.main()
