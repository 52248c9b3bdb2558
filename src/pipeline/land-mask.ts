/**
 * Land mask: drops detections whose centre lies on land, where the scene
 * carries a bathymetry band (xView3's `bathymetry.tif`: depth negative at sea,
 * elevation positive on land). Bright land returns (ports, towns, pylons)
 * look like targets to a detector trained on chips, and every one is a false
 * alarm in the xView3 metric; the bathymetry settles it without the model.
 *
 * Only the rows that hold detections are read, a batch at a time sorted by
 * row, so a batch touches each stored block row once (xView3's bathymetry is
 * coarse, so that is little).
 */
import type { Scene } from '../scene/types.js';
import type { SceneBox } from './detection.js';

/** A detection is on land where the elevation at its centre is above this (metres). */
export const LAND_ELEVATION_M = 0;

export class LandMask {
  /** Detections dropped so far. */
  dropped = 0;

  private constructor(
    private readonly scene: Scene,
    private readonly band: number,
  ) {}

  /** The scene's land mask, or null when it has no bathymetry band. */
  static forScene(scene: Scene): LandMask | null {
    const band = scene.info.bands.findIndex((b) => b.radiometry === 'bathymetry');
    return band < 0 ? null : new LandMask(scene, band);
  }

  /** The boxes at sea (or on NODATA), in their order; land ones are counted in `dropped`. */
  async filter<T extends SceneBox>(boxes: T[]): Promise<T[]> {
    if (!boxes.length) return boxes;
    const { width, height } = this.scene.info;
    const nodata = this.scene.info.bands[this.band].nodata;
    const centre = boxes.map((b) => ({
      x: Math.min(width - 1, Math.max(0, Math.floor((b.x1 + b.x2) / 2))),
      y: Math.min(height - 1, Math.max(0, Math.floor((b.y1 + b.y2) / 2))),
    }));
    const order = centre.map((_, i) => i).sort((a, b) => centre[a].y - centre[b].y);
    const land = new Uint8Array(boxes.length);
    let rowY = -1;
    let row: Awaited<ReturnType<Scene['readRows']>> | null = null;
    for (const i of order) {
      const { x, y } = centre[i];
      // Sorted by row: detections on the same row share one read.
      if (y !== rowY) {
        row = await this.scene.readRows(this.band, y, y + 1);
        rowY = y;
      }
      const v = row![x];
      land[i] = v === nodata || Number.isNaN(v) ? 0 : v > LAND_ELEVATION_M ? 1 : 0;
    }
    const kept = boxes.filter((_, i) => !land[i]);
    this.dropped += boxes.length - kept.length;
    return kept;
  }
}
