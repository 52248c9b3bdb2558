/** One pass of the tiler over a scene, nothing else running: what the tiling and prepost suites time. */
import type { ModelInfo } from '../src/model/model-info.js';
import { tilePlanFor } from '../src/pipeline/detect-scene.js';
import { openScene } from '../src/scene/open-scene.js';
import { TileStream, type TileStreamStats } from '../src/tiling/tile-stream.js';

/** Streams every tile of the scene in `dir` with the model's tile plan; returns the stream's counts and times. */
export async function tilePass(dir: string, model: ModelInfo): Promise<TileStreamStats> {
  const scene = await openScene(dir);
  try {
    const stream = new TileStream(scene, tilePlanFor(model, scene.info.width, scene.info.height), model.input);
    for await (const t of stream.tiles()) stream.release(t); // as the pipeline does once a tile is inferred
    return stream.stats;
  } finally {
    await scene.close();
  }
}
