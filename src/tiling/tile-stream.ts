/**
 * Streams a scene as model-ready tiles with bounded memory.
 *
 * It keeps one tile-height band of normalised rows per channel (plus a NODATA
 * mask) and slides it down by the tile stride: each scene row is read and
 * normalised once, and memory is `channels × tileHeight × sceneWidth` bytes
 * whatever the scene's height. Tiles are planar u8 `[C][H][W]`, padded with 0
 * beyond the scene edge; tiles with no valid pixel are skipped and counted.
 */
import type { InputSpec } from '../model/model-info.js';
import { native } from '../native.js';
import type { Scene } from '../scene/types.js';
import { channelSources, normaliseRows, normaliseSegment, type ChannelSource } from './normalise.js';
import { tileRect, type TilePlan, type TileRect } from './plan.js';

export interface Tile extends TileRect {
  /** Planar u8 [C][tileHeight][tileWidth]. */
  data: Uint8Array;
  /** Fraction of the tile's in-scene pixels that are NODATA. */
  nodataFraction: number;
  /** Milliseconds spent reading and normalising this tile's share of rows. */
  readMs: number;
  normaliseMs: number;
}

export interface TileStreamStats {
  tiles: number;
  skipped: number;
  /** Milliseconds reading the scene's samples. */
  readMs: number;
  /** Milliseconds normalising them into the row buffer. */
  normaliseMs: number;
  /** Milliseconds cutting tiles out of the row buffer (skipped tiles included). */
  cutMs: number;
}

export interface TileStreamOptions {
  /** Called with each tile row's normalised channel 0 before it is tiled (quicklook). */
  onRows?: (y0: number, y1: number, plane: Uint8Array, mask: Uint8Array) => void;
  dnCalibrationDb?: number;
}

export class TileStream {
  readonly plan: TilePlan;
  readonly stats: TileStreamStats = { tiles: 0, skipped: 0, readMs: 0, normaliseMs: 0, cutMs: 0 };
  private readonly scene: Scene;
  private readonly sources: ChannelSource[];
  private readonly planes: Uint8Array[];
  private readonly mask: Uint8Array;
  private readonly opts: TileStreamOptions;
  /** Scene rows currently held: [bufY0, bufY1). */
  private bufY0 = 0;
  private bufY1 = 0;

  constructor(scene: Scene, plan: TilePlan, spec: InputSpec, opts: TileStreamOptions = {}) {
    this.scene = scene;
    this.plan = plan;
    this.opts = opts;
    this.sources = channelSources(scene.info, spec);
    const n = plan.tileHeight * scene.info.width;
    this.planes = this.sources.map(() => new Uint8Array(n));
    this.mask = new Uint8Array(n);
  }

  get channels(): number {
    return this.sources.length;
  }

  /** Tiles in raster order; NODATA-only tiles are counted in `stats.skipped`, not yielded. */
  async *tiles(): AsyncGenerator<Tile> {
    const { plan } = this;
    for (let r = 0; r < plan.rows; r++) {
      const t0 = performance.now();
      const y0 = r * plan.strideY;
      const y1 = Math.min(plan.sceneHeight, y0 + plan.tileHeight);
      const readMs = await this.fill(y0, y1);
      const rowMs = performance.now() - t0;
      this.stats.readMs += readMs;
      this.stats.normaliseMs += rowMs - readMs;
      const perTileRead = readMs / plan.cols;
      const perTileNorm = (rowMs - readMs) / plan.cols;
      for (let c = 0; c < plan.cols; c++) {
        const rect = tileRect(plan, r, c);
        const tc = performance.now();
        const tile = this.cut(rect);
        this.stats.cutMs += performance.now() - tc;
        tile.readMs = perTileRead;
        tile.normaliseMs = perTileNorm;
        if (tile.nodataFraction >= 1) {
          this.stats.skipped++;
          continue;
        }
        this.stats.tiles++;
        yield tile;
      }
    }
  }

