/**
 * The xView3 metric (xview3-reference `metric.py`), over any number of scenes.
 *
 * - Detection: predictions and HIGH/MEDIUM ground truth are matched one-to-one
 *   within 20 px (200 m at 10 m) by Hungarian matching, out-of-tolerance pairs
 *   made prohibitively costly; predictions matched to LOW-confidence labels are
 *   dropped, unmatched LOW labels do not count. F1_D from the summed tp/fp/fn.
 * - Close to shore: the same on labels ≤ 2 km from shore and predictions within
 *   2.2 km of a shoreline contour (or with a `distance_from_shore_km` column).
 * - Vessel / fishing: F1 of `is_vessel` (and, over true vessels, `is_fishing`)
 *   on matched pairs whose label is known.
 * - Length: 1 − min(mean |pred − true| / true, 1) over matched pairs with a
 *   true length, both capped at 500 m; a missing predicted length counts as 100 % error.
 * - Aggregate = F1_D × (1 + length_acc + F1_V + F1_F + F1_S) / 5.
 *
 * Two deliberate differences from the reference, both stricter: labelled scenes
 * with no prediction count their labels as misses (the reference skips such
 * scenes), and close-to-shore labels without close-to-shore predictions count
 * as misses (the reference skips the scene).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { SarwatchError } from '../errors.js';
import { matchPoints, type Point } from './hungarian.js';

export interface PredRow extends Point {
  sceneId: string;
  isVessel: boolean | null;
  isFishing: boolean | null;
  lengthM: number | null;
  distanceFromShoreKm: number | null;
}

/** A label row: a prediction row's fields plus the label's confidence. */
export interface LabelRow extends PredRow {
  confidence: 'HIGH' | 'MEDIUM' | 'LOW';
}

export interface ScoreOptions {
  /** Matching distance in px (20 px = 200 m at 10 m). */
  distancePx: number;
  shoreKm: number;
  pixelM: number;
  /** Shoreline contour points per scene, in scene px. */
  shorelines?: Map<string, Point[]>;
}

export const DEFAULT_SCORE: ScoreOptions = { distancePx: 20, shoreKm: 2, pixelM: 10 };
export const MAX_OBJECT_LENGTH_M = 500;

export interface Xview3Score {
  f1_detection: number;
  f1_close_to_shore: number;
  f1_vessel: number;
  f1_fishing: number;
  length_accuracy: number;
  aggregate: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  shore: { tp: number; fp: number; fn: number; source: 'shoreline' | 'predictions' | 'unavailable' };
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export function prf(c: Counts): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

function groupBy<T extends { sceneId: string }>(rows: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) (m.get(r.sceneId) ?? m.set(r.sceneId, []).get(r.sceneId)!).push(r);
  return m;
}

/** Match one scene; predictions matched to LOW labels are removed, not counted. */
function matchScene(preds: PredRow[], labels: LabelRow[], tol: number) {
  const pairs = matchPoints(preds, labels, tol);
  const matchedP = new Set<number>();
  const matchedG = new Set<number>();
  const good: [PredRow, LabelRow][] = [];
  for (const [pi, gi] of pairs) {
    matchedP.add(pi);
    matchedG.add(gi);
    if (labels[gi].confidence !== 'LOW') good.push([preds[pi], labels[gi]]);
  }
  const fp = preds.length - matchedP.size;
  const fn = labels.filter((l, i) => !matchedG.has(i) && l.confidence !== 'LOW').length;
  return { pairs: good, counts: { tp: good.length, fp, fn } };
}

function binaryCounts(pairs: [boolean | null, boolean | null][]): Counts {
  const c = { tp: 0, fp: 0, fn: 0 };
  for (const [pred, truth] of pairs) {
    if (truth === null) continue;
    if (truth && pred) c.tp++;
    else if (truth && !pred) c.fn++;
    else if (!truth && pred) c.fp++;
  }
  return c;
}

