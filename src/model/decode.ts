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
  /** The class rule `vessel-first` (see `VesselFirst`); absent: the best class decides. */
  vesselFirst?: VesselFirst;
}

/**
 * The class rule `vessel-first`: a detection is a vessel kind whenever the vessel kinds' own score
 * (the larger of `vessel`'s and `fishing`'s) clears the threshold, and is scored by it; another
 * class (`non_vessel`) only otherwise. All classes then share one NMS group, vessel kinds ranked
 * first, so one object gives one box. Meant for models whose synthetic `non_vessel` class takes
 * some real ships (models/sarwatch-yolov8-sar.md, item 6). `fishing` is -1 where the model has
 * none. The C++ decode applies the same rule.
 */
export interface VesselFirst {
  vessel: number;
  fishing: number;
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

/** The native engines' trailing run() arguments: vesselCls, fishingCls, fishingShare (0: none), vesselFirst. */
export function decodeArgs(o: DecodeOptions): [] | [number, number, number, boolean] {
  if (o.vesselFirst) return [o.vesselFirst.vessel, o.vesselFirst.fishing, o.fishing?.share ?? 0, true];
  return o.fishing ? [o.fishing.vessel, o.fishing.fishing, o.fishing.share, false] : [];
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
 * Under the vessel-first rule every class is one group: a box is one object, of one class.
 */
export function nmsGroup(cls: number, f: FishingSplit | undefined, first?: VesselFirst): number {
  if (first) return 0;
  return f && cls === f.fishing ? f.vessel : cls;
}

/**
 * Greedy NMS within each class (vessel kinds together under a split; all classes together, vessel
 * kinds first, under `first`); keeps at most `maxDet`, best first.
 */
export function nms(dets: TileDetection[], iouThr: number, maxDet: number, split?: FishingSplit, first?: VesselFirst): TileDetection[] {
  const isKind = (cls: number) => (first ? cls === first.vessel || (first.fishing >= 0 && cls === first.fishing) : false);
  dets.sort((a, b) => (isKind(a.cls) !== isKind(b.cls) ? (isKind(a.cls) ? -1 : 1) : b.score - a.score));
  const group = dets.map((d) => nmsGroup(d.cls, split, first));
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
  const v = opts.vesselFirst;
  const first = v && v.vessel >= 0 && v.vessel < nc && v.fishing < nc ? v : undefined;
  const dets: TileDetection[] = [];
  for (let a = 0; a < n; a++) {
    if (best[a] < opts.conf) continue;
    const cx = out[a];
    const cy = out[n + a];
    const w = out[2 * n + a];
    const h = out[3 * n + a];
    let cls = label[a];
    let score = best[a];
    if (first) {
      const kind = first.fishing >= 0 && out[(4 + first.fishing) * n + a] > out[(4 + first.vessel) * n + a] ? first.fishing : first.vessel;
      const kindScore = out[(4 + kind) * n + a];
      if (kindScore >= opts.conf) (cls = kind), (score = kindScore);
    }
    if (f) cls = vesselKind(cls, out[(4 + f.vessel) * n + a], out[(4 + f.fishing) * n + a], f);
    dets.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, cls });
  }
  return nms(dets, opts.iou, opts.maxDet, f, first);
}
