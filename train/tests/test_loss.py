"""Loss parts: IoU/CIoU, the task-aligned assigner, DFL, distillation, and the whole loss learning a batch."""
import math
import unittest

import torch

from sarwatch_train.data import SHIP, SHIP_CLASSES
from sarwatch_train.loss import (DetectionLoss, DistillationLoss, TaskAlignedAssigner, bbox2dist, bbox_iou,
                                 repulsion_gt, smooth_ln)
from sarwatch_train.model import ModelConfig, SarYolo, make_anchors

torch.set_num_threads(1)  # robust when other jobs hold the cores (2 threads oversubscribe them)


class IouTest(unittest.TestCase):
    def test_iou_values(self):
        a = torch.tensor([0.0, 0.0, 2.0, 2.0])
        self.assertAlmostEqual(float(bbox_iou(a, a)), 1.0, places=6)
        self.assertAlmostEqual(float(bbox_iou(a, a, ciou=True)), 1.0, places=6)
        half = torch.tensor([1.0, 0.0, 3.0, 2.0])  # overlap 2 of union 6
        self.assertAlmostEqual(float(bbox_iou(a, half)), 1 / 3, places=6)
        # Same shape, so CIoU's aspect term is 0 and only the centre distance counts:
        # rho^2 = 1, enclosing diagonal^2 = 3^2 + 2^2.
        self.assertAlmostEqual(float(bbox_iou(a, half, ciou=True)), 1 / 3 - 1 / 13, places=6)

    def test_ciou_ranks_disjoint_boxes_by_distance(self):
        a = torch.tensor([0.0, 0.0, 2.0, 2.0])
        near, far = torch.tensor([3.0, 0.0, 5.0, 2.0]), torch.tensor([9.0, 0.0, 11.0, 2.0])
        self.assertEqual(float(bbox_iou(a, near)), 0.0)
        self.assertGreater(float(bbox_iou(a, near, ciou=True)), float(bbox_iou(a, far, ciou=True)))

    def test_ciou_penalises_aspect(self):
        a = torch.tensor([0.0, 0.0, 4.0, 4.0])
        wide = torch.tensor([-1.0, 1.0, 5.0, 3.0])  # same centre, other aspect
        iou = float(bbox_iou(a, wide))
        self.assertLess(float(bbox_iou(a, wide, ciou=True)), iou)


