/**
 * This machine's host work per tile: reading, normalising and cutting tiles
 * of a synthetic Sentinel-1 scene, plus the native decode of one tile's head,
 * each the fastest of three passes.
 * The accelerator model scales it to the KV260's A53 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openEngine } from '../backends/cpu/cpu-backend.js';
import type { ModelInfo } from '../model/model-info.js';
import { openScene } from '../scene/open-scene.js';
import { writeXview3Scene } from '../synth/write-scene.js';
import { planTiles } from '../tiling/plan.js';
import { TileStream } from '../tiling/tile-stream.js';

export async function hostTileMs(program: Buffer, model: ModelInfo): Promise<{ readMs: number; decodeMs: number; total: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sarwatch-host-'));
  try {
    const side = 3 * (model.width - 64) + 64;
    writeXview3Scene(dir, { width: side, height: side, seed: 5, targets: 40, bathymetry: false });
    // The fastest of three passes (as for decode below): a busy neighbour on
    // this machine only ever adds time, and the A53 model scales what is left.
    let readMs = Infinity;
    let first: Uint8Array | null = null;
    for (let pass = 0; pass < 3; pass++) {
      const scene = await openScene(dir);
      const stream = new TileStream(scene, planTiles(side, side, model.width, model.height, 64), model.input);
      const t0 = performance.now();
      let n = 0;
      for await (const t of stream.tiles()) {
        first ??= t.data;
        n++;
      }
      readMs = Math.min(readMs, (performance.now() - t0) / n);
      await scene.close();
    }
    const engine = openEngine(program, 1, 'auto', 'program');
    const tile = Buffer.from(first!.buffer, first!.byteOffset, first!.byteLength);
    let decodeMs = Infinity;
    for (let i = 0; i < 3; i++) decodeMs = Math.min(decodeMs, (await engine.run([tile], 0.25, 0.5, 300))[0].decodeMs);
    return { readMs, decodeMs, total: readMs + decodeMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
