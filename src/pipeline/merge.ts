/**
 * Cross-tile merge. Tiles overlap, so one vessel can be seen by up to four tiles.
 * Two rules, applied as tiles arrive in raster order:
 *  1. Ownership: a detection is kept only by the tile whose core (the tile split
 *     at the middle of each overlap) holds its centre.
 *  2. Cut objects: a vessel longer than the overlap is cut by tile edges and
 *     each tile may report its own part inside its core; boxes from different
 *     tiles that overlap (IoU > 0.3, or the smaller mostly inside the larger)
 *     are merged into their union with the higher score and its class.
 * A detection can only meet detections of the tile rows next to it, so once
 * tile row r is in, everything from rows < r − 1… is final and is released
 * (streamed to the sinks), keeping memory bounded and nothing held back long.
 */
import type { TileDetection } from '../model/decode.js';
import { tileCore, type TilePlan, type TileRect } from '../tiling/plan.js';
import type { SceneBox } from './detection.js';

interface Pending {
  box: SceneBox;
  row: number;
}

function overlapScore(a: SceneBox, b: SceneBox): { iou: number; ios: number } {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return { iou: 0, ios: 0 };
  const inter = w * h;
  const aa = (a.x2 - a.x1) * (a.y2 - a.y1);
  const ab = (b.x2 - b.x1) * (b.y2 - b.y1);
  return { iou: inter / (aa + ab - inter), ios: inter / Math.min(aa, ab) };
}

export class TileMerger {
  private readonly plan: TilePlan;
  private pending: Pending[] = [];
  merged = 0;
  droppedNotOwned = 0;

  constructor(plan: TilePlan) {
    this.plan = plan;
  }

  add(rect: TileRect, dets: TileDetection[]): void {
    const core = tileCore(this.plan, rect);
    for (const d of dets) {
      const box: SceneBox = {
        x1: Math.max(0, d.x1 + rect.x0),
        y1: Math.max(0, d.y1 + rect.y0),
        x2: Math.min(this.plan.sceneWidth, d.x2 + rect.x0),
        y2: Math.min(this.plan.sceneHeight, d.y2 + rect.y0),
        score: d.score,
        cls: d.cls,
        tile: rect.id,
      };
      if (box.x2 <= box.x1 || box.y2 <= box.y1) continue; // entirely in the padding
      const cx = (box.x1 + box.x2) / 2;
      const cy = (box.y1 + box.y2) / 2;
      if (cx < core.x0 || cx >= core.x1 || cy < core.y0 || cy >= core.y1) {
        this.droppedNotOwned++;
        continue;
      }
      this.insert(box, rect.row);
    }
  }

  private insert(box: SceneBox, row: number): void {
    for (const p of this.pending) {
      if (p.box.tile === box.tile) continue; // within a tile, NMS already decided
      const { iou, ios } = overlapScore(p.box, box);
      if (iou > 0.3 || ios > 0.6) {
        const keep = p.box.score >= box.score ? p.box : box;
        p.box = {
          x1: Math.min(p.box.x1, box.x1),
          y1: Math.min(p.box.y1, box.y1),
          x2: Math.max(p.box.x2, box.x2),
          y2: Math.max(p.box.y2, box.y2),
          score: keep.score,
          cls: keep.cls,
          tile: keep.tile,
        };
        p.row = Math.max(p.row, row);
        this.merged++;
        return;
      }
    }
    this.pending.push({ box, row });
  }

  /** Detections that no tile of row `row` or later can still merge with. */
  releaseBefore(row: number): SceneBox[] {
    const done: Pending[] = [];
    const keep: Pending[] = [];
    for (const p of this.pending) (p.row < row - 1 ? done : keep).push(p);
    this.pending = keep;
    return done.map((p) => p.box);
  }

  releaseAll(): SceneBox[] {
    const done = this.pending.map((p) => p.box);
    this.pending = [];
    return done;
  }
}
