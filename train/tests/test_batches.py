"""Training batches: in this process (the recipe's stream) or in worker processes, where each
batch has its own seed, so that the batches do not depend on how many workers made them."""
import unittest

import numpy as np
import torch

from sarwatch_train.batches import (BatchSource, batch_seed, chips_per_epoch, collate, crowded_repeats, epoch_order,
                                    mixed_epoch_order)
from sarwatch_train.data import Augmenter, Sample
from tests.test_stage import _samples


def _epoch(source, epoch, n, mosaic=1.0):
    perm = np.random.default_rng(epoch).permutation(len(source.samples))
    return list(source.epoch(epoch, perm, n, mosaic, None))


class BatchSourceTest(unittest.TestCase):
    def setUp(self):
        self.samples = _samples(12, 1)

    def assertSameBatches(self, a, b):
        self.assertEqual(len(a), len(b))
        for x, y in zip(a, b):
            for tx, ty in zip(x, y):
                self.assertTrue(torch.equal(tx, ty))

    def test_in_process_is_one_augmenter_per_epoch(self):
        source = BatchSource(self.samples, 64, 3, seed=5)
        perm = np.random.default_rng(2).permutation(12)
        aug = Augmenter(self.samples, 64, seed=5 * 1000 + 2)
        expected = [collate([aug(int(j)) for j in perm[i * 3:(i + 1) * 3]]) for i in range(4)]
        self.assertSameBatches(list(source.epoch(2, perm, 4, 1.0, None)), expected)

    def test_images_are_channels_last_in_and_out_of_process(self):
        # The network's speed depends on it: oneDNN keeps an NHWC input's layout through the whole
        # network, and the same step on NCHW images takes about a fifth longer (train/README.md,
        # "Where the time goes"). The layout is a view of the augmenter's HWC arrays, not a copy.
        for workers in (0, 1):
            source = BatchSource(self.samples, 64, 3, seed=5, workers=workers)
            try:
                imgs = _epoch(source, 0, 1)[0][0]
            finally:
                source.close()
            self.assertTrue(imgs.is_contiguous(memory_format=torch.channels_last), workers)
            self.assertFalse(imgs.is_contiguous(), workers)

    def test_workers_give_the_same_batches_whatever_their_number(self):
        one, two = BatchSource(self.samples, 64, 3, seed=5, workers=1), BatchSource(self.samples, 64, 3, seed=5, workers=2)
        try:
            a, b = _epoch(one, 3, 4), _epoch(two, 3, 4)
        finally:
            one.close()
            two.close()
        self.assertSameBatches(a, b)
        # Each batch is its own seed's augmentation, in order.
        perm = np.random.default_rng(3).permutation(12)
        for i, batch in enumerate(a):
            aug = Augmenter(self.samples, 64, seed=batch_seed(5, 3, i))
            self.assertSameBatches([batch], [collate([aug(int(j)) for j in perm[i * 3:(i + 1) * 3]])])
        self.assertFalse(torch.equal(a[0][0], a[1][0]))

    def test_copy_paste_reaches_the_augmenter_in_process_and_in_workers(self):
        perm = np.random.default_rng(4).permutation(12)
        for workers in (0, 2):
            source = BatchSource(self.samples, 64, 3, seed=5, workers=workers, copy_paste=1.0)
            try:
                got = list(source.epoch(4, perm, 4, 1.0, None))
            finally:
                source.close()
            for i, batch in enumerate(got):
                seed = 5 * 1000 + 4 if workers == 0 else batch_seed(5, 4, i)
                aug = Augmenter(self.samples, 64, seed=seed, copy_paste=1.0)
                if workers == 0:  # one augmenter for the epoch: replay the batches before this one
                    for j in perm[:i * 3]:
                        aug(int(j))
                self.assertSameBatches([batch], [collate([aug(int(j)) for j in perm[i * 3:(i + 1) * 3]])])
            plain = BatchSource(self.samples, 64, 3, seed=5, workers=workers)
            try:
                without = list(plain.epoch(4, perm, 4, 1.0, None))
            finally:
                plain.close()
            self.assertGreater(sum(len(b[1]) for b in got), sum(len(b[1]) for b in without))

    def test_batch_seeds_differ_by_epoch_and_batch(self):
        seeds = {batch_seed(0, e, i) for e in range(5) for i in range(50)}
        self.assertEqual(len(seeds), 250)


