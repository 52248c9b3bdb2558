import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LandMask } from '../../dist/src/pipeline/land-mask.js';
import { openScene } from '../../dist/src/scene/open-scene.js';
import { SyntheticScene } from '../../dist/src/synth/synthetic-scene.js';
import { writeXview3Scene } from '../../dist/src/synth/write-scene.js';
import { rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

const box = (x: number, y: number) => ({ x1: x - 4, y1: y - 4, x2: x + 4, y2: y + 4, score: 0.9, cls: 0, tile: 0 });

describe('land mask', () => {
  it('drops detections on land and keeps those at sea, from the bathymetry band (coarser than the SAR grid)', async () => {
    const opts = { width: 1200, height: 900, seed: 11, coast: 'top' as const, targets: 0 };
    const sceneDir = path.join(dir, 'coast');
    writeXview3Scene(sceneDir, opts);
    const truth = new SyntheticScene(opts).backdrop;
    // Points well inland and well out at sea (bathymetry is written at 1/10 resolution).
    const land: [number, number][] = [];
    const sea: [number, number][] = [];
    for (let y = 20; y < 880; y += 40) {
      for (let x = 20; x < 1180; x += 97) {
        const s = truth.seaward(x, y);
        if (s < -40 && !truth.isNodata(x, y)) land.push([x, y]);
        if (s > 40 && !truth.isNodata(x, y)) sea.push([x, y]);
      }
    }
    expect(land.length).toBeGreaterThan(5);
    expect(sea.length).toBeGreaterThan(5);
    const scene = await openScene(sceneDir);
    try {
      const mask = LandMask.forScene(scene);
      expect(mask).not.toBeNull();
      const boxes = [...land, ...sea].map(([x, y]) => box(x, y));
      const kept = await mask!.filter(boxes);
      expect(kept).toEqual(sea.map(([x, y]) => box(x, y)));
      expect(mask!.dropped).toBe(land.length);
    } finally {
      await scene.close();
    }
  });

  it('is absent for scenes without bathymetry', async () => {
    const sceneDir = path.join(dir, 'nobathy');
    writeXview3Scene(sceneDir, { width: 300, height: 200, seed: 3, bathymetry: false });
    const scene = await openScene(sceneDir);
    try {
      expect(LandMask.forScene(scene)).toBeNull();
    } finally {
      await scene.close();
    }
  });
});
