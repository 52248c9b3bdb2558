/**
 * Size limits checked from headers, before anything is allocated.
 * A Sentinel-1 IW GRD scene is about 25,000 × 17,000 px; xView3 scenes average
 * 29,400 × 24,400. The limits leave room for larger products while refusing
 * headers that are corrupt or hostile (10⁶ × 10⁶ px would need terabytes).
 */
import { SarwatchError } from '../errors.js';

export const MAX_SIDE = 100_000;
export const MAX_PIXELS = 4_000_000_000;
/** Plain PNG/JPEG images are decoded whole, so they get a tighter bound. */
export const MAX_IMAGE_PIXELS = 200_000_000;

export function checkSceneSize(file: string, width: number, height: number, maxPixels = MAX_PIXELS): void {
  if (!Number.isFinite(width) || !Number.isFinite(height) || width <= 0 || height <= 0) {
    throw new SarwatchError('E_SCENE_EMPTY', `scene is ${width} × ${height} px; it has no pixels to process`, { file });
  }
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > maxPixels) {
    throw new SarwatchError(
      'E_SCENE_TOO_LARGE',
      `header claims ${width} × ${height} px (${((width * height) / 1e6).toFixed(0)} MP); ` +
        `sarwatch accepts at most ${MAX_SIDE} px a side and ${(maxPixels / 1e6).toFixed(0)} MP`,
      { file },
    );
  }
}
