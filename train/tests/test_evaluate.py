"""COCO-style AP and the decode/NMS that feeds it (the runtime's test/train parity test
checks the same numbers against src/eval/coco-ap.ts)."""
import os
import tempfile
import unittest

import numpy as np
import torch

from sarwatch_train.compare import bootstrap, measure
from sarwatch_train.data import load_ssdd
from sarwatch_train.model import ModelConfig, SarYolo
from tests.test_data import make_tiny_ssdd
from sarwatch_train.evaluate import evaluate, nms, postprocess, variant


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

    def test_diou_nms_keeps_side_by_side_boxes_and_still_removes_duplicates(self):
        # Two 10 x 40 hulls half a beam apart: IoU 200/600 = 1/3, centres 5 px apart, enclosing
        # box 15 x 40, so DIoU = 1/3 - 25/1825 = 0.320. At threshold 0.33 greedy NMS removes the
        # second hull and DIoU-NMS keeps it; a duplicate of the first (IoU 0.88, nearly the same
        # centre) goes under both.
        boxes = torch.tensor([[0, 0, 10, 40], [5, 0, 15, 40], [0.5, 0.5, 10.5, 40.5]])
        scores = torch.tensor([0.9, 0.8, 0.7])
        self.assertEqual(nms(boxes, scores, 0.33).tolist(), [0])
        self.assertEqual(nms(boxes, scores, 0.33, "diou").tolist(), [0, 1])
        with self.assertRaisesRegex(ValueError, "nms kind"):
            nms(boxes, scores, 0.5, "soft")

    # Export layout [4 + nc, N]: xywh, then vessel, fishing, non_vessel scores. Anchors 0 and 1
    # overlap (a vessel and a fishing box); anchor 2 is called non_vessel but scores 0.6 as a
    # vessel; anchor 3 is only a non_vessel.
    Y = torch.tensor([
        [5.0, 5.5, 50.0, 90.0],   # cx
        [5.0, 5.5, 50.0, 90.0],   # cy
        [10.0, 10.0, 10.0, 10.0],  # w
        [10.0, 10.0, 10.0, 10.0],  # h
        [0.9, 0.0, 0.6, 0.0],    # vessel
        [0.0, 0.8, 0.0, 0.0],    # fishing
        [0.0, 0.0, 0.95, 0.7],   # non_vessel
    ])

    def test_postprocess_is_class_aware_and_drops_non_vessels(self):
        boxes, scores = postprocess(self.Y, conf=0.1, iou=0.5)
        # The overlapping vessel and fishing boxes are different classes, so both stay;
        # the boxes whose best class is non_vessel go.
        self.assertEqual(sorted(round(s, 2) for s in scores.tolist()), [0.8, 0.9])
        self.assertEqual(boxes.shape, (2, 4))

    def test_vessel_score_ignores_what_non_vessel_scores(self):
        # `vessel` keeps anchor 2 at its vessel score, and vessel and fishing are one group
        # (0.8 suppressed by 0.9); anchor 3 scores 0 as a vessel.
        _, vessel = postprocess(self.Y, conf=0.1, iou=0.5, score="vessel")
        self.assertEqual(sorted(round(s, 2) for s in vessel.tolist()), [0.6, 0.9])
        with self.assertRaisesRegex(ValueError, "score must be one of"):
            postprocess(self.Y, score="any")

    def test_postprocess_under_diou_still_merges_one_hull(self):
        # Anchors 0 and 1 are one hull (centres half a pixel apart): DIoU-NMS removes the weaker.
        _, vessel = postprocess(self.Y, conf=0.1, iou=0.5, score="vessel", nms_kind="diou")
        self.assertEqual(sorted(round(s, 2) for s in vessel.tolist()), [0.6, 0.9])
        self.assertEqual([variant("best", "iou"), variant("vessel", "diou")], ["best", "vessel+diou"])


