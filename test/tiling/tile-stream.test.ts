import { mkdirSync } from 'node:fs';
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
    // Block-stored files are visited block by block instead: count each block row's rows once (its first block).
    const visit = scene.forEachSegment!.bind(scene);
    scene.forEachSegment = async (b, y0, y1, fn) =>
      visit(b, y0, y1, (seg) => {
        if (seg.x0 === 0) rowsRead += seg.rows;
        fn(seg);
      });
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

  it('normalises blocks in place exactly as from assembled rows, and NODATA in either band masks the pixel', async () => {
    const W = 530;
    const H = 410;
    const vv = new Float32Array(W * H);
    const vh = new Float32Array(W * H);
    for (let i = 0; i < W * H; i++) {
      vv[i] = i % 97 === 0 ? -32768 : -40 + ((i * 7) % 55) + 0.25;
      vh[i] = i % 89 === 0 ? -32768 : -45 + ((i * 3) % 41) + 0.5;
    }
    const folder = path.join(dir, 'pair');
    mkdirSync(folder);
    writeTiled(path.join(folder, 'VV_dB.tif'), 'float32', W, H, { tile: 64, nodata: -32768, data: vv });
    writeTiled(path.join(folder, 'VH_dB.tif'), 'float32', W, H, { tile: 64, nodata: -32768, data: vh });
    const collect = async (segments: boolean) => {
      const scene = await openScene(folder);
      if (!segments) scene.forEachSegment = undefined;
      const stream = new TileStream(scene, planTiles(W, H, 256, 256, 64), SAR_INPUT_SPEC);
      const out = [];
      for await (const t of stream.tiles()) out.push({ data: Buffer.from(t.data), nd: t.nodataFraction });
      await scene.close();
      return out;
    };
    const a = await collect(true);
    const b = await collect(false);
    expect(a.length).toBe(b.length);
    a.forEach((t, i) => {
      expect(t.data.equals(b[i].data)).toBe(true);
      expect(t.nd).toBe(b[i].nd);
    });
    // Tile (0, 0) holds pixels 0..255 of rows 0..255: NODATA where either band has it.
    let expected = 0;
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) if ((y * W + x) % 97 === 0 || (y * W + x) % 89 === 0) expected++;
    expect(a[0].nd).toBeCloseTo(expected / (256 * 256), 9);
  });
});