  /**
   * Make the buffer hold rows [y0, y1): keep the overlap already held, read the rest.
   * Returns the milliseconds spent reading; the caller counts the rest of the call as normalising.
   */
  private async fill(y0: number, y1: number): Promise<number> {
    const W = this.plan.sceneWidth;
    let keepFrom = y0;
    if (y0 >= this.bufY0 && y0 < this.bufY1) {
      const shift = (y0 - this.bufY0) * W;
      const keep = (this.bufY1 - y0) * W;
      for (const p of this.planes) p.copyWithin(0, shift, shift + keep);
      this.mask.copyWithin(0, shift, shift + keep);
      keepFrom = this.bufY1;
    }
    this.bufY0 = y0;
    let readMs = 0;
    if (keepFrom < y1) {
      const off = (keepFrom - y0) * W;
      const n = (y1 - keepFrom) * W;
      this.mask.fill(0, off, off + n);
      const bands = this.scene.info.bands;
      const scene = this.scene;
      if (scene.forEachSegment) {
        // Block-stored bands: normalise each stored block where it lies (no
        // assembled rows), visiting each distinct band once for all the channels it feeds.
        for (const band of new Set(this.sources.map((s) => s.band))) {
          const channels = this.sources.map((s, c) => ({ s, c })).filter((x) => x.s.band === band);
          let inVisit = 0;
          const t = performance.now();
          await scene.forEachSegment(band, keepFrom, y1, (seg) => {
            const tv = performance.now();
            for (const { s, c } of channels) normaliseSegment(seg, bands[band], s, this.planes[c], this.mask, W, y0, this.opts.dnCalibrationDb);
            inVisit += performance.now() - tv;
          });
          readMs += performance.now() - t - inVisit;
        }
      } else {
        // Read each distinct band once even when it feeds several channels.
        const cache = new Map<number, Awaited<ReturnType<Scene['readRows']>>>();
        for (let c = 0; c < this.sources.length; c++) {
          const src = this.sources[c];
          let raw = cache.get(src.band);
          if (!raw) {
            const t = performance.now();
            raw = await scene.readRows(src.band, keepFrom, y1);
            readMs += performance.now() - t;
            cache.set(src.band, raw);
          }
          const dst = this.planes[c].subarray(off, off + n);
          normaliseRows(raw, bands[src.band], src, dst, this.mask.subarray(off, off + n), W, keepFrom, this.opts.dnCalibrationDb);
        }
      }
      // Channels fed by the same band were normalised with their own ranges; NODATA is shared.
      this.opts.onRows?.(keepFrom, y1, this.planes[0].subarray(off, off + n), this.mask.subarray(off, off + n));
    }
    this.bufY1 = y1;
    return readMs;
  }

  /**
   * Gives a tile's buffer back for the next tiles once nothing reads it any
   * more (the pipeline calls this after inference). A buffer transferred to
   * another thread is detached and simply dropped. Reuse spares allocating
   * and page-faulting a fresh megabyte or two per tile.
   */
  release(tile: Tile): void {
    const bytes = this.sources.length * this.plan.tileWidth * this.plan.tileHeight;
    if (tile.data.byteLength === bytes && this.pool.length < TileStream.POOL && !this.pool.includes(tile.data)) this.pool.push(tile.data);
  }

  private static readonly POOL = 8;
  private readonly pool: Uint8Array[] = [];

  private cut(rect: TileRect): Tile {
    const { tileWidth: TW, tileHeight: TH, sceneWidth: W } = this.plan;
    // cutTile writes every byte, padding included, so a recycled buffer needs no clearing.
    const data = this.pool.pop() ?? new Uint8Array(this.sources.length * TW * TH);
    const nd = native().cutTile(this.planes, this.mask, W, rect.x0, rect.y0 - this.bufY0, rect.w, rect.h, TW, TH, data);
    return { ...rect, data, nodataFraction: nd / (rect.w * rect.h), readMs: 0, normaliseMs: 0 };
  }
}
