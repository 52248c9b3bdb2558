"""Datasets: SSDD (official split, YOLO or VOC labels) and sarwatch synthetic chips.

Every sample is an 8-bit image with the model's two input channels (VV, VH)
and boxes in pixels `(cls, x1, y1, x2, y2)`. A single-band image (SSDD) is fed
as both channels, exactly as the runtime does. Images stay at their native
pixel spacing: the runtime tiles scenes without resizing, so training does not
resize them either (beyond a scale jitter).
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .copy_paste import ShipBank, paste_ships

# Where the SSDD dataset lies in this project's layout (../shared/data/ssdd); every tool takes --ssdd.
DEFAULT_SSDD = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "ssdd"))

# Classes of the bundled model. SSDD "ship" boxes are vessels of unknown type.
CLASS_NAMES = ("vessel", "fishing", "non_vessel")

# Training label of a box that is a vessel of either kind (`vessel` or `fishing`) without saying
# which: SSDD's "ship" under `--ssdd-superclass`. loss.DetectionLoss trains the larger of the two
# scores on it, so SSDD ships stop teaching "not fishing" to a model that learns fishing vessels
# from synthetic chips. An opt-in; it did not raise the class (train/README.md, "Fishing vessels").
SHIP = len(CLASS_NAMES)
SHIP_CLASSES = (CLASS_NAMES.index("vessel"), CLASS_NAMES.index("fishing"))


@dataclass
class Sample:
    image: np.ndarray      # HxWx2 uint8 (VV, VH)
    boxes: np.ndarray      # Nx5 float32: cls, x1, y1, x2, y2 in pixels
    kind: str              # "image" (8-bit amplitude picture) or "db" (dB scaled to 8 bit)
    name: str


def read_ids(path: str) -> list[str]:
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def ssdd_split(root: str, split: str, folds: int = 10, fold: int = 0) -> list[str]:
    """Official SSDD split ids. `train`/`val` partition the official train.txt: the ids at
    positions fold, fold + folds, fold + 2 * folds ... are held out for validation (by
    default every 10th id from the first), never `test.txt`. Running folds 0 .. folds-1
    holds every image out once (k-fold; `compare oof` pools them)."""
    if not 0 <= fold < folds:
        raise ValueError(f"fold {fold} is not in 0..{folds - 1}")
    if split in ("train", "val"):
        ids = read_ids(os.path.join(root, "ImageSets", "Main", "train.txt"))
        held = set(ids[fold::folds])
        return [i for i in ids if (i in held) == (split == "val")]
    return read_ids(os.path.join(root, "ImageSets", "Main", f"{split}.txt"))


def crowded(gt: np.ndarray) -> np.ndarray:
    """Per ship: another ship's box lies within one of this ship's short sides of its box (gap
    measured along x and y, the larger of the two): ships moored side by side, or in a fleet."""
    if len(gt) < 2:
        return np.zeros(len(gt), bool)
    side = (gt[:, 2:] - gt[:, :2]).min(1)
    dx = np.maximum(0, np.maximum(gt[None, :, 0] - gt[:, None, 2], gt[:, None, 0] - gt[None, :, 2]))
    dy = np.maximum(0, np.maximum(gt[None, :, 1] - gt[:, None, 3], gt[:, None, 1] - gt[None, :, 3]))
    close = np.maximum(dx, dy) <= side[:, None]
    np.fill_diagonal(close, False)
    return close.any(1)


def load_gray(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"), dtype=np.uint8)


def load_yolo_labels(path: str, w: int, h: int) -> np.ndarray:
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) != 5:
                    continue
                c, cx, cy, bw, bh = int(p[0]), *map(float, p[1:])
                rows.append((c, (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h))
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


def load_voc_labels(path: str) -> np.ndarray:
    rows = []
    for obj in ET.parse(path).getroot().iter("object"):
        bb = obj.find("bndbox")
        rows.append((0, *(float(bb.find(k).text) for k in ("xmin", "ymin", "xmax", "ymax"))))
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


def load_ssdd(root: str, split: str, folds: int = 10, fold: int = 0, labels: str = "yolo") -> list[Sample]:
    """SSDD-layout images with their boxes: `labels` "yolo" reads labels_yolo/<id>.txt,
    "voc" the official Annotations/<id>.xml (the same boxes, in pixels)."""
    if labels not in ("yolo", "voc"):
        raise ValueError(f"labels must be 'yolo' or 'voc', got {labels!r}")
    out = []
    for i in ssdd_split(root, split, folds, fold):
        g = load_gray(os.path.join(root, "JPEGImages", f"{i}.jpg"))
        if labels == "voc":
            boxes = load_voc_labels(os.path.join(root, "Annotations", f"{i}.xml"))
        else:
            boxes = load_yolo_labels(os.path.join(root, "labels_yolo", f"{i}.txt"), g.shape[1], g.shape[0])
        boxes[:, 0] = 0  # SSDD "ship" -> vessel
        out.append(Sample(np.stack([g, g], -1), boxes, "image", f"ssdd/{i}"))
    return out


def as_ship_superclass(samples: list[Sample]) -> list[Sample]:
    """The same samples with every box labelled SHIP (a vessel of either kind)."""
    out = []
    for smp in samples:
        boxes = smp.boxes.copy()
        boxes[:, 0] = SHIP
        out.append(Sample(smp.image, boxes, smp.kind, smp.name))
    return out


def load_chips(root: str) -> list[Sample]:
    """Synthetic chips written by `sarwatch synth --chips`: images/*.png (R=VV, G=VH
    after the model's dB->8-bit normalisation) and labels/*.txt in YOLO format."""
    out = []
    img_dir = os.path.join(root, "images")
    for fn in sorted(os.listdir(img_dir)):
        if not fn.endswith(".png"):
            continue
        rgb = np.asarray(Image.open(os.path.join(img_dir, fn)).convert("RGB"), dtype=np.uint8)
        boxes = load_yolo_labels(os.path.join(root, "labels", fn[:-4] + ".txt"), rgb.shape[1], rgb.shape[0])
        out.append(Sample(np.ascontiguousarray(rgb[:, :, :2]), boxes, "db", f"synth/{fn[:-4]}"))
    return out


# ----------------------------------------------------------------------------- augmentation

def _scaled_shape(h: int, w: int, scale: float) -> tuple[int, int]:
    return max(1, round(h * scale)), max(1, round(w * scale))


def _resize(img: np.ndarray, shape: tuple[int, int], box=None) -> np.ndarray:
    """Bilinear resize to `shape` (rows, columns); `box` reads only that source rectangle
    (PIL's box: left, upper, right, lower)."""
    nh, nw = shape
    out = np.empty((nh, nw, img.shape[2]), np.uint8)
    for c in range(img.shape[2]):
        if c and np.array_equal(img[:, :, c], img[:, :, 0]):
            # SSDD stores its one band twice: resize it once (the same pixels; 40 % less time).
            out[:, :, c] = out[:, :, 0]
            continue
        out[:, :, c] = Image.fromarray(np.ascontiguousarray(img[:, :, c])).resize((nw, nh), Image.BILINEAR, box=box)
    return out


class _Scaled:
    """A sample's image at scale `scale`, resized where it is read.

    `crop_first=False` resizes the whole image once and slices it (the recipe's stream until
    2026-11-23, `--no-crop-first`). `crop_first=True` (the recipe's since) resizes only the region
    read, through PIL's `box`: about a quarter of the pixels in a mosaic, but PIL does not promise
    the pixels of a crop of the whole resize (0.3 % of them differ, by at most 2), so the two are
    different random streams."""

    def __init__(self, image: np.ndarray, scale: float, single_band: bool, crop_first: bool):
        self.image, self.single_band, self.crop_first = image, single_band, crop_first
        h, w = image.shape[:2]
        self.identity = abs(scale - 1) <= 1e-3
        self.shape = (h, w) if self.identity else _scaled_shape(h, w, scale)
        self._whole = None

    def region(self, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
        """Rows y0:y1 and columns x0:x1 of the scaled image (within its shape)."""
        if self.identity:
            out = self.image[y0:y1, x0:x1]
        elif not self.crop_first:
            if self._whole is None:
                self._whole = _resize(self.image, self.shape)
            out = self._whole[y0:y1, x0:x1]
        else:
            h, w = self.image.shape[:2]
            sy, sx = h / self.shape[0], w / self.shape[1]  # PIL's own source step per output pixel
            out = _resize(self.image, (y1 - y0, x1 - x0), box=(x0 * sx, y0 * sy, x1 * sx, y1 * sy))
        if self.single_band:
            out = np.repeat(out[:, :, :1], 2, axis=2)  # single-band scene: VV fed as both channels
        return out


def _clip_boxes(b: np.ndarray, w: int, h: int, min_side: float = 2.0, min_keep: float = 0.25) -> np.ndarray:
    if len(b) == 0:
        return b
    area0 = (b[:, 3] - b[:, 1]) * (b[:, 4] - b[:, 2])
    c = b.copy()
    c[:, [1, 3]] = c[:, [1, 3]].clip(0, w)
    c[:, [2, 4]] = c[:, [2, 4]].clip(0, h)
    bw, bh = c[:, 3] - c[:, 1], c[:, 4] - c[:, 2]
    keep = (bw >= min_side) & (bh >= min_side) & (bw * bh >= min_keep * np.maximum(area0, 1e-6))
    return c[keep]


def _speckle(img: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    looks = rng.uniform(3.0, 12.0)
    g = rng.gamma(looks, 1.0 / looks, size=img.shape[:2]).astype(np.float32)[:, :, None]
    f = img.astype(np.float32)
    if kind == "db":
        # Multiplicative speckle in intensity is additive in dB; 255/70 levels per dB.
        f = f + (255.0 / 70.0) * 10.0 * np.log10(np.maximum(g, 1e-3)) * (f > 0)
    else:
        f = f * np.sqrt(g)  # amplitude image: speckle on the square root of intensity
    return f.clip(0, 255).astype(np.uint8)


def _gain(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    a = rng.uniform(0.75, 1.3)
    b = rng.uniform(-20, 20)
    f = img.astype(np.float32) * a + b
    return (f.clip(0, 255) * (img > 0)).astype(np.uint8)  # keep padding/NODATA at 0


def _geometric(img: np.ndarray, boxes: np.ndarray, rng: np.random.Generator, aux: np.ndarray | None = None):
    """Flips and 90-degree rotations of the image, its boxes and (when given) a per-pixel
    map `aux` that must follow the pixels. `aux` draws nothing from `rng`."""
    h, w = img.shape[:2]
    b = boxes.copy()
    if rng.random() < 0.5:
        img = img[:, ::-1]
        aux = None if aux is None else aux[:, ::-1]
        b[:, [1, 3]] = w - b[:, [3, 1]]
    if rng.random() < 0.5:
        img = img[::-1]
        aux = None if aux is None else aux[::-1]
        b[:, [2, 4]] = h - b[:, [4, 2]]
    k = int(rng.integers(0, 4))
    for _ in range(k):  # rotate 90 degrees counter-clockwise: (x, y) -> (y, W - x)
        hh, ww = img.shape[:2]
        img = np.rot90(img)
        aux = None if aux is None else np.rot90(aux)
        nb = b.copy()
        nb[:, 1], nb[:, 3] = b[:, 2], b[:, 4]
        nb[:, 2], nb[:, 4] = ww - b[:, 3], ww - b[:, 1]
        b = nb
    if aux is None:
        return np.ascontiguousarray(img), b
    return np.ascontiguousarray(img), b, np.ascontiguousarray(aux)


class Augmenter:
    """Mosaic of four native-scale images with scale jitter, then a random crop,
    flips, 90-degree rotations, speckle and gain jitter; with `copy_paste` > 0, also
    SSDD ships pasted onto the sea of that share of the samples, a share `copy_paste_rows`
    of them as rows moored side by side (copy_paste.py; its own random generator, so the
    rest of the stream is unchanged).

    With `source_kind` set, each call also returns an SxS uint8 map that is 1 where the
    pixel came from a sample of that kind ("image": SSDD) and 0 elsewhere (other kinds,
    and the empty canvas), transformed with the image. The distillation stage uses it to
    keep the stage-1 model's answers on SSDD pixels only. The map draws nothing from the
    random generator: the images are the same with and without it."""

    def __init__(self, samples: list[Sample], size: int, seed: int, mosaic: float = 1.0,
                 scale: tuple[float, float] = (0.6, 1.5), source_kind: str | None = None,
                 crop_first: bool = False, copy_paste: float = 0.0, bank: ShipBank | None = None,
                 copy_paste_rows: float = 0.0, partners: np.ndarray | None = None):
        self.samples = samples
        # The ids a mosaic's three partners are drawn from: all samples (None), or an epoch's own
        # ids, so that a stage mixing chips into SSDD keeps its share of chips in the mosaics too.
        # Either way the draw takes the same numbers from the generator.
        self.partners = partners
        self.copy_paste, self.copy_paste_rows = copy_paste, copy_paste_rows
        if copy_paste > 0:
            self.bank = bank if bank is not None else ShipBank(samples)
            self.paste_rng = np.random.default_rng((seed, 1))
        self.crop_first = crop_first
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.mosaic = mosaic
        self.scale = scale
        self.source_kind = source_kind

    def _one(self, idx: int):
        s = self.samples[idx]
        sc = self.rng.uniform(*self.scale)
        b = s.boxes.copy()
        b[:, 1:] *= sc
        single_band = s.kind == "db" and self.rng.random() < 0.2
        return _Scaled(s.image, sc, single_band, self.crop_first), b, s.kind

    def __call__(self, idx: int):
        S = self.size
        if self.rng.random() < self.mosaic:
            canvas = np.zeros((2 * S, 2 * S, 2), np.uint8)
            source = np.zeros((2 * S, 2 * S), np.uint8)
            yc, xc = (int(self.rng.uniform(S * 0.5, S * 1.5)) for _ in range(2))
            ox, oy = xc - S // 2, yc - S // 2  # the output: canvas[oy:oy + S, ox:ox + S]
            pool = self.partners
            drawn = self.rng.integers(0, len(self.samples) if pool is None else len(pool), 3)
            idxs = [idx] + list(drawn if pool is None else pool[drawn])
            all_b = []
            kinds = []
            for k, i in enumerate(idxs):
                img, b, kind = self._one(int(i))
                kinds.append(kind)
                h, w = img.shape
                if k == 0:
                    x1a, y1a, x2a, y2a = max(xc - w, 0), max(yc - h, 0), xc, yc
                    x1b, y1b = w - (x2a - x1a), h - (y2a - y1a)
                elif k == 1:
                    x1a, y1a, x2a, y2a = xc, max(yc - h, 0), min(xc + w, 2 * S), yc
                    x1b, y1b = 0, h - (y2a - y1a)
                elif k == 2:
                    x1a, y1a, x2a, y2a = max(xc - w, 0), yc, xc, min(2 * S, yc + h)
                    x1b, y1b = w - (x2a - x1a), 0
                else:
                    x1a, y1a, x2a, y2a = xc, yc, min(xc + w, 2 * S), min(2 * S, yc + h)
                    x1b, y1b = 0, 0
                # Only the part of the pasted region inside the output is read.
                cy1, cy2, cx1, cx2 = max(y1a, oy), min(y2a, oy + S), max(x1a, ox), min(x2a, ox + S)
                if cy1 < cy2 and cx1 < cx2:
                    canvas[cy1:cy2, cx1:cx2] = img.region(y1b + cy1 - y1a, y1b + cy2 - y1a,
                                                          x1b + cx1 - x1a, x1b + cx2 - x1a)
                source[y1a:y2a, x1a:x2a] = kind == self.source_kind
                bb = b.copy()
                bb[:, [1, 3]] += x1a - x1b
                bb[:, [2, 4]] += y1a - y1b
                # Keep only the part of each box that landed inside this image's pasted region.
                bb[:, [1, 3]] = bb[:, [1, 3]].clip(x1a, x2a)
                bb[:, [2, 4]] = bb[:, [2, 4]].clip(y1a, y2a)
                all_b.append(bb)
            boxes = np.concatenate(all_b) if all_b else np.zeros((0, 5), np.float32)
            img = canvas[oy:oy + S, ox:ox + S]
            source = source[oy:oy + S, ox:ox + S]
            boxes[:, [1, 3]] -= ox
            boxes[:, [2, 4]] -= oy
            kind = "db" if kinds[0] == "db" else "image"
        else:
            scaled, boxes, kind = self._one(idx)
            h, w = scaled.shape
            ox = int(self.rng.integers(0, max(1, w - S + 1)))
            oy = int(self.rng.integers(0, max(1, h - S + 1)))
            crop = np.zeros((S, S, 2), np.uint8)
            part = scaled.region(oy, min(h, oy + S), ox, min(w, ox + S))
            crop[:part.shape[0], :part.shape[1]] = part
            img = crop
            source = np.zeros((S, S), np.uint8)
            source[:part.shape[0], :part.shape[1]] = kind == self.source_kind
            boxes = boxes.copy()
            boxes[:, [1, 3]] -= ox
            boxes[:, [2, 4]] -= oy
        boxes = _clip_boxes(boxes, S, S)
        if self.copy_paste > 0 and kind == "image":
            img, boxes = paste_ships(img, boxes, self.bank, self.paste_rng, self.scale, self.copy_paste,
                                     self.copy_paste_rows)
        if self.source_kind is None:
            img, boxes = _geometric(img, boxes, self.rng)
        else:
            img, boxes, source = _geometric(img, boxes, self.rng, source)
        if self.rng.random() < 0.5:
            img = _speckle(img, kind, self.rng)
        if self.rng.random() < 0.5:
            img = _gain(img, self.rng)
        return (img, boxes) if self.source_kind is None else (img, boxes, source)


def pad_to_stride(img: np.ndarray, stride: int = 32) -> np.ndarray:
    """Native-scale padding to a multiple of the largest stride, with zeros (as the runtime pads)."""
    h, w = img.shape[:2]
    H, W = -(-h // stride) * stride, -(-w // stride) * stride
    out = np.zeros((H, W, img.shape[2]), np.uint8)
    out[:h, :w] = img
    return out