def _picture(boxes, kind="image", name="p"):
    return Sample(np.zeros((64, 64, 2), np.uint8), np.array(boxes, np.float32).reshape(-1, 5), kind, name)


class CrowdedRepeatTest(unittest.TestCase):
    # Two 20 x 6 hulls 4 px apart (moored side by side), and a lone hull.
    ROW = [[0, 10, 10, 30, 16], [0, 10, 20, 30, 26]]
    LONE = [[0, 10, 10, 30, 16]]

    def test_only_ssdd_pictures_with_crowded_ships_repeat(self):
        samples = [_picture(self.ROW), _picture(self.LONE), _picture([]), _picture(self.ROW, kind="db")]
        self.assertEqual(crowded_repeats(samples, 3).tolist(), [3, 1, 1, 1])
        self.assertEqual(crowded_repeats(samples, 1).tolist(), [1, 1, 1, 1])

    def test_without_repeats_the_order_is_the_recipes_permutation(self):
        a = epoch_order(np.ones(50, int), np.random.default_rng(7))
        self.assertTrue(np.array_equal(a, np.random.default_rng(7).permutation(50)))

    def test_repeats_keep_the_epochs_length_and_draw_crowded_pictures_more(self):
        rep = np.ones(100, int)
        rep[:10] = 4  # a tenth of the pictures, drawn 4 times as often: 40 of 130 in the pool
        counts = np.zeros(100, int)
        for seed in range(200):
            order = epoch_order(rep, np.random.default_rng(seed))
            self.assertEqual(len(order), 100)
            np.add.at(counts, order, 1)
        share = counts[:10].sum() / counts.sum()
        self.assertAlmostEqual(share, 40 / 130, delta=0.02)
        self.assertTrue((counts[10:] > 0).all())


class MixedEpochTest(unittest.TestCase):
    def test_the_share_of_chips(self):
        self.assertEqual(chips_per_epoch(618, 0.3), 265)
        self.assertEqual(chips_per_epoch(835, 0.3), 358)
        self.assertEqual(chips_per_epoch(70, 0.5), 70)

    def test_every_ssdd_sample_each_epoch_and_the_chips_in_turn(self):
        n_ssdd, n_chips, per = 40, 30, 17
        seen = np.zeros(n_chips, int)
        for epoch in range(9):
            order = mixed_epoch_order(n_ssdd, n_chips, per, epoch, seed=5)
            self.assertEqual(len(order), n_ssdd + per)
            self.assertEqual(sorted(order[order < n_ssdd].tolist()), list(range(n_ssdd)))
            chips = order[order >= n_ssdd] - n_ssdd
            self.assertEqual(len(chips), per)
            self.assertTrue((chips < n_chips).all())
            np.add.at(seen, chips, 1)
            # A resumed stage draws the same epoch.
            self.assertTrue(np.array_equal(order, mixed_epoch_order(n_ssdd, n_chips, per, epoch, seed=5)))
        # 9 x 17 = 153 chip draws over 30 chips: each seen 5 or 6 times.
        self.assertEqual(seen.sum(), 153)
        self.assertLessEqual(seen.max() - seen.min(), 1)
        self.assertFalse(np.array_equal(mixed_epoch_order(n_ssdd, n_chips, per, 0, seed=5),
                                        mixed_epoch_order(n_ssdd, n_chips, per, 1, seed=5)))


if __name__ == "__main__":
    unittest.main()
