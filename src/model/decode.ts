/**
 * YOLOv8 export-layout decoding on the host: `[4 + nc, N]` (boxes xywh in input
 * pixels, sigmoid class scores) → thresholded, class-aware NMS'd boxes.
 * The native engine does the same in C++ from the raw int8 head; both produce
 * `TileDetection`s.
 */

/** A detection in tile pixel coordinates. */
export interface TileDetection {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  cls: number;
}

export interface DecodeOptions {
  conf: number;
  iou: number;
  maxDet: number;
  /** xView3's is_fishing as a decision of its own (see `vesselKind`); absent: the best class. */
  fishing?: FishingSplit;
}

/**
 * Where a model has both a `vessel` and a `fishing` class: a detection whose best class is one of
 * them is `fishing` when fishing's score is at least `share` of the two scores' sum (model
 * metadata `sarwatch_fishing_share`, chosen on validation data). share 0.5 is nearly the argmax;
 * a model whose fishing scores run low gets a lower one. The C++ decode applies the same rule.
 */
export interface FishingSplit {
  vessel: number;
  fishing: number;
  share: number;
}

/** The native engines' trailing run() arguments for a split (none without one). */
export function fishingArgs(o: DecodeOptions): [] | [number, number, number] {
  return o.fishing ? [o.fishing.vessel, o.fishing.fishing, o.fishing.share] : [];
}

export function vesselKind(best: number, vesselScore: number, fishingScore: number, f: FishingSplit | undefined): number {
  if (!f || (best !== f.vessel && best !== f.fishing)) return best;
  return fishingScore >= f.share * (vesselScore + fishingScore) ? f.fishing : f.vessel;
}

export const DEFAULT_DECODE: DecodeOptions = { conf: 0.25, iou: 0.5, maxDet: 300 };

function iou(a: TileDetection, b: TileDetection): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/**
 * The class NMS groups a detection under. Under a fishing split, `vessel` and `fishing` are one
 * decision about one object (which kind of vessel), so they suppress each other: otherwise two
 * anchors on one hull that fall either side of the share would both survive as a duplicate.
 */
export function nmsGroup(cls: number, f: FishingSplit | undefined): number {
  return f && cls === f.fishing ? f.vessel : cls;
}

/** Greedy NMS within each class (vessel kinds together under a split); keeps at most `maxDet`, best first. */
export function nms(dets: TileDetection[], iouThr: number, maxDet: number, split?: FishingSplit): TileDetection[] {
  dets.sort((a, b) => b.score - a.score);
  const group = dets.map((d) => nmsGroup(d.cls, split));
  const keep: TileDetection[] = [];
  const dead = new Uint8Array(dets.length);
  for (let i = 0; i < dets.length && keep.length < maxDet; i++) {
    if (dead[i]) continue;
    const d = dets[i];
    keep.push(d);
    for (let j = i + 1; j < dets.length; j++) {
      if (!dead[j] && group[j] === group[i] && iou(d, dets[j]) > iouThr) dead[j] = 1;
    }
  }
  return keep;
}

/** Decode one image's `[4 + nc, N]` output (channel-major). Best class per anchor, as Ultralytics does. */
export function decodeExport(out: Float32Array, nc: number, n: number, opts: DecodeOptions): TileDetection[] {
  const best = new Float32Array(n);
  const label = new Uint16Array(n);
  best.set(out.subarray(4 * n, 5 * n));
  for (let c = 1; c < nc; c++) {
    const row = out.subarray((4 + c) * n, (5 + c) * n);
    for (let a = 0; a < n; a++) {
      if (row[a] > best[a]) {
        best[a] = row[a];
        label[a] = c;
      }
    }
  }
  const f = opts.fishing && opts.fishing.vessel < nc && opts.fishing.fishing < nc ? opts.fishing : undefined;
  const dets: TileDetection[] = [];
  for (let a = 0; a < n; a++) {
    if (best[a] < opts.conf) continue;
    const cx = out[a];
    const cy = out[n + a];
    const w = out[2 * n + a];
    const h = out[3 * n + a];
    const cls = f ? vesselKind(label[a], out[(4 + f.vessel) * n + a], out[(4 + f.fishing) * n + a], f) : label[a];
    dets.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score: best[a], cls });
  }
  return nms(dets, opts.iou, opts.maxDet, f);
}
