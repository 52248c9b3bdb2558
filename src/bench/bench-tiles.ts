/**
 * Benchmark input: real tiles of a seeded synthetic Sentinel-1 scene, cut by
 * the runtime's own tiler for the model's input spec. Every engine in a
 * benchmark run sees exactly these bytes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelInfo } from '../model/model-info.js';
import { openScene } from '../scene/open-scene.js';
import { writeXview3Scene } from '../synth/write-scene.js';
import { planTiles } from '../tiling/plan.js';
import { TileStream } from '../tiling/tile-stream.js';

export interface BenchTiles {
  tiles: Buffer[];
  /** Milliseconds per tile spent reading, normalising and cutting (this machine). */
  readMs: number;
}

/** At least `count` tiles (a square scene of ceil(√count)² tiles), copied out of the tiler's buffers. */
export async function syntheticTiles(model: ModelInfo, count: number, seed = 5): Promise<BenchTiles> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sarwatch-bench-'));
  try {
    const overlap = 64;
    const n = Math.max(2, Math.ceil(Math.sqrt(count)));
    const side = n * (model.width - overlap) + overlap;
    writeXview3Scene(dir, { width: side, height: side, seed, targets: 12 * n * n, bathymetry: false });
    const scene = await openScene(dir);
    try {
      const stream = new TileStream(scene, planTiles(side, side, model.width, model.height, overlap), model.input);
      const tiles: Buffer[] = [];
      const t0 = performance.now();
      for await (const t of stream.tiles()) tiles.push(Buffer.from(t.data));
      const readMs = (performance.now() - t0) / tiles.length;
      return { tiles: tiles.slice(0, count), readMs };
    } finally {
      await scene.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
