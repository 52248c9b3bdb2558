"""Data: the SSDD split rule, and augmentations that move boxes with their targets."""
import os
import tempfile
import unittest

import numpy as np
from PIL import Image

from sarwatch_train.data import (DEFAULT_SSDD as SSDD, Augmenter, Sample, _clip_boxes, _gain, _geometric, _resize, _speckle,
                                 load_ssdd, read_ids, ssdd_split)

HAS_SSDD = os.path.exists(os.path.join(SSDD, "ImageSets", "Main", "test.txt"))


def _scene(rng, size=96, n=3):
    """Dark picture with n bright rectangles and their boxes (cls, x1, y1, x2, y2)."""
    img = np.full((size, size, 2), 20, np.uint8)
    boxes = []
    for _ in range(n):
        w, h = rng.integers(6, 20, 2)
        x, y = rng.integers(0, size - 20, 2)
        img[y:y + h, x:x + w] = 230
        boxes.append((0, x, y, x + w, y + h))
    return img, np.array(boxes, np.float32)


def _boxes_frame_bright_pixels(test, img, boxes):
    """Each box lies on its (bright) target."""
    for _, x1, y1, x2, y2 in boxes:
        x1, y1, x2, y2 = (int(round(v)) for v in (x1, y1, x2, y2))
        inside = img[y1:y2, x1:x2, 0]
        test.assertGreater(inside.size, 0)
        test.assertGreater(inside.mean(), 100, (x1, y1, x2, y2))


@unittest.skipUnless(HAS_SSDD, f"SSDD not found at {SSDD}")
class SplitTest(unittest.TestCase):
    def test_validation_tenth_of_train_never_test(self):
        main = os.path.join(SSDD, "ImageSets", "Main")
        train_ids, test_ids = read_ids(os.path.join(main, "train.txt")), set(read_ids(os.path.join(main, "test.txt")))
        tr, va = ssdd_split(SSDD, "train"), ssdd_split(SSDD, "val")
        self.assertEqual(sorted(tr + va), sorted(train_ids))
        self.assertFalse(set(tr) & set(va))
        self.assertFalse((set(tr) | set(va)) & test_ids)
        self.assertEqual(va, train_ids[::10])


def make_tiny_ssdd(root: str, n_train: int = 7, n_test: int = 3) -> list[str]:
    """An SSDD-shaped folder: 48 x 40 pictures with one bright ship each, YOLO labels, split files."""
    main = os.path.join(root, "ImageSets", "Main")
    for d in (main, os.path.join(root, "JPEGImages"), os.path.join(root, "labels_yolo"), os.path.join(root, "Annotations")):
        os.makedirs(d, exist_ok=True)
    ids = [f"{i:06d}" for i in range(1, n_train + n_test + 1)]
    for k, i in enumerate(ids):
        img = np.full((40, 48, 3), 30, np.uint8)
        x = 4 + 3 * k
        img[10:18, x:x + 12] = 220
        Image.fromarray(img).save(os.path.join(root, "JPEGImages", f"{i}.jpg"), quality=95)
        with open(os.path.join(root, "labels_yolo", f"{i}.txt"), "w") as f:
            f.write(f"0 {(x + 6) / 48} {14 / 40} {12 / 48} {8 / 40}\n")
        with open(os.path.join(root, "Annotations", f"{i}.xml"), "w") as f:
            f.write(f"<annotation><size><width>48</width><height>40</height></size><object><name>ship</name>"
                    f"<bndbox><xmin>{x}</xmin><ymin>10</ymin><xmax>{x + 12}</xmax><ymax>18</ymax></bndbox></object></annotation>")
    with open(os.path.join(main, "train.txt"), "w") as f:
        f.write("\r\n".join(ids[:n_train]) + "\r\n")  # SSDD's files end lines with CRLF
    with open(os.path.join(main, "test.txt"), "w") as f:
        f.write("\n".join(ids[n_train:]) + "\n")
    return ids


class FoldTest(unittest.TestCase):
    def test_folds_hold_every_training_image_out_once(self):
        with tempfile.TemporaryDirectory() as root:
            ids = make_tiny_ssdd(root)
            train_ids = ids[:7]
            held = [ssdd_split(root, "val", 3, f) for f in range(3)]
            self.assertEqual(held, [train_ids[0::3], train_ids[1::3], train_ids[2::3]])
            self.assertEqual(sorted(sum(held, [])), train_ids)
            for f in range(3):
                self.assertEqual(sorted(ssdd_split(root, "train", 3, f) + held[f]), train_ids)
            self.assertEqual(ssdd_split(root, "val"), train_ids[::10])  # the default: fold 0 of 10
            with self.assertRaises(ValueError):
                ssdd_split(root, "val", 3, 3)


