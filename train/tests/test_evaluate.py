"""COCO-style AP and the decode/NMS that feeds it (the runtime's test/train parity test
checks the same numbers against src/eval/coco-ap.ts)."""
import unittest

import numpy as np
import torch

from sarwatch_train.evaluate import evaluate, nms, postprocess


def _b(*rows):
    return np.array(rows, dtype=float).reshape(-1, 4)


class ApTest(unittest.TestCase):
    def test_perfect_detections(self):
        g = _b([0, 0, 10, 10], [20, 20, 30, 40])
        r = evaluate([(g.copy(), np.array([0.9, 0.8]))], [g])
        self.assertEqual((r["ap50"], r["ap50_95"], r["precision"], r["recall"]), (1.0, 1.0, 1.0, 1.0))

    def test_half_the_ships_found(self):
        g = _b([0, 0, 10, 10], [20, 20, 30, 40])
        r = evaluate([(g[:1], np.array([0.9]))], [g])
        # Precision 1 up to recall 0.5: 51 of the 101 recall points.
        self.assertAlmostEqual(r["ap50"], 51 / 101)
        self.assertEqual(r["recall"], 0.5)

    def test_false_positive_ranked_first(self):
        g = _b([0, 0, 10, 10])
        dets = _b([50, 50, 60, 60], [0, 0, 10, 10])
        r = evaluate([(dets, np.array([0.9, 0.8]))], [g])
        # The hit comes second: precision 1/2 at every recall point.
        self.assertAlmostEqual(r["ap50"], 0.5)
        self.assertAlmostEqual(r["precision"], 0.5)

    def test_loose_box_counts_at_050_not_at_095(self):
        g = _b([0, 0, 10, 10])
        loose = _b([0, 0, 10, 12])  # IoU 100/120 = 0.83
        r = evaluate([(loose, np.array([0.9]))], [g])
        self.assertEqual(r["ap50"], 1.0)
        self.assertAlmostEqual(r["ap50_95"], 7 / 10)  # thresholds 0.50 ... 0.80 of ten

    def test_one_detection_claims_one_ship(self):
        g = _b([0, 0, 10, 10])
        dets = _b([0, 0, 10, 10], [0, 0, 10, 10])
        r = evaluate([(dets, np.array([0.9, 0.8]))], [g], conf=0.5)
        self.assertEqual(r["precision"], 0.5)

    def test_operating_threshold(self):
        g = _b([0, 0, 10, 10], [20, 20, 30, 30])
        r = evaluate([(g.copy(), np.array([0.9, 0.1]))], [g], conf=0.25)
        self.assertEqual((r["precision"], r["recall"]), (1.0, 0.5))
        self.assertEqual(r["ap50"], 1.0)  # AP does not depend on the threshold


class DecodeTest(unittest.TestCase):
    def test_nms_keeps_the_best_of_overlapping_boxes(self):
        boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [30, 30, 40, 40]], dtype=torch.float)
        keep = nms(boxes, torch.tensor([0.5, 0.9, 0.7]), 0.5)
        self.assertEqual(keep.tolist(), [1, 2])

    def test_postprocess_is_class_aware_and_drops_non_vessels(self):
        # Export layout [4 + nc, N]: xywh, then vessel, fishing, non_vessel scores.
        y = torch.tensor([
            [5.0, 5.5, 50.0, 5.0],   # cx
            [5.0, 5.5, 50.0, 5.0],   # cy
            [10.0, 10.0, 10.0, 10.0],  # w
            [10.0, 10.0, 10.0, 10.0],  # h
            [0.9, 0.0, 0.0, 0.0],    # vessel
            [0.0, 0.8, 0.0, 0.0],    # fishing
            [0.0, 0.0, 0.95, 0.7],   # non_vessel
        ])
        boxes, scores = postprocess(y, conf=0.1, iou=0.5)
        # The overlapping vessel and fishing boxes are different classes, so both stay;
        # the non-vessel detections go.
        self.assertEqual(sorted(round(s, 2) for s in scores.tolist()), [0.8, 0.9])
        self.assertEqual(boxes.shape, (2, 4))


if __name__ == "__main__":
    unittest.main()
