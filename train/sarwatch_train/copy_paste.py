"""Copy-paste of SSDD ships onto the sea of other training images (opt-in, `--copy-paste P`).

SSDD's hardest images are harbours: ships moored against bright quays (inshore test AP50 0.69
against 0.96 offshore; models/sarwatch-yolov8-sar.md). Copy-paste is the usual remedy in
detection: show the network more ships, in more places, by pasting labelled instances from
the training images onto others. Here:

- the bank holds every training ship of the SSDD pictures ("image" kind) with a margin of sea
  around it, at native scale (`ShipBank`); validation and test images never enter it;
- a pasted ship is resized by the augmenter's scale jitter and lands only where the canvas is
  sea-like: no padding, the region no brighter than the patch's own surroundings (1.5 times
  their level plus 10, so the ship stands out as it did where it was found), and clear of
  every labelled box;
- half of the pastes go where the sea meets something bright (the candidate whose surroundings
  are brightest), so that ships appear against quays and coasts as in harbours;
- only the ship is pasted, not its rectangle: a soft mask of the patch's pixels above its own
  sea level blends it in (`max` of ship and destination inside the mask), so the destination's
  speckle stays and no seam marks the paste;
- with `rows` > 0 (`--copy-paste-rows`), that share of the pastes is a row of 2-4 copies of the
  ship side by side across its hull, a gap of 0.2-1 beam apart, as ships moor in harbours: on
  k-fold fold 0's held-out third, ships with another ship within one beam are 71 of 681 and
  stage 1 finds under half of them (0.47), against 0.96 of the others (train/README.md).

Its own generator draws every choice, so the augmenter's stream (mosaic, crops, flips, speckle)
is the same with and without copy-paste: a run with it differs from one without only by the
pasted ships; and `rows` = 0 draws exactly what the plain copy-paste draws.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# Sea kept around each ship in the bank: a quarter of its larger side, at least 4 px.
MARGIN_SHARE, MARGIN_MIN = 0.25, 4
# Ships smaller than this (either side, px) are not banked: too little of them to paste.
MIN_SIDE = 3
# Candidate places tried per paste; and the largest number of ships pasted into one sample.
TRIES, MAX_PASTES = 12, 3
# The most ships in one row of `--copy-paste-rows` (ships moored side by side).
ROW_MAX = 4


@dataclass
class Patch:
    pixels: np.ndarray     # h x w uint8, one band (SSDD stores its one band as both channels)
    box: np.ndarray        # x1, y1, x2, y2 of the ship within the patch
    cls: float             # its training class (vessel, or data.SHIP under --ssdd-superclass)
    sea: float             # median of the patch's border: its sea level
    spread: float          # spread of the border (MAD * 1.48), for the blending mask


class ShipBank:
    """Every ship of the 8-bit pictures among `samples`, with sea around it."""

    def __init__(self, samples):
        self.patches: list[Patch] = []
        for smp in samples:
            if smp.kind != "image":
                continue
            img = smp.image[:, :, 0]
            h, w = img.shape
            for cls, x1, y1, x2, y2 in smp.boxes:
                bw, bh = x2 - x1, y2 - y1
                if min(bw, bh) < MIN_SIDE:
                    continue
                m = max(MARGIN_MIN, MARGIN_SHARE * max(bw, bh))
                px1, py1 = int(max(0, np.floor(x1 - m))), int(max(0, np.floor(y1 - m)))
                px2, py2 = int(min(w, np.ceil(x2 + m))), int(min(h, np.ceil(y2 + m)))
                pix = img[py1:py2, px1:px2]
                border = np.concatenate([pix[0], pix[-1], pix[:, 0], pix[:, -1]]).astype(np.float32)
                sea = float(np.median(border))
                spread = float(1.48 * np.median(np.abs(border - sea)))
                box = np.array([x1 - px1, y1 - py1, x2 - px1, y2 - py1], np.float32)
                self.patches.append(Patch(np.ascontiguousarray(pix), box, float(cls), sea, spread))

    def __len__(self) -> int:
        return len(self.patches)


def _scaled(p: Patch, scale: float) -> tuple[np.ndarray, np.ndarray]:
    h, w = p.pixels.shape
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    pix = np.asarray(Image.fromarray(p.pixels).resize((nw, nh), Image.BILINEAR), np.uint8)
    return pix, p.box * np.array([nw / w, nh / h, nw / w, nh / h], np.float32)


def _clear(boxes: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """True when the rectangle (x, y, w, h) touches none of `boxes` (x1, y1, x2, y2 columns 1..4)."""
    if len(boxes) == 0:
        return True
    return bool(np.all((boxes[:, 3] <= x) | (boxes[:, 1] >= x + w) | (boxes[:, 4] <= y) | (boxes[:, 2] >= y + h)))


def row_offsets(pix: np.ndarray, box: np.ndarray, p: Patch, rng: np.random.Generator) -> np.ndarray:
    """Offsets (dx, dy), px, of 2..ROW_MAX copies of the ship in `pix` moored side by side:
    each one a beam plus a gap of 0.2-1 beam from the last, across the hull. The hull's axis
    and beam come from the second moments of its bright pixels (a bar w pixels wide has
    variance (w^2 - 1) / 12 across it). One ship (a single zero offset) when too few pixels
    stand out."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    ship = pix[max(0, y1):y2, max(0, x1):x2].astype(np.float32)
    ys, xs = np.nonzero(ship > p.sea + 3 * p.spread)
    if len(xs) < 3:
        return np.zeros((1, 2), int)
    evals, evecs = np.linalg.eigh(np.cov(np.stack([xs, ys]).astype(np.float64)))
    across = evecs[:, 0]  # eigenvector of the smaller variance: across the hull
    beam = max(2.0, float(np.sqrt(12 * max(evals[0], 0.0) + 1)))
    step = beam * (1 + rng.uniform(0.2, 1.0))
    n = int(rng.integers(2, ROW_MAX + 1))
    return np.rint(np.outer(np.arange(n), across * step)).astype(int)


