/**
 * COCO-style average precision: greedy matching by score at IoU 0.50:0.05:0.95,
 * precision envelope, 101 recall points. The same definition as
 * train/sarwatch_train/evaluate.py, so training and runtime figures agree.
 */
import { Rng } from '../synth/rng.js';

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface ScoredBox extends Box {
  score: number;
}

/** Per image of a dataset: the detections and the labelled boxes. */
export type ImageDetections = { dets: ScoredBox[]; gts: Box[] }[];

export const IOU_THRESHOLDS = Array.from({ length: 10 }, (_, i) => 0.5 + 0.05 * i);

export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter + 1e-9);
}

interface ImageMatches {
  scores: number[];
  /** tp[d][t]: detection d (score order) is a true positive at threshold t. */
  tp: boolean[][];
}

export function matchImage(dets: ScoredBox[], gts: Box[]): ImageMatches {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const ious = sorted.map((d) => gts.map((g) => boxIou(d, g)));
  const tp = sorted.map(() => IOU_THRESHOLDS.map(() => false));
  IOU_THRESHOLDS.forEach((thr, t) => {
    const taken = new Array(gts.length).fill(false);
    sorted.forEach((_, d) => {
      let best = -1;
      let bestIou = -1;
      for (let g = 0; g < gts.length; g++) {
        if (!taken[g] && ious[d][g] > bestIou) {
          bestIou = ious[d][g];
          best = g;
        }
      }
      if (best >= 0 && bestIou >= thr) {
        taken[best] = true;
        tp[d][t] = true;
      }
    });
  });
  return { scores: sorted.map((d) => d.score), tp };
}

export function averagePrecision(scores: number[], tp: boolean[][], nGt: number): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return IOU_THRESHOLDS.map((_, t) => interpolatedAp(order.map((i) => tp[i][t]), nGt));
}

/** 101-point interpolated AP of hits already in score order (highest first). */
function interpolatedAp(hits: boolean[], nGt: number): number {
  if (nGt === 0) return 0;
  const precision: number[] = [];
  const recall: number[] = [];
  let ctp = 0;
  let cfp = 0;
  for (const hit of hits) {
    if (hit) ctp++;
    else cfp++;
    recall.push(ctp / nGt);
    precision.push(ctp / Math.max(ctp + cfp, 1e-9));
  }
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i], precision[i + 1]);
  let sum = 0;
  for (let k = 0; k <= 100; k++) {
    const r = k / 100;
    let lo = 0;
    let hi = recall.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (recall[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    sum += lo < precision.length ? precision[lo] : 0;
  }
  return sum / 101;
}

export interface ApResult {
  images: number;
  ships: number;
  ap50: number;
  ap50_95: number;
  precision: number;
  recall: number;
  f1: number;
  conf: number;
}

/** AP over a dataset, plus precision/recall/F1 at IoU 0.5 for detections scoring ≥ conf. */
export function evaluateDetections(images: ImageDetections, conf: number): ApResult {
  const scores: number[] = [];
  const tps: boolean[][] = [];
  let nGt = 0;
  let tp50 = 0;
  let fp50 = 0;
  for (const im of images) {
    const m = matchImage(im.dets, im.gts);
    nGt += im.gts.length;
    m.scores.forEach((s, d) => {
      scores.push(s);
      tps.push(m.tp[d]);
      if (s >= conf) m.tp[d][0] ? tp50++ : fp50++;
    });
  }
  const aps = averagePrecision(scores, tps, nGt);
  const precision = tp50 / Math.max(tp50 + fp50, 1);
  const recall = tp50 / Math.max(nGt, 1);
  return {
    images: images.length,
    ships: nGt,
    ap50: aps[0],
    ap50_95: aps.reduce((a, b) => a + b, 0) / aps.length,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    conf,
  };
}

export interface Interval {
  lo: number;
  hi: number;
  /** Bootstrap resamples behind it. */
  resamples: number;
}

/**
 * 95 % bootstrap interval of AP50: whole images drawn with replacement (seeded,
 * so a run repeats), AP50 of each resample, the 2.5th and 97.5th percentiles.
 * A test split of a few hundred images gives AP50 to a few hundredths at best;
 * this says how many (train/sarwatch_train/compare.py does the same in training).
 */
export function bootstrapAp50(images: ImageDetections, resamples: number, seed = 0): Interval {
  return interval(resampledAp50([images], resamples, seed)[0], resamples);
}

export interface PairedInterval extends Interval {
  /** Share of resamples in which the first set is ahead. */
  ahead: number;
}

/**
 * Paired bootstrap of the AP50 difference between two sets of detections on the
 * same images (first minus second): both are scored on the same resamples, so
 * what the two share (the images' difficulty) cancels out of the interval.
 */
export function pairedBootstrapAp50(a: ImageDetections, b: ImageDetections, resamples: number, seed = 0): PairedInterval {
  if (a.length !== b.length) throw new Error(`paired bootstrap needs the same images (${a.length} and ${b.length})`);
  const [va, vb] = resampledAp50([a, b], resamples, seed);
  const diff = va.map((v, i) => v - vb[i]);
  return { ...interval(diff, resamples), ahead: diff.filter((d) => d > 0).length / resamples };
}

/** AP50 of every resample for each set of detections, all sets drawn the same way. */
function resampledAp50(sets: ImageDetections[], resamples: number, seed: number): number[][] {
  const n = sets[0].length;
  // Every detection once, in score order, with its image: a resample then weights each
  // detection by how often its image was drawn, with no sorting per resample.
  const ranked = sets.map((images) => {
    const all: { score: number; hit: boolean; image: number }[] = [];
    images.forEach((im, image) => {
      const m = matchImage(im.dets, im.gts);
      m.scores.forEach((score, d) => all.push({ score, hit: m.tp[d][0], image }));
    });
    return all.sort((x, y) => y.score - x.score);
  });
  const rng = new Rng(seed);
  const values = sets.map(() => [] as number[]);
  const drawn = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    drawn.fill(0);
    let nGt = 0;
    for (let k = 0; k < n; k++) {
      const i = rng.int(0, n);
      drawn[i]++;
      nGt += sets[0][i].gts.length;
    }
    ranked.forEach((all, s) => {
      const hits: boolean[] = [];
      for (const d of all) for (let c = drawn[d.image]; c > 0; c--) hits.push(d.hit);
      values[s].push(interpolatedAp(hits, nGt));
    });
  }
  return values;
}

function interval(values: number[], resamples: number): Interval {
  const sorted = [...values].sort((x, y) => x - y);
  return { lo: percentile(sorted, 2.5), hi: percentile(sorted, 97.5), resamples };
}

/** Percentile of sorted values, interpolating linearly between ranks (numpy's default). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}
