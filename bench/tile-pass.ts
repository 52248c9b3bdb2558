/** One pass of the tiler over a scene, nothing else running: what the tiling and prepost suites time. */
import type { ModelInfo } from '../src/model/model-info.js';
import { tilePlanFor } from '../src/pipeline/detect-scene.js';
import { openScene } from '../src/scene/open-scene.js';
import { TileStream } from '../src/tiling/tile-stream.js';

/** Streams every tile of the scene in `dir` with the model's tile plan; returns the tile count. */
export async function tilePass(dir: string, model: ModelInfo): Promise<number> {
  const scene = await openScene(dir);
  try {
    const stream = new TileStream(scene, tilePlanFor(model, scene.info.width, scene.info.height), model.input);
    let tiles = 0;
    for await (const t of stream.tiles()) {
      tiles++;
      stream.release(t); // as the pipeline does once a tile is inferred
    }
    return tiles;
  } finally {
    await scene.close();
  }
}