class LabelsTest(unittest.TestCase):
    def test_voc_and_yolo_labels_give_the_same_boxes(self):
        with tempfile.TemporaryDirectory() as root:
            make_tiny_ssdd(root)
            yolo, voc = load_ssdd(root, "train", 3, 1), load_ssdd(root, "train", 3, 1, labels="voc")
            self.assertEqual([s.name for s in yolo], [s.name for s in voc])
            for a, b in zip(yolo, voc):
                np.testing.assert_allclose(a.boxes, b.boxes, atol=1e-4)
                self.assertEqual(a.boxes[:, 0].tolist(), [0.0])
            with self.assertRaises(ValueError):
                load_ssdd(root, "train", labels="coco")

    @unittest.skipUnless(HAS_SSDD, f"SSDD not found at {SSDD}")
    def test_on_ssdd_the_official_voc_and_yolo_boxes_agree(self):
        yolo, voc = load_ssdd(SSDD, "val"), load_ssdd(SSDD, "val", labels="voc")
        for a, b in zip(yolo, voc):
            self.assertEqual(len(a.boxes), len(b.boxes), a.name)
            np.testing.assert_allclose(a.boxes, b.boxes, atol=1.5, err_msg=a.name)


class GeometricTest(unittest.TestCase):
    def test_flips_and_rotations_move_boxes_with_targets(self):
        rng = np.random.default_rng(1)
        img, boxes = _scene(rng, size=80)
        img = img[:, :64]  # not square, so width and height cannot be confused
        boxes = _clip_boxes(boxes, 64, 80)
        seen = set()
        for seed in range(24):
            r = np.random.default_rng(seed)
            out, b = _geometric(img, boxes, r)
            seen.add(out.shape[:2])
            _boxes_frame_bright_pixels(self, out, b)
            self.assertEqual(int((out[:, :, 0] > 100).sum()), int((img[:, :, 0] > 100).sum()))
        self.assertEqual(seen, {(80, 64), (64, 80)})

    def test_a_pixel_map_follows_the_pixels_and_draws_nothing(self):
        rng = np.random.default_rng(2)
        img, boxes = _scene(rng, size=80)
        img, boxes = img[:, :64], _clip_boxes(boxes, 64, 80)
        aux = (img[:, :, 0] > 100).astype(np.uint8)
        for seed in range(24):
            out, b = _geometric(img, boxes, np.random.default_rng(seed))
            out2, b2, aux2 = _geometric(img, boxes, np.random.default_rng(seed), aux)
            np.testing.assert_array_equal(out, out2)
            np.testing.assert_array_equal(b, b2)
            np.testing.assert_array_equal(aux2, (out[:, :, 0] > 100).astype(np.uint8))


class ClipTest(unittest.TestCase):
    def test_boxes_mostly_outside_the_crop_are_dropped(self):
        b = np.array([[0, -8, 0, 2, 10], [0, -2, 0, 8, 10], [0, 10, 10, 20, 20]], np.float32)
        c = _clip_boxes(b, 16, 16)
        self.assertEqual(c[:, 1:].tolist(), [[0, 0, 8, 10], [10, 10, 16, 16]])


class ResizeTest(unittest.TestCase):
    def test_equals_resizing_each_band_on_its_own(self):
        # _resize shares the work when both bands are the same picture (SSDD); it must give
        # exactly the pixels of resizing every band separately, so that training is unchanged.
        rng = np.random.default_rng(3)
        g = rng.integers(0, 256, (45, 61), dtype=np.uint8)
        for img in (np.stack([g, g], -1), rng.integers(0, 256, (45, 61, 2), dtype=np.uint8)):
            for scale in (0.6, 0.93, 1.0, 1.37):
                nw, nh = round(61 * scale), round(45 * scale)
                bands = [np.asarray(Image.fromarray(np.ascontiguousarray(img[:, :, c])).resize((nw, nh), Image.BILINEAR))
                         for c in range(2)]
                np.testing.assert_array_equal(_resize(img, (nh, nw)), np.stack(bands, -1), err_msg=f"scale {scale}")


class RadiometricTest(unittest.TestCase):
    def test_padding_stays_zero(self):
        rng = np.random.default_rng(0)
        img = rng.integers(1, 255, (32, 32, 2)).astype(np.uint8)
        img[:, 20:] = 0  # padding / NODATA
        for kind in ("db", "image"):
            self.assertEqual(int(_speckle(img, kind, rng)[:, 20:].max()), 0, kind)
        self.assertEqual(int(_gain(img, rng)[:, 20:].max()), 0)

    def test_speckle_is_unbiased_in_intensity_for_pictures(self):
        rng = np.random.default_rng(0)
        img = np.full((256, 256, 2), 100, np.uint8)
        out = _speckle(img, "image", rng).astype(np.float64)
        # Amplitude image: speckle multiplies intensity (amplitude squared) by a unit-mean gamma.
        self.assertAlmostEqual((out ** 2).mean() / 100 ** 2, 1.0, delta=0.03)


