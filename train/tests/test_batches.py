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


if __name__ == "__main__":
    unittest.main()
