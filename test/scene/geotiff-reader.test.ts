import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openScene } from '../../dist/src/scene/open-scene.js';
import { Xview3Scene } from '../../dist/src/scene/xview3-scene.js';
import type { SampleType } from '../../dist/src/scene/types.js';
import { writeStriped, writeTiled } from '../fixtures/tiff.js';
import { rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));
const DTYPES: SampleType[] = ['uint8', 'int16', 'uint16', 'float32', 'float64'];

describe('GeoTIFF reader', () => {
  for (const dtype of DTYPES) {
    it(`reads row windows of a tiled ${dtype} file exactly, across tile boundaries`, async () => {
      const file = path.join(dir, `tiled-${dtype}.tif`);
      const data = writeTiled(file, dtype, 300, 170, { tile: 64 });
      const scene = await openScene(file);
      expect(scene.info.width).toBe(300);
      expect(scene.info.height).toBe(170);
      expect(scene.info.bands[0].dtype).toBe(dtype);
      for (const [y0, y1] of [[0, 1], [60, 70], [63, 129], [100, 170]]) {
        const rows = await scene.readRows(0, y0, y1);
        expect(Array.from(rows)).toEqual(Array.from(data.subarray(y0 * 300, y1 * 300)));
      }
      await scene.close();
    });

    it(`reads a striped ${dtype} file with 2 interleaved bands`, async () => {
      const file = path.join(dir, `striped-${dtype}.tif`);
      const planes = writeStriped(file, dtype, 97, 41, 2);
      const scene = await openScene(file);
      expect(scene.info.bands.map((b) => b.name)).toEqual(dtype === 'uint8' ? ['R', 'G'] : ['VV', 'VH']);
      for (const b of [0, 1]) {
        const rows = await scene.readRows(b, 5, 30);
        expect(Array.from(rows)).toEqual(Array.from(planes[b].subarray(5 * 97, 30 * 97)));
      }
      await scene.close();
    });
  }

  it('reads 3 bands (VV, VH, bathymetry) from one float file', async () => {
    const file = path.join(dir, 'three.tif');
    const planes = writeStriped(file, 'float32', 40, 30, 3);
    const scene = await openScene(file);
    expect(scene.info.bands.map((b) => [b.name, b.radiometry])).toEqual([
      ['VV', 'db'],
      ['VH', 'db'],
      ['bathymetry', 'bathymetry'],
    ]);
    expect(Array.from(await scene.readRows(2, 0, 30))).toEqual(Array.from(planes[2]));
    await scene.close();
  });

  it('declares NODATA from GDAL_NODATA', async () => {
    const file = path.join(dir, 'nodata.tif');
    writeTiled(file, 'float32', 64, 64, { nodata: -32768 });
    const scene = await openScene(file);
    expect(scene.info.bands[0].nodata).toBe(-32768);
    await scene.close();
  });

  it('maps pixels to lat/lon through the projected CRS (UTM 31N)', async () => {
    const file = path.join(dir, 'geo.tif');
    writeTiled(file, 'float32', 100, 100);
    const scene = await openScene(file);
    const g = scene.info.georef!;
    expect(g.epsg).toBe(32631);
    const [lon, lat] = g.pixelToLonLat(0, 0);
    // Reference: `echo 500000 5750000 | gdaltransform -s_srs EPSG:32631 -t_srs EPSG:4326` → 3.0, 51.9007550470679
    expect(lon).toBeCloseTo(3, 9);
    expect(lat).toBeCloseTo(51.9007550470679, 9);
    expect(g.pixelSpacingM()).toEqual([10, 10]);
    const [c, r] = g.lonLatToPixel(lon, lat);
    expect(c).toBeCloseTo(0, 6);
    expect(r).toBeCloseTo(0, 6);
    await scene.close();
  });

  it('opens an xView3 folder and resamples a coarser bathymetry band onto the SAR grid', async () => {
    const sceneDir = path.join(dir, 'xv3');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sceneDir);
    const vv = writeTiled(path.join(sceneDir, 'VV_dB.tif'), 'float32', 200, 120);
    writeTiled(path.join(sceneDir, 'VH_dB.tif'), 'float32', 200, 120);
    const bathy = writeTiled(path.join(sceneDir, 'bathymetry.tif'), 'float32', 20, 12, { tile: 16 });
    const scene = await openScene(sceneDir);
    expect(scene).toBeInstanceOf(Xview3Scene);
    expect(scene.info.bands.map((b) => b.name)).toEqual(['VV', 'VH', 'bathymetry']);
    expect(Array.from(await scene.readRows(0, 10, 20))).toEqual(Array.from(vv.subarray(2000, 4000)));
    const b = await scene.readRows(2, 55, 56);
    expect(b[137]).toBe(bathy[5 * 20 + 13]); // pixel (137, 55) lies in coarse pixel (13, 5)
    await scene.close();
  });
});
