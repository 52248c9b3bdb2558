"""Copy-paste: which ships enter the bank, where they land, and that nothing else changes."""
import unittest

import numpy as np

from sarwatch_train.copy_paste import MARGIN_MIN, ROW_MAX, Patch, ShipBank, paste_ships, row_offsets
from sarwatch_train.data import Augmenter, Sample


def _picture(rng, size=96, n=2, sea=20, ship=230):
    """A one-band picture (stored twice, as SSDD is): speckled sea and n bright hulls."""
    band = rng.integers(sea - 8, sea + 8, (size, size)).astype(np.uint8)
    boxes = []
    for _ in range(n):
        w, h = rng.integers(6, 16, 2)
        x, y = rng.integers(4, size - 20, 2)
        band[y:y + h, x:x + w] = ship
        boxes.append((0, x, y, x + w, y + h))
    return np.stack([band, band], -1), np.array(boxes, np.float32)


class ShipBankTest(unittest.TestCase):
    def test_banks_each_picture_ship_with_sea_around_it(self):
        rng = np.random.default_rng(0)
        pictures = [Sample(*_picture(rng), kind="image", name=f"p{i}") for i in range(3)]
        chip = Sample(*_picture(rng), kind="db", name="chip")  # Sentinel-1 chips never enter the bank
        tiny = Sample(np.zeros((40, 40, 2), np.uint8), np.array([[0, 5, 5, 7, 20]], np.float32), "image", "tiny")
        bank = ShipBank(pictures + [chip, tiny])
        self.assertEqual(len(bank), 6)
        for p in bank.patches:
            x1, y1, x2, y2 = p.box
            ship = p.pixels[int(y1):int(y2), int(x1):int(x2)]
            self.assertTrue(bool((ship == 230).all()))
            self.assertGreaterEqual(min(x1, y1), 0)
            self.assertLess(p.sea, 40)  # the border is sea (the hulls keep 4 px off the edges here)
            self.assertLessEqual(p.pixels.shape[0], (y2 - y1) + 2 * max(MARGIN_MIN, 0.25 * 16) + 2)


class PasteTest(unittest.TestCase):
    def _bank(self):
        rng = np.random.default_rng(1)
        return ShipBank([Sample(*_picture(rng), kind="image", name=f"p{i}") for i in range(4)])

    def test_pastes_onto_sea_clear_of_the_labelled_ships(self):
        bank, rng = self._bank(), np.random.default_rng(2)
        pasted_any = 0
        for k in range(40):
            img, boxes = _picture(np.random.default_rng(100 + k), size=128, n=6)
            out, out_boxes = paste_ships(img, boxes, bank, rng, (0.8, 1.2), prob=1.0)
            np.testing.assert_array_equal(out_boxes[:len(boxes)], boxes)  # the labels it had are kept
            added = out_boxes[len(boxes):]
            pasted_any += len(added)
            np.testing.assert_array_equal(out[:, :, 0], out[:, :, 1])
            for cls, x1, y1, x2, y2 in added:
                self.assertEqual(cls, 0)
                self.assertTrue(0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 128)
                # the pasted hull is there, on what was sea
                inside = out[int(np.ceil(y1)) + 1:int(y2) - 1, int(np.ceil(x1)) + 1:int(x2) - 1, 0]
                self.assertGreater(float(inside.mean()), 150)
                for _, a1, b1, a2, b2 in boxes:  # no pasted ship covers a labelled one
                    self.assertTrue(x2 <= a1 or x1 >= a2 or y2 <= b1 or y1 >= b2)
            # Pixels change only where ships were pasted (their patches: box plus margin).
            changed = np.argwhere(out[:, :, 0] != img[:, :, 0])
            for y, x in changed:
                near = [(x1 - 8 <= x <= x2 + 8) and (y1 - 8 <= y <= y2 + 8) for _, x1, y1, x2, y2 in added]
                self.assertTrue(any(near), (y, x))
        self.assertGreater(pasted_any, 20)

    def test_never_pastes_onto_padding_bright_land_or_chips(self):
        bank, rng = self._bank(), np.random.default_rng(3)
        none = np.zeros((0, 5), np.float32)
        padding = np.zeros((96, 96, 2), np.uint8)
        land = np.full((96, 96, 2), 200, np.uint8)
        chip = np.zeros((96, 96, 2), np.uint8)
        chip[:, :, 0], chip[:, :, 1] = 30, 10  # VV and VH differ: a Sentinel-1 chip
        for img in (padding, land, chip):
            for _ in range(10):
                out, boxes = paste_ships(img, none, bank, rng, (1.0, 1.0), prob=1.0)
                self.assertIs(out, img)
                self.assertEqual(len(boxes), 0)

    def test_probability_zero_or_empty_bank_changes_nothing(self):
        img, boxes = _picture(np.random.default_rng(4))
        rng = np.random.default_rng(5)
        for bank, prob in ((self._bank(), 0.0), (ShipBank([]), 1.0)):
            out, out_boxes = paste_ships(img, boxes, bank, rng, (1.0, 1.0), prob)
            self.assertIs(out, img)
            self.assertIs(out_boxes, boxes)


