"""Training batches: in this process (the recipe's stream) or in worker processes, where each
batch has its own seed, so that the batches do not depend on how many workers made them."""
import unittest

import numpy as np
import torch

from sarwatch_train.batches import BatchSource, batch_seed, collate
from sarwatch_train.data import Augmenter
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

    def test_batch_seeds_differ_by_epoch_and_batch(self):
        seeds = {batch_seed(0, e, i) for e in range(5) for i in range(50)}
        self.assertEqual(len(seeds), 250)


if __name__ == "__main__":
    unittest.main()
