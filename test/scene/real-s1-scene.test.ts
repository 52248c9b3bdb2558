/**
 * The real Sentinel-1 GRD file over Los Angeles / Long Beach (float64 dB, UTM 11N, 30 m).
 * Corner references are gdalinfo's (GDAL 3.6), read off `gdalinfo 2021-01-05.tif`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import proj4 from 'proj4';
import { afterAll, describe, expect, it } from 'vitest';
import { openScene } from '../../dist/src/scene/open-scene.js';
import { hasModel, hasS1, rm, runCli, S1_LA, skipNote, tmpDir } from '../helpers.js';

const UTM11 = '+proj=utm +zone=11 +datum=WGS84 +units=m +no_defs';
const dms = (d: number, m: number, s: number, neg: boolean) => (neg ? -1 : 1) * (d + m / 60 + s / 3600);
// gdalinfo "Corner Coordinates": [col, row] → UTM easting/northing and its DMS lon/lat.
const CORNERS: [number, number, number, number, number, number][] = [
  [0, 0, 377547.672, 3739531.709, dms(118, 19, 21.65, true), dms(33, 47, 19.9, false)],
  [0, 550, 377547.672, 3723031.709, dms(118, 19, 13.45, true), dms(33, 38, 24.29, false)],
  [756, 0, 400227.672, 3739531.709, dms(118, 4, 39.88, true), dms(33, 47, 28.47, false)],
  [756, 550, 400227.672, 3723031.709, dms(118, 4, 33.19, true), dms(33, 38, 32.82, false)],
];

describe.skipIf(skipNote('../shared/data/s1-port-la/2021-01-05.tif', hasS1))('real Sentinel-1 scene (Port of LA)', () => {
  const out = tmpDir();
  afterAll(() => rm(out));

  it('reads as a 756 × 550 float64 dB band with NODATA 0', async () => {
    const s = await openScene(S1_LA);
    expect([s.info.width, s.info.height]).toEqual([756, 550]);
    expect(s.info.bands).toHaveLength(1);
    expect(s.info.bands[0]).toMatchObject({ dtype: 'float64', radiometry: 'db', nodata: 0 });
    const rows = await s.readRows(0, 275, 276);
    const valid = Array.from(rows).filter((v) => v !== 0);
    expect(valid.length).toBeGreaterThan(600);
    expect(Math.min(...valid)).toBeGreaterThan(-45);
    expect(Math.max(...valid)).toBeLessThan(40);
    await s.close();
  });

  it("puts its corners within 1 m of gdalinfo's once converted back to UTM", async () => {
    const s = await openScene(S1_LA);
    const g = s.info.georef!;
    expect(g.epsg).toBe(32611);
    for (const [col, row, e, n, lon, lat] of CORNERS) {
      const [x, y] = g.pixelToMap(col, row);
      expect(Math.hypot(x - e, y - n)).toBeLessThan(0.01);
      const [glon, glat] = g.pixelToLonLat(col, row);
      const [be, bn] = proj4('WGS84', UTM11, [glon, glat]);
      expect(Math.hypot(be - e, bn - n)).toBeLessThan(1);
      // gdalinfo rounds to 0.01″ (≈ 0.3 m)
      const [ge, gn] = proj4('WGS84', UTM11, [lon, lat]);
      expect(Math.hypot(be - ge, bn - gn)).toBeLessThan(1);
    }
    expect(g.pixelSpacingM()).toEqual([30, 30]);
    await s.close();
  });

  it.skipIf(skipNote('bundled model', hasModel))('runs through the whole pipeline with lat/lon on every detection', () => {
    const r = runCli(['detect', S1_LA, '--out', out, '--backend', 'ort', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ tiles: 1, tiles_skipped: 0, backend: 'ort', megapixels: 0.416 });
    const csv = readFileSync(path.join(out, 'detections.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('detect_scene_row,detect_scene_column,scene_id,is_vessel,is_fishing,vessel_length_m,confidence,class_name,detect_lat,detect_lon');
    for (const line of csv.slice(1)) {
      const f = line.split(',');
      expect(Number(f[8])).toBeGreaterThan(33.6);
      expect(Number(f[8])).toBeLessThan(33.8);
      expect(Number(f[9])).toBeGreaterThan(-118.33);
      expect(Number(f[9])).toBeLessThan(-118.07);
    }
    const gj = JSON.parse(readFileSync(path.join(out, 'detections.geojson'), 'utf8'));
    expect(gj.type).toBe('FeatureCollection');
    expect(gj.features).toHaveLength(summary.detections);
  });
});