class AugmenterTest(unittest.TestCase):
    def test_source_map_marks_the_pixels_of_one_kind(self):
        # SSDD-like pictures are bright everywhere; chips are all zero, like the empty canvas,
        # and speckle and gain keep zeros at zero. So where the map says 0 the pixel must be 0,
        # and where it says 1 the pixel is (almost always) bright.
        rng = np.random.default_rng(4)
        samples = [Sample(rng.integers(100, 250, (48 + 8 * i, 56, 2)).astype(np.uint8), np.zeros((0, 5), np.float32),
                          kind="image", name=f"p{i}") for i in range(3)]
        samples += [Sample(np.zeros((64, 64, 2), np.uint8), np.zeros((0, 5), np.float32), kind="db", name=f"c{i}")
                    for i in range(3)]
        values = set()
        for mosaic in (0.0, 1.0):
            plain = Augmenter(samples, 64, seed=7, mosaic=mosaic)
            mapped = Augmenter(samples, 64, seed=7, mosaic=mosaic, source_kind="image")
            for i in range(16):
                img, boxes = plain(i % len(samples))
                img2, boxes2, src = mapped(i % len(samples))
                np.testing.assert_array_equal(img, img2)  # the map changes nothing else
                np.testing.assert_array_equal(boxes, boxes2)
                self.assertEqual((src.shape, src.dtype), ((64, 64), np.uint8))
                self.assertEqual(int(img[src == 0].max(initial=0)), 0)
                if (src == 1).any():
                    self.assertGreater(float((img[:, :, 0][src == 1] > 0).mean()), 0.99)
                values |= set(np.unique(src).tolist())
        self.assertEqual(values, {0, 1})

    def test_crop_first_reads_the_same_places(self):
        # --crop-first resizes only what the output keeps: the same draws, boxes and shapes as the
        # recipe; the pixels are PIL's resize of a box, equal to the crop of the whole resize but
        # for rare roundings (and exactly equal when nothing is resized).
        rng = np.random.default_rng(8)
        samples = [Sample(rng.integers(0, 256, (70 + 9 * i, 90 - 5 * i, 2)).astype(np.uint8), _scene(rng)[1],
                          kind="db" if i % 2 else "image", name=f"s{i}") for i in range(6)]
        for mosaic in (0.0, 1.0):
            for scale in ((0.6, 1.5), (1.0, 1.0)):
                recipe = Augmenter(samples, 64, seed=2, mosaic=mosaic, scale=scale)
                first = Augmenter(samples, 64, seed=2, mosaic=mosaic, scale=scale, crop_first=True)
                differ = 0
                for i in range(24):
                    (img, boxes), (img2, boxes2) = recipe(i % 6), first(i % 6)
                    np.testing.assert_array_equal(boxes, boxes2)
                    self.assertEqual(img.shape, img2.shape)
                    differ += int((img != img2).sum())
                if scale == (1.0, 1.0):
                    self.assertEqual(differ, 0, f"mosaic {mosaic}")
                else:
                    self.assertLess(differ / (24 * 64 * 64 * 2), 0.02, f"mosaic {mosaic}")
                self.assertEqual(recipe.rng.random(), first.rng.random())  # the same draws

    def test_mosaic_partners_come_from_the_given_ids(self):
        samples = [Sample(np.full((64, 64, 2), 10 * (i + 1), np.uint8), np.zeros((0, 5), np.float32),
                          kind="image", name=f"g{i}") for i in range(6)]
        for seed in range(8):
            # All ids as partners is the default stream, pixel for pixel.
            a = Augmenter(samples, 64, seed=seed, mosaic=1.0)
            b = Augmenter(samples, 64, seed=seed, mosaic=1.0, partners=np.arange(6))
            np.testing.assert_array_equal(a(seed % 6)[0], b(seed % 6)[0])
        # Only ids 4 and 5 as partners: every mosaic's three partners are among them.
        drawn = []
        aug = Augmenter(samples, 64, seed=3, mosaic=1.0, partners=np.array([4, 5]))
        real = aug._one
        aug._one = lambda i: drawn.append(i) or real(i)
        for i in range(20):
            aug(i % 4)
        leads, partners = drawn[0::4], [d for k, d in enumerate(drawn) if k % 4]
        self.assertEqual(leads, [i % 4 for i in range(20)])
        self.assertEqual(set(partners), {4, 5})

    def test_output_crops_keep_their_targets(self):
        rng = np.random.default_rng(3)
        samples = [Sample(*_scene(rng), kind="image", name=f"s{i}") for i in range(6)]
        for mosaic in (0.0, 1.0):
            aug = Augmenter(samples, 64, seed=5, mosaic=mosaic, scale=(1.0, 1.0))
            n_boxes = 0
            for i in range(12):
                img, boxes = aug(i % len(samples))
                self.assertEqual((img.shape, img.dtype), ((64, 64, 2), np.uint8))
                self.assertTrue(bool((boxes[:, 1:] >= 0).all() and (boxes[:, 1:] <= 64).all()))
                self.assertTrue(bool(((boxes[:, 3] - boxes[:, 1]) >= 2).all() and ((boxes[:, 4] - boxes[:, 2]) >= 2).all()))
                for _, x1, y1, x2, y2 in boxes:
                    # Speckle and gain vary the values; the target is still far brighter than the sea.
                    patch = img[int(y1):int(np.ceil(y2)), int(x1):int(np.ceil(x2)), 0]
                    self.assertGreater(np.median(patch), 60)
                n_boxes += len(boxes)
            self.assertGreater(n_boxes, 0, f"mosaic {mosaic}")


if __name__ == "__main__":
    unittest.main()
