import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAR_INPUT_SPEC } from '../../dist/src/model/model-info.js';
import { openScene } from '../../dist/src/scene/open-scene.js';
import { planTiles } from '../../dist/src/tiling/plan.js';
import { TileStream } from '../../dist/src/tiling/tile-stream.js';
import { writeTiled } from '../fixtures/tiff.js';
import { rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

describe('tile stream', () => {
  it('cuts planar tiles with zero padding, skips NODATA-only tiles, and reads each row once', async () => {
    const W = 700;
    const H = 500;
    const data = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = x < 300 ? -32768 : -50 + ((x + y) % 70);
    const f = path.join(dir, 'stream.tif');
    writeTiled(f, 'float32', W, H, { tile: 64, nodata: -32768, data });
    const scene = await openScene(f);
    let rowsRead = 0;
    const orig = scene.readRows.bind(scene);
    scene.readRows = async (b, y0, y1) => {
      rowsRead += y1 - y0;
      return orig(b, y0, y1);
    };
    const plan = planTiles(W, H, 256, 256, 64);
    const stream = new TileStream(scene, plan, SAR_INPUT_SPEC);
    const tiles = [];
    for await (const t of stream.tiles()) tiles.push(t);
    // 4 columns (x0 = 0, 192, 384, 576) × 3 rows; the first column is all NODATA.
    expect(plan.cols * plan.rows).toBe(12);
    expect(stream.stats.skipped).toBe(3);
    expect(tiles).toHaveLength(9);
    // The single band feeds both channels; rows are read once per distinct band.
    expect(rowsRead).toBe(H);
    const t = tiles.find((q) => q.col === 3 && q.row === 2)!;
    expect([t.x0, t.y0, t.w, t.h]).toEqual([576, 384, 124, 116]);
    // Pixel (600, 400) → u8 of −50 + (1000 % 70) = −30 dB → 20 · 255/70 = 72.86 → 73
    expect(t.data[(400 - 384) * 256 + (600 - 576)]).toBe(73);
    expect(t.data[256 * 256 + (400 - 384) * 256 + (600 - 576)]).toBe(73);
    // Padding beyond the scene edge is 0.
    expect(t.data[(400 - 384) * 256 + 200]).toBe(0);
    const half = tiles.find((q) => q.col === 1 && q.row === 0)!;
    expect(half.nodataFraction).toBeCloseTo(108 / 256, 6);
    await scene.close();
  });
});