class AssignerTest(unittest.TestCase):
    def _grid(self, size=64, stride=8):
        pts, strides = make_anchors([torch.zeros(1, 1, size // stride, size // stride)], [stride])
        return pts * stride, strides

    def _assign(self, gt, scores=None):
        xy, st = self._grid()
        a = len(xy)
        pd_scores = torch.full((1, a, 1), 0.5) if scores is None else scores
        # Predictions: a 12 px box centred on each anchor.
        pd = torch.cat((xy - 6, xy + 6), 1)[None]
        gts = torch.tensor(gt, dtype=torch.float)[None]
        return TaskAlignedAssigner(topk=10, num_classes=1)(
            pd_scores, pd, xy, st, torch.zeros(1, len(gt), 1), gts, torch.ones(1, len(gt), 1)), xy

    def test_positives_lie_inside_the_box(self):
        (t_boxes, t_scores, fg), xy = self._assign([[10.0, 10.0, 40.0, 34.0]])
        self.assertGreater(int(fg.sum()), 0)
        self.assertLessEqual(int(fg.sum()), 10)  # top-k
        p = xy[fg[0]]
        self.assertTrue(bool(((p[:, 0] > 10) & (p[:, 0] < 40) & (p[:, 1] > 10) & (p[:, 1] < 34)).all()))
        self.assertTrue(bool((t_boxes[0, fg[0]] == torch.tensor([10.0, 10.0, 40.0, 34.0])).all()))
        self.assertTrue(bool((t_scores[0, ~fg[0]] == 0).all()))
        self.assertTrue(bool((t_scores[0, fg[0]] > 0).all()))

    def test_a_vessel_smaller_than_a_cell_still_gets_its_anchor(self):
        # 3 x 3 px between anchor centres (4, 4) and (12, 4): no anchor lies inside it.
        (_, _, fg), xy = self._assign([[5.0, 1.0, 8.0, 4.0]])
        self.assertGreaterEqual(int(fg.sum()), 1)
        p = xy[fg[0]]
        self.assertTrue(bool(((p[:, 0] - 6.5).abs() <= 4).all()))

    def test_each_anchor_goes_to_one_box(self):
        (t_boxes, _, fg), _ = self._assign([[0.0, 0.0, 40.0, 40.0], [8.0, 8.0, 48.0, 48.0]])
        self.assertGreater(int(fg.sum()), 10)  # both boxes got positives
        got = {tuple(b) for b in t_boxes[0, fg[0]].tolist()}
        self.assertEqual(got, {(0.0, 0.0, 40.0, 40.0), (8.0, 8.0, 48.0, 48.0)})

    def test_no_boxes_no_positives(self):
        xy, st = self._grid()
        _, t_scores, fg = TaskAlignedAssigner()(torch.rand(1, len(xy), 1), torch.zeros(1, len(xy), 4), xy, st,
                                                torch.zeros(1, 0, 1), torch.zeros(1, 0, 4), torch.zeros(1, 0, 1))
        self.assertFalse(bool(fg.any()))
        self.assertEqual(float(t_scores.sum()), 0.0)


class RepulsionTest(unittest.TestCase):
    """RepGT (Wang et al. 2018): a box is pushed off the ships it is not assigned to."""

    def test_smooth_ln(self):
        x = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
        got = smooth_ln(x, 0.5)
        self.assertEqual(float(got[0]), 0.0)
        self.assertAlmostEqual(float(got[1]), -math.log(0.75), places=6)
        self.assertAlmostEqual(float(got[2]), math.log(2), places=6)
        # Past sigma, the tangent line: slope 1 / (1 - sigma), finite at 1.
        self.assertAlmostEqual(float(got[3]), 0.5 + math.log(2), places=6)
        self.assertAlmostEqual(float(got[4]), 1.0 + math.log(2), places=6)

    def test_only_other_ships_repel(self):
        ship, neighbour = torch.tensor([0.0, 0.0, 10.0, 4.0]), torch.tensor([0.0, 5.0, 10.0, 9.0])
        gts = torch.stack((ship, neighbour, torch.zeros(4)))[None]  # one padding row
        on_target = repulsion_gt(ship[None], ship[None], gts)
        self.assertEqual(float(on_target), 0.0)  # its own ship and the padding row do not count
        # A box reaching halfway across the neighbour covers half of it: IoG 0.5.
        shifted = torch.tensor([[0.0, 2.0, 10.0, 7.0]], requires_grad=True)
        got = repulsion_gt(shifted, ship[None], gts)
        self.assertAlmostEqual(float(got), math.log(2), places=5)
        got.sum().backward()
        self.assertGreater(float(shifted.grad[0, 3]), 0.0)  # its lower edge is pushed up, off the neighbour
        self.assertEqual(float(shifted.grad[0, 1]), 0.0)    # its upper edge does not cut the neighbour

    def test_the_detection_loss_adds_it_and_leaves_the_rest_alone(self):
        model = SarYolo(ModelConfig(widths=(8, 16, 16, 32, 32), c_box=16, c_cls=16))
        torch.manual_seed(0)
        feats = [torch.randn(1, model.detect.no, 64 // s, 64 // s) for s in (8, 16, 32)]
        for f in feats:  # every anchor's box reaches two cells to each side: wider than a ship
            f[:, :64] = -10.0
            f[:, 2:64:16] = 10.0
        side_by_side = torch.tensor([[0, 0, 10, 16, 40, 24], [0, 0, 10, 26, 40, 34]], dtype=torch.float)
        alone = side_by_side[:1]
        plain = DetectionLoss(model)(feats, side_by_side)[1]
        self.assertEqual(float(plain[3]), 0.0)
        for targets, repels in ((side_by_side, True), (alone, False)):
            with self.subTest(repels=repels):
                parts = DetectionLoss(model, repulsion=2.0)(feats, targets)[1]
                self.assertEqual(float(parts[3]) > 0, repels)
        self.assertTrue(torch.equal(DetectionLoss(model, repulsion=2.0)(feats, side_by_side)[1][:3], plain[:3]))


class DflTest(unittest.TestCase):
    def test_targets_stay_in_the_distribution_range(self):
        d = bbox2dist(torch.tensor([[5.0, 5.0]]), torch.tensor([[-100.0, 4.0, 5.5, 200.0]]), reg_max=16)
        # Far sides clamp just under the last bin (15), so the right-hand bin of the pair exists.
        self.assertAlmostEqual(float(d[0, 0]), 14.99, places=5)
        self.assertAlmostEqual(float(d[0, 3]), 14.99, places=5)
        self.assertAlmostEqual(float(d[0, 1]), 1.0)
        self.assertAlmostEqual(float(d[0, 2]), 0.5)

    def test_dfl_is_lowest_at_the_two_bins_around_the_target(self):
        target = torch.tensor([[2.25]])
        exact = torch.full((1, 16), -30.0)
        exact[0, 2], exact[0, 3] = math.log(0.75), math.log(0.25)
        wrong = torch.full((1, 16), -30.0)
        wrong[0, 7] = 0.0
        self.assertLess(float(DetectionLoss._dfl(exact, target)), float(DetectionLoss._dfl(wrong, target)))


class DistillationTest(unittest.TestCase):
    """loss.DistillationLoss on hand-made head outputs of a 64 px batch (8x8, 4x4, 2x2 cells)."""

    def setUp(self):
        torch.manual_seed(0)
        self.model = SarYolo(ModelConfig(widths=(8, 16, 16, 32, 32), c_box=16, c_cls=16))
        self.fn = DistillationLoss(self.model, tau=0.25)
        no = self.model.detect.no
        self.teacher = [torch.randn(2, no, 64 // s, 64 // s) for s in (8, 16, 32)]
        for t in self.teacher:
            t[:, -3:] = 3.0  # confident everywhere (sigmoid 0.95)
        self.left = torch.zeros(2, 1, 64, 64)
        self.left[..., :32] = 1.0  # SSDD pixels on the left half only

    def student(self, noise=0.5):
        return [(t + noise * torch.randn_like(t)).requires_grad_(True) for t in self.teacher]

    def test_zero_when_the_student_agrees_positive_when_not(self):
        same, _ = self.fn([t.clone() for t in self.teacher], self.teacher, self.left)
        self.assertAlmostEqual(float(same), 0.0, places=4)
        differ, part = self.fn(self.student(), self.teacher, self.left)
        self.assertGreater(float(differ), 0.01)
        self.assertAlmostEqual(float(differ), 2 * float(part), places=5)  # times the batch size

    def test_only_confident_anchors_on_source_pixels_count(self):
        s = self.student()
        loss, _ = self.fn(s, self.teacher, self.left)
        loss.backward()
        for g in (x.grad for x in s):
            w = g.shape[-1]
            self.assertGreater(float(g[..., : w // 2].abs().sum()), 0.0)
            self.assertEqual(float(g[..., w // 2:].abs().sum()), 0.0)  # chip pixels: the labels decide
        none, _ = self.fn(self.student(), self.teacher, torch.zeros(2, 1, 64, 64))
        self.assertEqual(float(none), 0.0)
        unsure = [t.clone() for t in self.teacher]
        for t in unsure:
            t[:, -3:] = -3.0  # teacher not confident anywhere
        self.assertEqual(float(self.fn(self.student(), unsure, self.left)[0]), 0.0)

    def test_a_stride_4_level_counts_too(self):
        model = SarYolo(ModelConfig(widths=(8, 16, 16, 32, 32), c_box=16, c_cls=16, p2=True, strides=(4, 8, 16, 32)))
        fn = DistillationLoss(model, tau=0.25)
        teacher = [torch.randn(2, model.detect.no, 64 // s, 64 // s) for s in (4, 8, 16, 32)]
        for t in teacher:
            t[:, -3:] = 3.0
        self.assertAlmostEqual(float(fn([t.clone() for t in teacher], teacher, self.left)[0]), 0.0, places=4)
        s = [(t + 0.5 * torch.randn_like(t)).requires_grad_(True) for t in teacher]
        fn(s, teacher, self.left)[0].backward()
        w = s[0].shape[-1]
        self.assertGreater(float(s[0].grad[..., : w // 2].abs().sum()), 0.0)
        self.assertEqual(float(s[0].grad[..., w // 2:].abs().sum()), 0.0)

    def test_a_source_map_of_the_wrong_size_is_refused(self):
        with self.assertRaisesRegex(ValueError, "does not match"):
            self.fn(self.student(), self.teacher, torch.ones(2, 1, 32, 32))

    def test_minimising_it_recovers_the_teachers_scores(self):
        s = self.student(noise=2.0)
        opt = torch.optim.Adam(s, lr=0.05)
        for _ in range(300):
            loss, _ = self.fn(s, self.teacher, self.left)
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(float(loss), 0.01)
        for a, t in zip(s, self.teacher):
            w = t.shape[-1]
            got, want = a[:, -3:, :, : w // 2].detach().sigmoid(), t[:, -3:, :, : w // 2].sigmoid()
            self.assertLess(float((got - want).abs().max()), 0.05)


class LearnsTest(unittest.TestCase):
    def test_loss_falls_on_a_fixed_batch(self):
        small = dict(widths=(8, 16, 16, 32, 32), c_box=16, c_cls=16)
        for cfg in (ModelConfig(**small), ModelConfig(**small, p2=True, strides=(4, 8, 16, 32),
                                                      separable=(True, True, False, False))):
            with self.subTest(p2=cfg.p2):
                self._learns(cfg)

    def _learns(self, cfg):
        torch.manual_seed(0)
        model = SarYolo(cfg)
        model.detect.bias_init(128)
        loss_fn = DetectionLoss(model)
        imgs = torch.zeros(2, 2, 128, 128)
        imgs[0, :, 30:40, 50:70] = 1.0
        imgs[1, :, 80:100, 10:16] = 1.0
        targets = torch.tensor([[0, 0, 50, 30, 70, 40], [1, 0, 10, 80, 16, 100]], dtype=torch.float)
        opt = torch.optim.AdamW(model.parameters(), lr=0.01)
        first = None
        model.train()
        for _ in range(30):
            loss, parts = loss_fn(model(imgs), targets)
            self.assertTrue(bool(torch.isfinite(parts).all()))
            first = float(loss) if first is None else first
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(float(loss), 0.5 * first)


class SuperclassTest(unittest.TestCase):
    """A box labelled data.SHIP (an SSDD ship: `vessel` or `fishing`, unknown which)."""

    small = dict(widths=(8, 16, 16, 32, 32), c_box=16, c_cls=16)

    def head(self, model, seed):
        """Raw head outputs of a 64 px batch whose every anchor predicts a box reaching one cell
        to each side (so the assigner finds positives), with random class logits."""
        torch.manual_seed(seed)
        feats = [torch.randn(1, model.detect.no, 64 // s, 64 // s) for s in (8, 16, 32)]
        for f in feats:
            f[:, :64] = -10.0
            f[:, 1:64:16] = 10.0
        return feats

    def test_the_split_between_its_classes_is_left_to_other_labels(self):
        model = SarYolo(ModelConfig(**self.small))
        loss_fn = DetectionLoss(model, superclass=SHIP_CLASSES)
        feats = self.head(model, 0)
        swapped = [f.clone() for f in feats]
        for f, g in zip(swapped, feats):  # vessel and fishing logits exchanged everywhere
            f[:, -3], f[:, -2] = g[:, -2], g[:, -3]
        for label, same in ((SHIP, True), (0, False)):
            t = torch.tensor([[0, label, 10, 12, 30, 20]], dtype=torch.float)
            a, b = float(loss_fn(feats, t)[1][1]), float(loss_fn(swapped, t)[1][1])  # class losses
            with self.subTest(label=label):
                if same:
                    self.assertAlmostEqual(a, b, delta=1e-6 * a)
                else:
                    self.assertGreater(abs(a - b), 1e-4 * a)  # a hundred times the rounding above

    def test_it_trains_the_larger_of_its_classes_and_leaves_the_other_alone(self):
        # Fishing's logit is the larger everywhere, so a ship box must train exactly as a
        # `fishing` box would, except that the vessel score at its positives is not pushed down.
        model = SarYolo(ModelConfig(**self.small))
        loss_fn = DetectionLoss(model, superclass=SHIP_CLASSES)
        base = self.head(model, 1)
        for f in base:
            f[:, -3], f[:, -2], f[:, -1] = -1.0, 1.0, -2.0  # vessel, fishing, non_vessel logits

        def class_grads(label):
            feats = [f.clone().requires_grad_(True) for f in base]
            loss_fn(feats, torch.tensor([[0, label, 10, 12, 30, 20]], dtype=torch.float))[0].backward()
            return torch.cat([f.grad[0, -3:].flatten(1) for f in feats], 1)  # [3, anchors]

        ship, fishing = class_grads(SHIP), class_grads(1)
        positives = ship[0] == 0
        self.assertTrue(1 <= int(positives.sum()) <= 10, int(positives.sum()))  # top-k anchors
        self.assertTrue(bool((fishing[0, positives] > 0).all()))  # a fishing label says "not vessel"
        self.assertTrue(torch.equal(ship[0, ~positives], fishing[0, ~positives]))
        self.assertTrue(torch.allclose(ship[1:], fishing[1:]))


if __name__ == "__main__":
    unittest.main()
