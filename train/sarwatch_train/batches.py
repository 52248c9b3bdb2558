"""Training batches: augmented samples collated into tensors, in this process or in workers.

In this process (`workers=0`, the default and the recipe) one `Augmenter` per epoch draws
every batch from one random stream, so a run is the same from start to end and after a
resume. On two cores that is also the fastest: torch's two threads already use both, and
a helper process was measured 11-16 % slower (train/README.md).

With a GPU the step is milliseconds and the augmentation on the CPU becomes the whole
cost, so `workers=N` augments batches in N forked processes. Each batch then has its own
generator, seeded from (seed, epoch, batch), so the result does not depend on N or on
which worker ran what; it is a different random stream from the single-process one, so a
run with workers is repeatable but not identical to one without.
"""
from __future__ import annotations

import multiprocessing as mp
from typing import Iterator

import numpy as np
import torch

from .copy_paste import ShipBank
from .data import Augmenter, crowded

_SAMPLES: list = []  # the worker processes' samples, set once by fork (copy-on-write)
_BANK: ShipBank | None = None  # and the ship bank for copy-paste (None without it), the same way


def collate(batch):
    """(image, boxes[, source]) samples -> images [B, 2, S, S] in 0..1, targets [K, 6]
    (batch index, cls, x1, y1, x2, y2)[, source maps [B, 1, S, S]]."""
    # A view of the HWC pictures: channels-last (NHWC) memory, which oneDNN keeps through the whole
    # network; made contiguous (NCHW) the same step takes about a fifth longer (train/README.md).
    imgs = torch.from_numpy(np.stack([b[0] for b in batch])).permute(0, 3, 1, 2).float() / 255.0
    rows = []
    for i, b in enumerate(batch):
        boxes = b[1]
        if len(boxes):
            rows.append(np.concatenate([np.full((len(boxes), 1), i, np.float32), boxes], 1))
    t = torch.from_numpy(np.concatenate(rows)) if rows else torch.zeros((0, 6))
    if len(batch[0]) == 3:
        return imgs, t, torch.from_numpy(np.stack([b[2] for b in batch])).float()[:, None]
    return imgs, t


def augment_batches(aug: Augmenter, order: np.ndarray, n: int, batch: int) -> Iterator:
    """The first n batches of `order`, `batch` ids each, augmented in turn by `aug` and collated."""
    for i in range(n):
        yield collate([aug(int(j)) for j in order[i * batch:(i + 1) * batch]])


def crowded_repeats(samples: list, k: int) -> np.ndarray:
    """Per sample, how often it may lead a mosaic in an epoch's draw (`epoch_order`): k for an SSDD
    picture (kind "image") with ships moored side by side or in a fleet (`data.crowded`), the
    largest single error left on validation data (train/README.md, "Copy-paste"); 1 otherwise."""
    return np.array([k if k > 1 and s.kind == "image" and crowded(s.boxes[:, 1:]).any() else 1 for s in samples], int)


def epoch_order(repeats: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The ids of one epoch, as many as there are samples: the first len(repeats) of a shuffled
    pool holding sample i repeats[i] times. When every repeat is 1 the pool is arange(n), and
    the draw is rng.permutation(n), the recipe's stream, unchanged. The epoch keeps its length
    and its cost; repeated samples replace some others, each with its own crop, flips and
    mosaic partners."""
    return rng.permutation(np.repeat(np.arange(len(repeats)), repeats))[:len(repeats)]


def chips_per_epoch(n_ssdd: int, share: float) -> int:
    """How many synthetic chips join the n_ssdd SSDD samples of an epoch so that they are `share`
    of it (a stage with `chip_share`)."""
    return round(n_ssdd * share / (1 - share))


def mixed_epoch_order(n_ssdd: int, n_chips: int, per_epoch: int, epoch: int, seed: int) -> np.ndarray:
    """The ids of one epoch of a stage that mixes synthetic chips into SSDD from the start
    (`chip_share`): every SSDD sample (ids 0..n_ssdd-1) once, plus `per_epoch` chips (ids n_ssdd..),
    shuffled together by the epoch's generator, as `epoch_order` does. The chips are taken in turn
    from one shuffle fixed for the stage, so that over the stage each is seen equally often
    (to within one), and a resumed stage draws the same ones."""
    turn = np.random.default_rng((seed, 20_000)).permutation(n_chips)
    chips = n_ssdd + turn[(epoch * per_epoch + np.arange(per_epoch)) % n_chips]
    return np.random.default_rng(seed + epoch).permutation(np.concatenate([np.arange(n_ssdd), chips]))


def batch_seed(seed: int, epoch: int, batch: int) -> int:
    return int(np.random.SeedSequence([seed, epoch, batch]).generate_state(1)[0])


def _augment(job):
    """One batch in a worker: its ids, its generator's seed, and the augmenter's settings.
    Returns numpy samples (collated in the parent, so no tensor crosses a pipe)."""
    ids, seed, size, mosaic, source_kind, crop_first, copy_paste, rows, partners = job
    aug = Augmenter(_SAMPLES, size, seed=seed, mosaic=mosaic, source_kind=source_kind, crop_first=crop_first,
                    copy_paste=copy_paste, bank=_BANK, copy_paste_rows=rows, partners=partners)
    return [aug(int(j)) for j in ids]


def _keep_samples(samples, bank):
    global _SAMPLES, _BANK
    _SAMPLES, _BANK = samples, bank


class BatchSource:
    """The batches of each epoch, in a fixed order (`perm`), `batch` samples each."""

    def __init__(self, samples: list, size: int, batch: int, seed: int, workers: int = 0,
                 crop_first: bool = False, copy_paste: float = 0.0, copy_paste_rows: float = 0.0):
        self.samples, self.size, self.batch, self.seed = samples, size, batch, seed
        self.crop_first = crop_first  # data.Augmenter's: resize only what the crop keeps (train.py's default)
        # data.Augmenter's: share of samples that get SSDD ships pasted in, and of pastes that are rows
        self.copy_paste, self.copy_paste_rows = copy_paste, copy_paste_rows
        self.bank = ShipBank(samples) if copy_paste > 0 else None  # built once, for every epoch and worker
        self.pool = None
        if workers > 0:
            # fork: the workers inherit the decoded samples (and the bank) instead of unpickling them.
            self.pool = mp.get_context("fork").Pool(workers, initializer=_keep_samples, initargs=(samples, self.bank))

    def epoch(self, epoch: int, perm: np.ndarray, n: int, mosaic: float, source_kind: str | None,
              partners: np.ndarray | None = None) -> Iterator:
        """The first n batches of `perm`. Mosaic partners are drawn from `partners` (data.Augmenter;
        None: from all samples)."""
        bs = self.batch
        if self.pool is None:
            aug = Augmenter(self.samples, self.size, seed=self.seed * 1000 + epoch, mosaic=mosaic,
                            source_kind=source_kind, crop_first=self.crop_first, copy_paste=self.copy_paste,
                            bank=self.bank, copy_paste_rows=self.copy_paste_rows, partners=partners)
            yield from augment_batches(aug, perm, n, bs)
            return
        jobs = [(perm[i * bs:(i + 1) * bs], batch_seed(self.seed, epoch, i), self.size, mosaic, source_kind,
                 self.crop_first, self.copy_paste, self.copy_paste_rows, partners)
                for i in range(n)]
        for samples in self.pool.imap(_augment, jobs):
            yield collate(samples)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None
