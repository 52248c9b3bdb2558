import { describe, expect, it } from 'vitest';
import { decodeArgs, decodeExport, nms, nmsGroup, vesselKind } from '../../dist/src/model/decode.js';

function output(nc: number, anchors: { cx: number; cy: number; w: number; h: number; scores: number[] }[]): Float32Array {
  const n = anchors.length;
  const out = new Float32Array((4 + nc) * n);
  anchors.forEach((a, i) => {
    out[i] = a.cx;
    out[n + i] = a.cy;
    out[2 * n + i] = a.w;
    out[3 * n + i] = a.h;
    a.scores.forEach((s, c) => (out[(4 + c) * n + i] = s));
  });
  return out;
}

describe('YOLOv8 export decode', () => {
  it('thresholds on the best class, converts xywh to corners and suppresses overlaps per class', () => {
    const out = output(2, [
      { cx: 100, cy: 100, w: 20, h: 10, scores: [0.9, 0.1] },
      { cx: 102, cy: 101, w: 20, h: 10, scores: [0.8, 0.1] }, // same object, same class: suppressed
      { cx: 101, cy: 100, w: 20, h: 10, scores: [0.1, 0.7] }, // same place, other class: kept
      { cx: 300, cy: 50, w: 8, h: 8, scores: [0.2, 0.24] }, // below 0.25
    ]);
    const d = decodeExport(out, 2, 4, { conf: 0.25, iou: 0.5, maxDet: 300 });
    expect(d).toHaveLength(2);
    expect(d[0]).toMatchObject({ x1: 90, y1: 95, x2: 110, y2: 105, cls: 0 });
    expect(d[0].score).toBeCloseTo(0.9, 6);
    expect(d[1].cls).toBe(1);
  });

  it('keeps at most maxDet boxes, best first', () => {
    const dets = Array.from({ length: 10 }, (_, i) => ({ x1: i * 100, y1: 0, x2: i * 100 + 10, y2: 10, score: i / 10, cls: 0 }));
    const k = nms(dets, 0.5, 3);
    expect(k.map((d) => d.score)).toEqual([0.9, 0.8, 0.7]);
  });
  it('splits vessels from fishing vessels at the given share of their two scores', () => {
    // classes: vessel, fishing, non_vessel
    const out = output(3, [
      { cx: 100, cy: 100, w: 20, h: 10, scores: [0.6, 0.3, 0.1] }, // fishing share 1/3
      { cx: 300, cy: 100, w: 20, h: 10, scores: [0.1, 0.2, 0.7] }, // a non-vessel stays one
    ]);
    const classes = (share?: number) =>
      decodeExport(out, 3, 2, { conf: 0.25, iou: 0.5, maxDet: 300, ...(share ? { fishing: { vessel: 0, fishing: 1, share } } : {}) }).map((d) => d.cls);
    expect(classes()).toEqual([2, 0]); // the best class (best score first)
    expect(classes(0.5)).toEqual([2, 0]);
    expect(classes(0.3)).toEqual([2, 1]);
    expect(classes(0.34)).toEqual([2, 0]);
    expect(vesselKind(1, 0.2, 0.1, { vessel: 0, fishing: 1, share: 0.5 })).toBe(0);
    expect(vesselKind(2, 0.2, 0.9, { vessel: 0, fishing: 1, share: 0.5 })).toBe(2);
  });

  it('suppresses across the two vessel kinds under a split, and per class otherwise', () => {
    // Two anchors on one hull either side of share 0.3, and a non-vessel on top of them.
    const out = output(3, [
      { cx: 100, cy: 100, w: 40, h: 20, scores: [0.88, 0.73, 0.01] }, // fishing share 0.45: fishing
      { cx: 102, cy: 100, w: 40, h: 20, scores: [0.86, 0.12, 0.01] }, // share 0.12: vessel
      { cx: 101, cy: 101, w: 40, h: 20, scores: [0.01, 0.01, 0.82] },
    ]);
    const split = { vessel: 0, fishing: 1, share: 0.3 };
    expect(decodeExport(out, 3, 3, { conf: 0.25, iou: 0.5, maxDet: 300, fishing: split }).map((d) => d.cls)).toEqual([1, 2]);
    expect(decodeExport(out, 3, 3, { conf: 0.25, iou: 0.5, maxDet: 300 }).map((d) => d.cls)).toEqual([0, 2]);
    expect(nmsGroup(1, split)).toBe(0);
    expect(nmsGroup(2, split)).toBe(2);
    expect(nmsGroup(1, undefined)).toBe(1);
  });

  it('calls a detection a vessel whenever the vessel kinds clear the threshold under vessel-first', () => {
    // classes: vessel, fishing, non_vessel
    const out = output(3, [
      { cx: 100, cy: 100, w: 20, h: 10, scores: [0.3, 0.1, 0.8] }, // vessel 0.3 >= 0.25: a vessel at 0.3
      { cx: 300, cy: 100, w: 20, h: 10, scores: [0.1, 0.2, 0.9] }, // vessel kinds below: a non-vessel
      { cx: 500, cy: 100, w: 20, h: 10, scores: [0.2, 0.4, 0.7] }, // fishing is the larger kind
      { cx: 302, cy: 101, w: 20, h: 10, scores: [0.26, 0.01, 0.3] }, // on the non-vessel: a vessel, ranked first
    ]);
    const first = { vessel: 0, fishing: 1 };
    const d = decodeExport(out, 3, 4, { conf: 0.25, iou: 0.5, maxDet: 300, vesselFirst: first });
    expect(d.map((x) => x.cls)).toEqual([1, 0, 0]);
    expect(d.map((x) => x.score)).toEqual([expect.closeTo(0.4, 6), expect.closeTo(0.3, 6), expect.closeTo(0.26, 6)]);
    // The same anchors under the best class: three non-vessels and the fourth suppressed by its class twin.
    expect(decodeExport(out, 3, 4, { conf: 0.25, iou: 0.5, maxDet: 300 }).map((x) => x.cls)).toEqual([2, 2, 2]);
    // With a fishing split the vessel kind follows the share, as without the rule.
    const split = { vessel: 0, fishing: 1, share: 0.5 };
    expect(decodeExport(out, 3, 4, { conf: 0.25, iou: 0.5, maxDet: 300, vesselFirst: first, fishing: split }).map((x) => x.cls)).toEqual([1, 0, 0]);
    // A model without fishing: only vessel counts as a vessel kind.
    expect(decodeExport(out, 3, 4, { conf: 0.25, iou: 0.5, maxDet: 300, vesselFirst: { vessel: 0, fishing: -1 } }).map((x) => x.cls)).toEqual([0, 0, 2]);
    // The native engines get the rule as run()'s last argument.
    expect(decodeArgs({ conf: 0.25, iou: 0.5, maxDet: 300, vesselFirst: first })).toEqual([0, 1, 0, true]);
    expect(decodeArgs({ conf: 0.25, iou: 0.5, maxDet: 300, fishing: split })).toEqual([0, 1, 0.5, false]);
    expect(decodeArgs({ conf: 0.25, iou: 0.5, maxDet: 300 })).toEqual([]);
  });
});
