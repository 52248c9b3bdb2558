import { describe, expect, it } from 'vitest';
import { bootstrapAp50, evaluateDetections, pairedBootstrapAp50, type Box, type ScoredBox } from '../../dist/src/eval/coco-ap.js';

describe('COCO 101-point AP', () => {
  it('matches a hand computation', () => {
    const gts = [
      { x1: 0, y1: 0, x2: 10, y2: 10 },
      { x1: 20, y1: 20, x2: 30, y2: 30 },
    ];
    const dets = [
      { x1: 0, y1: 0, x2: 10, y2: 8.2, score: 0.9 }, // IoU 0.82 with gt 1
      { x1: 50, y1: 50, x2: 60, y2: 60, score: 0.8 }, // false positive
      { x1: 20, y1: 20, x2: 30, y2: 26.2, score: 0.7 }, // IoU 0.62 with gt 2
    ];
    const r = evaluateDetections([{ dets, gts }], 0.75);
    // IoU ≤ 0.6: tp, fp, tp → precision envelope 1 up to recall 0.5 (51 points), 2/3 after (50 points).
    const ap50 = (51 + 50 * (2 / 3)) / 101;
    // IoU 0.65–0.8: tp, fp, fp → 1 up to recall 0.5, then nothing.
    const apMid = 51 / 101;
    expect(r.ap50).toBeCloseTo(ap50, 12);
    expect(r.ap50_95).toBeCloseTo((3 * ap50 + 4 * apMid) / 10, 12);
    // At conf 0.75: d1 and d2 count → precision 1/2, recall 1/2.
    expect([r.precision, r.recall, r.f1]).toEqual([0.5, 0.5, 0.5]);
    expect([r.images, r.ships]).toEqual([1, 2]);
  });

  it('gives 0 with no detections and 1 with perfect ones', () => {
    const gts = [{ x1: 0, y1: 0, x2: 10, y2: 10 }];
    expect(evaluateDetections([{ dets: [], gts }], 0.25).ap50).toBe(0);
    expect(evaluateDetections([{ dets: [{ ...gts[0], score: 0.5 }], gts }], 0.25).ap50_95).toBe(1);
  });
});

/** n images of one ship each; the first `found` have a hit, the others a false alarm. */
function images(n: number, found: number): { dets: ScoredBox[]; gts: Box[] }[] {
  return Array.from({ length: n }, (_, i) => {
    const g = { x1: 10 * i, y1: 0, x2: 10 * i + 8, y2: 8 };
    const det = i < found ? { ...g, score: 0.5 + i / (4 * n) } : { x1: 500, y1: 500, x2: 508, y2: 508, score: 0.9 };
    return { dets: [det], gts: [g] };
  });
}

describe('bootstrap interval of AP50', () => {
  it('is a point where every resample scores the same', () => {
    const ci = bootstrapAp50(images(20, 20), 200);
    expect([ci.lo, ci.hi, ci.resamples]).toEqual([1, 1, 200]);
  });

  it('brackets the estimate, repeats for a seed, and narrows with more images', () => {
    const small = images(40, 30);
    const ap = evaluateDetections(small, 0.25).ap50;
    const a = bootstrapAp50(small, 500);
    expect(a.lo).toBeLessThan(ap);
    expect(a.hi).toBeGreaterThan(ap);
    expect(bootstrapAp50(small, 500)).toEqual(a);
    expect(bootstrapAp50(small, 500, 1)).not.toEqual(a);
    const big = bootstrapAp50(images(400, 300), 500);
    expect(big.hi - big.lo).toBeLessThan((a.hi - a.lo) / 2);
  });

  it('pairs two detectors on the same resamples', () => {
    const worse = images(60, 40);
    const better = images(60, 50);
    const d = pairedBootstrapAp50(better, worse, 500);
    const gap = evaluateDetections(better, 0.25).ap50 - evaluateDetections(worse, 0.25).ap50;
    expect(d.lo).toBeLessThan(gap);
    expect(d.hi).toBeGreaterThan(gap);
    expect(d.lo).toBeGreaterThan(0);
    expect(d.ahead).toBe(1);
    // Against itself the difference is exactly 0 on every resample.
    expect(pairedBootstrapAp50(worse, worse, 100)).toEqual({ lo: 0, hi: 0, resamples: 100, ahead: 0 });
    // Unpaired, each interval is wider than the paired one: the images' difficulty is shared.
    const a = bootstrapAp50(better, 500);
    expect(d.hi - d.lo).toBeLessThan(a.hi - a.lo);
    expect(() => pairedBootstrapAp50(better, worse.slice(1), 10)).toThrow(/same images/);
  });
});