class BootstrapTest(unittest.TestCase):
    @staticmethod
    def _images(hit_rate, n=60, seed=0):
        """Per image: two ships; each detection a hit with probability hit_rate."""
        rng = np.random.default_rng(seed)
        rows = []
        for _ in range(n):
            scores = np.sort(rng.random(2))[::-1]
            rows.append((scores, rng.random(2) < hit_rate, 2))
        return rows

    def test_a_model_against_itself(self):
        rows = self._images(0.7)
        r = bootstrap({"a": rows, "b": rows}, n_boot=200)
        self.assertEqual(r["pairs"][0]["ci"], [0.0, 0.0])
        lo, hi = r["models"]["a"]["ci"]
        self.assertTrue(lo < r["models"]["a"]["ap50"] < hi)

    def test_a_clearly_better_model(self):
        r = bootstrap({"good": self._images(0.95, seed=1), "poor": self._images(0.4, seed=2)}, n_boot=200)
        p = r["pairs"][0]
        self.assertGreater(p["ci"][0], 0.0)
        self.assertEqual(p["p_a_ahead"], 1.0)

    def assertSameRows(self, a, b):
        """Two lists of per-image matches (scores, matched flags, ships) are the same."""
        self.assertEqual(len(a), len(b))
        for (sa, ma, na), (sb, mb, nb) in zip(a, b):
            np.testing.assert_array_equal(sa, sb)
            np.testing.assert_array_equal(ma, mb)
            self.assertEqual(na, nb)

    def test_out_of_fold_pools_each_folds_own_checkpoint(self):
        with tempfile.TemporaryDirectory() as root:
            ids = make_tiny_ssdd(root)
            torch.manual_seed(0)
            for f in range(3):
                torch.save({"model": SarYolo(ModelConfig()).state_dict()}, os.path.join(root, f"m-{f}.pt"))
            per = measure(root, "oof", {"m": os.path.join(root, "m-{fold}.pt")}, folds=3)
            self.assertEqual(len(per["m"]), 7)  # every training image, once
            self.assertEqual(sum(r[2] for r in per["m"]), 7)
            both = measure(root, "oof", {"m": os.path.join(root, "m-{fold}.pt")}, folds=3, rules=("best", "vessel"))
            self.assertEqual(sorted(both), ["m", "m:vessel"])  # one forward pass, two rows
            self.assertEqual([r[2] for r in both["m:vessel"]], [r[2] for r in per["m"]])
            nms_both = measure(root, "oof", {"m": os.path.join(root, "m-{fold}.pt")}, folds=3,
                               nms_kinds=("iou", "diou"))
            self.assertEqual(sorted(nms_both), ["m", "m:best+diou"])
            self.assertEqual([r[2] for r in nms_both["m:best+diou"]], [r[2] for r in per["m"]])
            # A replication on folds 1 and 2 pools only the images those folds held out, in the same order.
            val = [len(load_ssdd(root, "val", 3, f)) for f in range(3)]
            some = measure(root, "oof", {"m": os.path.join(root, "m-{fold}.pt")}, folds=3, pool=[2, 1])
            self.assertSameRows(some["m"], per["m"][val[0]:])
            for bad in ([3], [], [1, 1]):
                with self.assertRaisesRegex(ValueError, "folds to pool"):
                    measure(root, "oof", {"m": os.path.join(root, "m-{fold}.pt")}, folds=3, pool=bad)
            os.remove(os.path.join(root, "m-2.pt"))
            with self.assertRaises(FileNotFoundError):  # fold 2 needs its own checkpoint
                measure(root, "oof", {"m": os.path.join(root, "m-{fold}.pt")}, folds=3)
            # Without fold 2 in the pool, its checkpoint is not needed.
            self.assertSameRows(measure(root, "oof", {"m": os.path.join(root, "m-{fold}.pt")}, folds=3, pool=[0, 1])["m"],
                                per["m"][:val[0] + val[1]])
            self.assertEqual(len(measure(root, "test", {"m": os.path.join(root, "m-0.pt")})["m"]), len(ids) - 7)
            with open(os.path.join(root, "bad.pt"), "w") as f:
                f.write("not a checkpoint")
            with self.assertRaisesRegex(ValueError, "bad.pt: not a sarwatch_train checkpoint"):
                measure(root, "test", {"m": os.path.join(root, "bad.pt")})

    def test_images_must_match(self):
        with self.assertRaises(ValueError):
            bootstrap({"a": self._images(0.5, n=3), "b": self._images(0.5, n=4)}, n_boot=10)


if __name__ == "__main__":
    unittest.main()