export function scoreXview3(preds: PredRow[], labels: LabelRow[], opts: Partial<ScoreOptions> = {}): Xview3Score {
  const o = { ...DEFAULT_SCORE, ...opts };
  const byScenePred = groupBy(preds);
  const bySceneGt = groupBy(labels);
  const scenes = new Set([...bySceneGt.keys(), ...byScenePred.keys()]);
  const total: Counts = { tp: 0, fp: 0, fn: 0 };
  const shore: Counts = { tp: 0, fp: 0, fn: 0 };
  const pairs: [PredRow, LabelRow][] = [];
  const shoreSource = o.shorelines && o.shorelines.size ? 'shoreline' : preds.some((p) => p.distanceFromShoreKm !== null) ? 'predictions' : 'unavailable';
  const nearShoreKm = o.shoreKm + (o.distancePx * o.pixelM) / 1000;
  for (const s of scenes) {
    const p = byScenePred.get(s) ?? [];
    const g = bySceneGt.get(s) ?? [];
    const r = matchScene(p, g, o.distancePx);
    total.tp += r.counts.tp;
    total.fp += r.counts.fp;
    total.fn += r.counts.fn;
    pairs.push(...r.pairs);
    if (shoreSource === 'unavailable') continue;
    const contour = o.shorelines?.get(s);
    const predShoreKm = (q: PredRow) => {
      if (contour) {
        if (!contour.length) return Infinity;
        let best = Infinity;
        for (const c of contour) best = Math.min(best, Math.hypot(c.row - q.row, c.col - q.col));
        return (best * o.pixelM) / 1000;
      }
      return q.distanceFromShoreKm ?? Infinity;
    };
    const ps = p.filter((q) => predShoreKm(q) <= nearShoreKm);
    const gs = g.filter((l) => l.distanceFromShoreKm !== null && l.distanceFromShoreKm <= o.shoreKm);
    const rs = matchScene(ps, gs, o.distancePx);
    shore.tp += rs.counts.tp;
    shore.fp += rs.counts.fp;
    shore.fn += rs.counts.fn;
  }
  const det = prf(total);
  const f1Shore = prf(shore).f1;
  const f1Vessel = prf(binaryCounts(pairs.map(([p, l]) => [p.isVessel, l.isVessel]))).f1;
  const f1Fishing = prf(binaryCounts(pairs.filter(([, l]) => l.isVessel === true).map(([p, l]) => [p.isFishing, l.isFishing]))).f1;
  let err = 0;
  let n = 0;
  for (const [p, l] of pairs) {
    if (l.lengthM === null) continue;
    const truth = Math.min(l.lengthM, MAX_OBJECT_LENGTH_M);
    err += p.lengthM === null ? 1 : Math.abs(Math.min(p.lengthM, MAX_OBJECT_LENGTH_M) - truth) / truth;
    n++;
  }
  const lengthAcc = n ? 1 - Math.min(err / n, 1) : 0;
  return {
    f1_detection: det.f1,
    f1_close_to_shore: f1Shore,
    f1_vessel: f1Vessel,
    f1_fishing: f1Fishing,
    length_accuracy: lengthAcc,
    aggregate: (det.f1 * (1 + lengthAcc + f1Vessel + f1Fishing + f1Shore)) / 5,
    tp: total.tp,
    fp: total.fp,
    fn: total.fn,
    precision: det.precision,
    recall: det.recall,
    shore: { ...shore, source: shoreSource },
  };
}

// ------------------------------------------------------------------ CSV input

function readCsv(file: string, required: string[]): Record<string, string>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new SarwatchError('E_LABELS', 'no such file', { file });
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new SarwatchError('E_LABELS', `not a valid CSV (${(e as Error).message})`, { file, cause: e });
  }
  const header = text.split(/\r?\n/, 1)[0].split(',').map((h) => h.trim());
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) throw new SarwatchError('E_LABELS', `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, { file });
  return rows;
}

function bool(v: string | undefined): boolean | null {
  if (v === undefined) return null;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return null;
}

function num(v: string | undefined): number | null {
  if (v === undefined || v.trim() === '' || v.trim().toLowerCase() === 'nan') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function point(r: Record<string, string>, file: string, line: number): Point {
  const row = num(r.detect_scene_row);
  const col = num(r.detect_scene_column);
  if (row === null || col === null) throw new SarwatchError('E_LABELS', `row ${line}: detect_scene_row/column must be numbers`, { file });
  return { row, col };
}

/** The columns predictions and labels share; `line` is the CSV line (header = 1). */
function predRow(r: Record<string, string>, file: string, line: number): PredRow {
  return {
    ...point(r, file, line),
    sceneId: r.scene_id,
    isVessel: bool(r.is_vessel),
    isFishing: bool(r.is_fishing),
    lengthM: num(r.vessel_length_m),
    distanceFromShoreKm: num(r.distance_from_shore_km),
  };
}

export function readPredictions(file: string): PredRow[] {
  return readCsv(file, ['detect_scene_row', 'detect_scene_column', 'scene_id']).map((r, i) => predRow(r, file, i + 2));
}

export function readLabels(file: string): LabelRow[] {
  return readCsv(file, ['detect_scene_row', 'detect_scene_column', 'scene_id']).map((r, i) => {
    const c = (r.confidence ?? 'HIGH').trim().toUpperCase();
    return { ...predRow(r, file, i + 2), confidence: c === 'LOW' || c === 'MEDIUM' ? c : 'HIGH' };
  });
}

/** shoreline.csv: scene_id,row,col contour points (written by `sarwatch synth`). */
export function readShorelines(file: string): Map<string, Point[]> {
  const m = new Map<string, Point[]>();
  for (const r of readCsv(file, ['scene_id', 'row', 'col'])) {
    const p = { row: Number(r.row), col: Number(r.col) };
    (m.get(r.scene_id) ?? m.set(r.scene_id, []).get(r.scene_id)!).push(p);
  }
  return m;
}
