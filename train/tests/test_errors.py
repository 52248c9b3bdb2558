"""Recall by ship size and false alarms (sarwatch_train.errors), on hand-made detections."""
import unittest

import numpy as np

from sarwatch_train.data import crowded
from sarwatch_train.errors import classify, size_bucket, tally


def box(x, y, w, h):
    return [x, y, x + w, y + h]


class ErrorsTest(unittest.TestCase):
    def test_found_ships_at_a_confidence(self):
        gt = np.array([box(0, 0, 6, 4), box(100, 100, 40, 20)], float)
        boxes = np.array([box(0, 0, 6, 4), box(101, 100, 40, 20), box(300, 300, 10, 10), box(100, 100, 40, 20)], float)
        scores = np.array([0.9, 0.1, 0.5, 0.05])
        e = classify(boxes, scores, gt, 0.15)
        self.assertEqual(e.found.tolist(), [True, False])  # the big ship's detections score under 0.15
        self.assertEqual(e.fa_near + e.fa_far, 1)          # the box at (300, 300)
        e = classify(boxes, scores, gt, 0.001)
        self.assertEqual(e.found.tolist(), [True, True])
        self.assertEqual(e.fa_near + e.fa_far, 2)          # (300, 300), and the second box on the big ship

    def test_false_alarms_near_a_ship_or_on_background(self):
        gt = np.array([box(100, 100, 40, 20)], float)
        boxes = np.array([box(100, 100, 40, 20), box(100, 100, 20, 20), box(120, 100, 40, 20), box(400, 0, 10, 10)], float)
        e = classify(boxes, np.array([0.9, 0.8, 0.7, 0.6]), gt, 0.15)
        # A duplicate on the ship (IoU 0.5, but the ship is taken) and a shifted box (IoU 0.33) are near; (400, 0) is not.
        self.assertEqual((e.found.tolist(), e.fa_near, e.fa_far), ([True], 2, 1))
        self.assertEqual(classify(boxes, np.array([0.9, 0.8, 0.7, 0.6]), np.zeros((0, 4)), 0.15)[2:4], (0, 4))

    def test_a_missed_ship_under_a_misplaced_box(self):
        gt = np.array([box(0, 0, 100, 20), box(300, 300, 10, 10)], float)
        e = classify(np.array([box(50, 0, 100, 20)], float), np.array([0.9]), gt, 0.15)  # IoU 1/3 with the first
        self.assertEqual((e.found.tolist(), e.touched.tolist(), e.fa_near, e.fa_far), ([False, False], [True, False], 1, 0))
        r = tally([(np.array([box(50, 0, 100, 20)], float), np.array([0.9]), gt)], 0.15)
        self.assertEqual([row["missed_misplaced"] for row in r["by_size"]], [0, 0, 0, 0, 1])

    def test_size_is_the_longer_side(self):
        gt = np.array([box(0, 0, 7.9, 2), box(0, 0, 3, 8), box(0, 0, 40, 10), box(0, 0, 64, 1), box(0, 0, 200, 90)], float)
        self.assertEqual(size_bucket(gt).tolist(), [0, 1, 3, 4, 4])
        self.assertEqual(size_bucket(np.zeros((0, 4))).tolist(), [])

    def test_tally(self):
        img1 = (np.array([box(0, 0, 6, 4)], float), np.array([0.8]), np.array([box(0, 0, 6, 4), box(50, 50, 20, 20)], float))
        img2 = (np.zeros((0, 4)), np.zeros(0), np.array([box(10, 10, 100, 30)], float))
        r = tally([img1, img2], 0.15)
        self.assertEqual((r["images"], r["ships"], r["missed"], r["false_alarms"]), (2, 3, 2, 0))
        self.assertEqual((r["false_alarms_near_ship"], r["false_alarms_background"]), (0, 0))
        by = {row["size_px"]: (row["ships"], row["found"]) for row in r["by_size"]}
        self.assertEqual(by, {"0-8": (1, 1), "8-16": (0, 0), "16-32": (1, 0), "32-64": (0, 0), ">=64": (1, 0)})
        self.assertIsNone(r["by_size"][1]["recall"])
        self.assertIsNone(r["missed_as_non_vessel"])

    def test_crowded_ships_have_a_neighbour_within_a_short_side(self):
        # Three 20 x 6 hulls side by side 4 px apart (crowded), one 10 px below the last
        # (more than its 6 px short side: alone), and one far away.
        gt = np.array([box(0, 0, 20, 6), box(0, 10, 20, 6), box(0, 20, 20, 6), box(0, 36, 20, 6),
                       box(100, 100, 20, 6)], float)
        self.assertEqual(crowded(gt).tolist(), [True, True, True, False, False])
        self.assertEqual(crowded(gt[:1]).tolist(), [False])
        # Diagonal neighbours count by the larger of the x and y gaps.
        self.assertEqual(crowded(np.array([box(0, 0, 10, 10), box(15, 15, 10, 10)], float)).tolist(), [True, True])
        self.assertEqual(crowded(np.array([box(0, 0, 10, 10), box(15, 25, 10, 10)], float)).tolist(), [False, False])

    def test_tally_gives_recall_of_crowded_ships_apart(self):
        gt = np.array([box(0, 0, 20, 6), box(0, 10, 20, 6), box(100, 100, 20, 6)], float)
        found_one = (np.array([box(0, 0, 20, 6), box(100, 100, 20, 6)], float), np.array([0.9, 0.9]), gt)
        r = tally([found_one], 0.15)
        self.assertEqual(r["crowded"], {"ships": 2, "found": 1, "missed_merged": 0})
        self.assertEqual(r["not_crowded"], {"ships": 1, "found": 1})

    def test_crowded_ships_missed_under_one_box(self):
        # Two hulls side by side under one box that covers both (it matches neither), and two
        # more side by side elsewhere, missed with nothing on them.
        gt = np.array([box(0, 0, 20, 6), box(0, 10, 20, 6), box(0, 100, 20, 6), box(0, 110, 20, 6)], float)
        e = classify(np.array([box(0, 0, 20, 16)], float), np.array([0.9]), gt, 0.15)
        self.assertEqual(e.found.tolist(), [False] * 4)
        self.assertEqual(e.merged.tolist(), [True, True, False, False])
        r = tally([(np.array([box(0, 0, 20, 16)], float), np.array([0.9]), gt)], 0.15)
        self.assertEqual(r["crowded"], {"ships": 4, "found": 0, "missed_merged": 2})
        self.assertFalse(classify(np.array([box(0, 0, 20, 16)], float), np.array([0.1]), gt, 0.15).merged.any())

    def test_missed_ships_the_model_calls_non_vessel(self):
        gt = np.array([box(0, 0, 6, 4), box(50, 50, 20, 20)], float)
        best = [(np.array([box(0, 0, 6, 4)], float), np.array([0.8]), gt)]
        # Scored by the vessel kinds alone, the second ship is found too: the model called it non_vessel.
        vessel = [(np.array([box(0, 0, 6, 4), box(50, 50, 20, 20)], float), np.array([0.8, 0.5]), gt)]
        r = tally(best, 0.15, vessel)
        self.assertEqual((r["missed"], r["missed_as_non_vessel"]), (1, 1))
        self.assertEqual([row["missed_as_non_vessel"] for row in r["by_size"]], [0, 0, 1, 0, 0])  # 20 px
        self.assertEqual(tally(best, 0.6, vessel)["missed_as_non_vessel"], 0)  # under the threshold either way


if __name__ == "__main__":
    unittest.main()
