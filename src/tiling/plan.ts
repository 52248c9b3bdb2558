/**
 * Tile plan: fixed-size tiles at a stride of (tile − overlap), raster order,
 * edge tiles padded. Each scene point is *owned* by exactly one tile (its core,
 * split at the middle of each overlap), which is how duplicates across tile
 * overlaps are resolved (src/pipeline/merge.ts).
 */
import { SarwatchError } from '../errors.js';

export const DEFAULT_TILE = 800;
export const MIN_OVERLAP = 64;

export interface TilePlan {
  sceneWidth: number;
  sceneHeight: number;
  tileWidth: number;
  tileHeight: number;
  overlap: number;
  strideX: number;
  strideY: number;
  cols: number;
  rows: number;
  count: number;
}

export interface TileRect {
  id: number;
  row: number;
  col: number;
  x0: number;
  y0: number;
  /** Valid (inside-scene) width and height; the rest of the tile is padding. */
  w: number;
  h: number;
}

function countAlong(size: number, tile: number, stride: number): number {
  return size <= tile ? 1 : Math.ceil((size - tile) / stride) + 1;
}

export function planTiles(sceneWidth: number, sceneHeight: number, tileWidth: number, tileHeight: number, overlap: number): TilePlan {
  if (overlap < MIN_OVERLAP) {
    throw new SarwatchError('E_ARG_RANGE', `Expected an overlap of at least ${MIN_OVERLAP} px but received ${overlap}`, { param: 'overlap' });
  }
  if (overlap * 2 > Math.min(tileWidth, tileHeight)) {
    throw new SarwatchError('E_ARG_RANGE', `Expected an overlap of at most half the tile (${Math.min(tileWidth, tileHeight) / 2} px) but received ${overlap}`, {
      param: 'overlap',
    });
  }
  const strideX = tileWidth - overlap;
  const strideY = tileHeight - overlap;
  const cols = countAlong(sceneWidth, tileWidth, strideX);
  const rows = countAlong(sceneHeight, tileHeight, strideY);
  return { sceneWidth, sceneHeight, tileWidth, tileHeight, overlap, strideX, strideY, cols, rows, count: cols * rows };
}

export function tileRect(plan: TilePlan, row: number, col: number): TileRect {
  const x0 = col * plan.strideX;
  const y0 = row * plan.strideY;
  return {
    id: row * plan.cols + col,
    row,
    col,
    x0,
    y0,
    w: Math.min(plan.tileWidth, plan.sceneWidth - x0),
    h: Math.min(plan.tileHeight, plan.sceneHeight - y0),
  };
}

/** The tile's core [x0, x1) × [y0, y1): the scene points it owns. */
export function tileCore(plan: TilePlan, t: TileRect): { x0: number; y0: number; x1: number; y1: number } {
  const half = plan.overlap / 2;
  return {
    x0: t.col === 0 ? -Infinity : t.x0 + half,
    x1: t.col === plan.cols - 1 ? Infinity : t.x0 + plan.tileWidth - half,
    y0: t.row === 0 ? -Infinity : t.y0 + half,
    y1: t.row === plan.rows - 1 ? Infinity : t.y0 + plan.tileHeight - half,
  };
}
