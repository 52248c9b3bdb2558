/** The xView3 metric on hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { scoreXview3, type LabelRow, type PredRow } from '../../dist/src/eval/xview3-score.js';

const P = (row: number, col: number, o: Partial<PredRow> = {}): PredRow => ({
  sceneId: 's', row, col, isVessel: true, isFishing: false, lengthM: null, distanceFromShoreKm: null, ...o,
});
const G = (row: number, col: number, o: Partial<LabelRow> = {}): LabelRow => ({
  sceneId: 's', row, col, isVessel: true, isFishing: false, lengthM: null, distanceFromShoreKm: 50, confidence: 'HIGH', ...o,
});

describe('xView3 score', () => {
  it('counts matches within 20 px only', () => {
    const s = scoreXview3([P(100, 105), P(200, 230), P(500, 500)], [G(100, 100), G(200, 200), G(300, 300)]);
    expect([s.tp, s.fp, s.fn]).toEqual([1, 2, 2]);
    expect(s.f1_detection).toBeCloseTo(1 / 3, 12);
  });

  it('breaks ties one-to-one: two predictions equidistant from one label, one label per prediction', () => {
    const a = scoreXview3([P(100, 110), P(100, 90)], [G(100, 100)]);
    expect([a.tp, a.fp, a.fn]).toEqual([1, 1, 0]);
    const b = scoreXview3([P(100, 100)], [G(100, 110), G(100, 90)]);
    expect([b.tp, b.fp, b.fn]).toEqual([1, 0, 1]);
  });

  it('finds the assignment with most matches where nearest-first would not (Hungarian)', () => {
    // P1 is 12 px from A and 18 from B; P2 is 5 from A and 35 from B. Nearest-first for P1 takes A and
    // leaves P2 unmatched; the optimal assignment is P2–A, P1–B.
    const s = scoreXview3([P(12, 0), P(-5, 0)], [G(0, 0), G(30, 0)]);
    expect([s.tp, s.fp, s.fn]).toEqual([2, 0, 0]);
  });

  it('scores empty predictions as all misses and empty truth as all false alarms', () => {
    const none = scoreXview3([], [G(1, 1), G(100, 100), G(300, 300)]);
    expect(none).toMatchObject({ tp: 0, fp: 0, fn: 3, f1_detection: 0, aggregate: 0 });
    const noTruth = scoreXview3([P(1, 1), P(50, 50)], []);
    expect(noTruth).toMatchObject({ tp: 0, fp: 2, fn: 0, f1_detection: 0, aggregate: 0 });
  });

  it('ignores LOW-confidence labels, matched or not', () => {
    const s = scoreXview3([P(100, 100), P(500, 500)], [G(100, 102, { confidence: 'LOW' }), G(300, 300, { confidence: 'LOW' }), G(500, 501)]);
    expect([s.tp, s.fp, s.fn]).toEqual([1, 0, 0]);
  });

  it('computes vessel, fishing, length and close-to-shore scores and the aggregate', () => {
    const preds = [
      P(100, 100, { isFishing: true, lengthM: 60, distanceFromShoreKm: 1.0 }),
      P(300, 300, { isFishing: true, lengthM: 100, distanceFromShoreKm: 5 }),
      P(600, 600, { isVessel: true, distanceFromShoreKm: 0.4 }),
    ];
    const labels = [
      G(100, 101, { isFishing: true, lengthM: 50, distanceFromShoreKm: 1 }),
      G(300, 301, { isFishing: false, lengthM: 100, distanceFromShoreKm: 5 }),
      G(600, 601, { isVessel: false, isFishing: null, lengthM: null, distanceFromShoreKm: 0.5 }),
    ];
    const s = scoreXview3(preds, labels);
    expect(s.f1_detection).toBe(1);
    expect(s.f1_vessel).toBeCloseTo(0.8, 12); // tp 2, fp 1
    expect(s.f1_fishing).toBeCloseTo(2 / 3, 12); // over true vessels: tp 1, fp 1
    expect(s.length_accuracy).toBeCloseTo(0.9, 12); // errors 0.2 and 0
    expect(s.f1_close_to_shore).toBe(1);
    expect(s.shore.source).toBe('predictions');
    expect(s.aggregate).toBeCloseTo((1 + 0.9 + 0.8 + 2 / 3 + 1) / 5, 12);
  });

  it('caps lengths at 500 m and counts a missing predicted length as 100 % error', () => {
    const a = scoreXview3([P(0, 0, { lengthM: 800 })], [G(0, 0, { lengthM: 600 })]);
    expect(a.length_accuracy).toBe(1);
    const b = scoreXview3([P(0, 0), P(100, 100, { lengthM: 100 })], [G(0, 0, { lengthM: 50 }), G(100, 100, { lengthM: 100 })]);
    expect(b.length_accuracy).toBeCloseTo(0.5, 12);
  });

  it('uses shoreline contours for predictions when given', () => {
    const shorelines = new Map([['s', [{ row: 0, col: 0 }]]]);
    // 150 px = 1.5 km from the contour: close. 400 px = 4 km: not.
    const s = scoreXview3([P(150, 0), P(400, 0)], [G(150, 2, { distanceFromShoreKm: 1.5 }), G(400, 0, { distanceFromShoreKm: 4 })], { shorelines });
    expect(s.shore).toEqual({ tp: 1, fp: 0, fn: 0, source: 'shoreline' });
  });
});