class RowTest(unittest.TestCase):
    @staticmethod
    def _hull(angle, length=24, beam=4, size=40):
        """A bright bar at `angle` (radians from the x axis) on dark sea, its patch and box."""
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) - size / 2
        along = xx * np.cos(angle) + yy * np.sin(angle)
        across = -xx * np.sin(angle) + yy * np.cos(angle)
        pix = np.where((np.abs(along) < length / 2) & (-beam / 2 <= across) & (across < beam / 2), 220, 20).astype(np.uint8)
        ys, xs = np.nonzero(pix > 100)
        box = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)
        return pix, box, Patch(pix, box, 0.0, 20.0, 2.0)

    def test_rows_stand_side_by_side_across_the_hull(self):
        rng = np.random.default_rng(7)
        for angle in (0.0, np.pi / 2, np.pi / 4, 2.0):
            pix, box, p = self._hull(angle)
            hull = np.array([np.cos(angle), np.sin(angle)])
            counts = set()
            for _ in range(20):
                off = row_offsets(pix, box, p, rng)
                counts.add(len(off))
                np.testing.assert_array_equal(off[0], [0, 0])
                step = off[1] - off[0]
                self.assertLessEqual(abs(float(step @ hull)), 1.5, (angle, step))  # across the hull, not along it
                self.assertTrue(4 * 1.2 - 1.5 <= np.hypot(*step) <= 4 * 2.0 + 1.5, (angle, step))  # a beam and a gap
            self.assertEqual(counts, set(range(2, ROW_MAX + 1)))

    def test_a_faint_patch_stays_one_ship(self):
        pix = np.full((20, 20), 20, np.uint8)
        box = np.array([5, 5, 15, 15], np.float32)
        off = row_offsets(pix, box, Patch(pix, box, 0.0, 20.0, 2.0), np.random.default_rng(0))
        np.testing.assert_array_equal(off, [[0, 0]])

    def test_pasted_rows_label_every_ship(self):
        bank = ShipBank([Sample(*_picture(np.random.default_rng(1), n=2), kind="image", name="p")])
        rng = np.random.default_rng(8)
        added = 0
        for k in range(30):
            img, boxes = _picture(np.random.default_rng(200 + k), size=160, n=1)
            out, out_boxes = paste_ships(img, boxes, bank, rng, (1.0, 1.0), prob=1.0, rows=1.0)
            for _, x1, y1, x2, y2 in out_boxes[len(boxes):]:
                inside = out[int(np.ceil(y1)) + 1:int(y2) - 1, int(np.ceil(x1)) + 1:int(x2) - 1, 0]
                self.assertGreater(float(inside.mean()), 150)  # each labelled copy is there
            added += len(out_boxes) - len(boxes)
        self.assertGreater(added, 30 * 2)  # rows: more than two ships a paste on average


class AugmenterCopyPasteTest(unittest.TestCase):
    def test_the_rest_of_the_stream_is_unchanged(self):
        # Copy-paste draws from its own generator: the same mosaics, crops, flips and speckle,
        # plus ships. So every box of the plain stream is in the copy-paste stream, in order.
        rng = np.random.default_rng(6)
        samples = [Sample(*_picture(rng, size=80), kind="image", name=f"s{i}") for i in range(6)]
        added = 0
        for mosaic in (0.0, 1.0):
            plain = Augmenter(samples, 64, seed=9, mosaic=mosaic)
            pasting = Augmenter(samples, 64, seed=9, mosaic=mosaic, copy_paste=1.0)
            for i in range(16):
                (img, boxes), (img2, boxes2) = plain(i % 6), pasting(i % 6)
                self.assertEqual(img.shape, img2.shape)
                np.testing.assert_array_equal(boxes2[:len(boxes)], boxes)
                added += len(boxes2) - len(boxes)
            self.assertEqual(plain.rng.random(), pasting.rng.random())  # the same draws
        self.assertGreater(added, 0)


if __name__ == "__main__":
    unittest.main()