def paste_ships(img: np.ndarray, boxes: np.ndarray, bank: ShipBank, rng: np.random.Generator,
                scale: tuple[float, float], prob: float, rows: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """With probability `prob`, paste 1..MAX_PASTES ships of `bank` onto sea-like places of
    `img` (S x S x 2 uint8) and add their boxes, of the banked ships' classes; a share `rows`
    of the pastes is a row of copies moored side by side (`row_offsets`). Returns the image
    and boxes (new arrays when anything was pasted). An image whose two channels differ (a
    Sentinel-1 chip, in part or whole) is left alone: the bank holds one-band pictures."""
    if len(bank) == 0 or rng.random() >= prob or not np.array_equal(img[:, :, 0], img[:, :, 1]):
        return img, boxes
    S0, S1 = img.shape[:2]
    out = img[:, :, 0].astype(np.float32)
    new_boxes = [boxes]
    for _ in range(int(rng.integers(1, MAX_PASTES + 1))):
        p = bank.patches[int(rng.integers(0, len(bank)))]
        pix, pbox = _scaled(p, rng.uniform(*scale))
        ph, pw = pix.shape
        offsets = np.zeros((1, 2), int)  # where each ship of the group lies in it (one ship, or a row)
        if rows > 0 and rng.random() < rows:
            offsets = row_offsets(pix, pbox, p, rng)
        h, w = ph + int(np.ptp(offsets[:, 1])), pw + int(np.ptp(offsets[:, 0]))
        offsets -= offsets.min(0)
        if h >= S0 or w >= S1:
            continue
        near_coast = rng.random() < 0.5
        best, best_score = None, -1.0
        taken = np.concatenate(new_boxes)  # the labels a place must keep clear of
        for _ in range(TRIES):
            x, y = int(rng.integers(0, S1 - w + 1)), int(rng.integers(0, S0 - h + 1))
            region = out[y:y + h, x:x + w]
            if (region == 0).mean() > 0.01 or region.mean() > p.sea * 1.5 + 10:
                continue
            if not _clear(taken, x, y, w, h):
                continue
            if not near_coast:
                best = (x, y)
                break
            # Brightness of the surroundings (the patch's size again on every side).
            sy0, sy1, sx0, sx1 = max(0, y - h), min(S0, y + 2 * h), max(0, x - w), min(S1, x + 2 * w)
            score = float(out[sy0:sy1, sx0:sx1].mean())
            if score > best_score:
                best, best_score = (x, y), score
        if best is None:
            continue
        f = pix.astype(np.float32)
        # Soft mask of the ship: 0 at the patch's sea level, 1 three spreads above it.
        mask = np.clip((f - p.sea) / (3 * p.spread + 1.0), 0.0, 1.0)
        for dx, dy in offsets:
            x, y = best[0] + int(dx), best[1] + int(dy)
            region = out[y:y + ph, x:x + pw]
            out[y:y + ph, x:x + pw] = region * (1 - mask) + np.maximum(region, f) * mask
            new_boxes.append(np.array([[p.cls, pbox[0] + x, pbox[1] + y, pbox[2] + x, pbox[3] + y]], np.float32))
    if len(new_boxes) == 1:
        return img, boxes
    pasted = np.repeat(out.round().clip(0, 255).astype(np.uint8)[:, :, None], 2, axis=2)
    return pasted, np.concatenate(new_boxes).astype(np.float32)
