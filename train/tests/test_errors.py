"""Recall by ship size and false alarms (sarwatch_train.errors), on hand-made detections."""
import unittest

import numpy as np

from sarwatch_train.errors import found_ships, size_bucket, tally


def box(x, y, w, h):
    return [x, y, x + w, y + h]


class ErrorsTest(unittest.TestCase):
    def test_found_ships_at_a_confidence(self):
        gt = np.array([box(0, 0, 6, 4), box(100, 100, 40, 20)], float)
        boxes = np.array([box(0, 0, 6, 4), box(101, 100, 40, 20), box(300, 300, 10, 10), box(100, 100, 40, 20)], float)
        scores = np.array([0.9, 0.1, 0.5, 0.05])
        found, fa = found_ships(boxes, scores, gt, 0.15)
        self.assertEqual(found.tolist(), [True, False])  # the big ship's detections score under 0.15
        self.assertEqual(fa, 1)                           # the box at (300, 300)
        found, fa = found_ships(boxes, scores, gt, 0.001)
        self.assertEqual(found.tolist(), [True, True])
        self.assertEqual(fa, 2)                           # (300, 300), and the second box on the big ship

    def test_size_is_the_longer_side(self):
        gt = np.array([box(0, 0, 7.9, 2), box(0, 0, 3, 8), box(0, 0, 40, 10), box(0, 0, 64, 1), box(0, 0, 200, 90)], float)
        self.assertEqual(size_bucket(gt).tolist(), [0, 1, 3, 4, 4])
        self.assertEqual(size_bucket(np.zeros((0, 4))).tolist(), [])

    def test_tally(self):
        img1 = (np.array([box(0, 0, 6, 4)], float), np.array([0.8]), np.array([box(0, 0, 6, 4), box(50, 50, 20, 20)], float))
        img2 = (np.zeros((0, 4)), np.zeros(0), np.array([box(10, 10, 100, 30)], float))
        r = tally([img1, img2], 0.15)
        self.assertEqual((r["images"], r["ships"], r["missed"], r["false_alarms"]), (2, 3, 2, 0))
        by = {row["size_px"]: (row["ships"], row["found"]) for row in r["by_size"]}
        self.assertEqual(by, {"0-8": (1, 1), "8-16": (0, 0), "16-32": (1, 0), "32-64": (0, 0), ">=64": (1, 0)})
        self.assertIsNone(r["by_size"][1]["recall"])


if __name__ == "__main__":
    unittest.main()
