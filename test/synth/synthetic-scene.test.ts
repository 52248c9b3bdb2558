import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openScene } from '../../dist/src/scene/open-scene.js';
import { SyntheticScene } from '../../dist/src/synth/synthetic-scene.js';
import { LABEL_COLUMNS, writeXview3Scene } from '../../dist/src/synth/write-scene.js';
import { rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

function render(seed: number, w = 600, h = 400, extra = {}) {
  const s = new SyntheticScene({ width: w, height: h, seed, ...extra });
  const vv = new Float32Array(w * h);
  const vh = new Float32Array(w * h);
  s.renderRows(0, 200, vv.subarray(0, 200 * w), vh.subarray(0, 200 * w));
  s.renderRows(200, h, vv.subarray(200 * w), vh.subarray(200 * w));
  return { s, vv, vh };
}

describe('synthetic Sentinel-1 scenes', () => {
  it('are reproducible from the seed, whatever the row bands', () => {
    const a = render(42);
    const b = new SyntheticScene({ width: 600, height: 400, seed: 42 });
    const vv = new Float32Array(600 * 400);
    const vh = new Float32Array(600 * 400);
    b.renderRows(0, 400, vv, vh);
    expect(Buffer.from(vv.buffer).equals(Buffer.from(a.vv.buffer))).toBe(true);
    expect(Buffer.from(render(43).vv.buffer).equals(Buffer.from(a.vv.buffer))).toBe(false);
  });

  it('has K-distributed sea clutter: σ0 near the wind model, speckle with 2–4.5 equivalent looks', () => {
    const { vv, vh } = render(5, 1000, 600, { coast: 'none', nodataBorder: false, targets: 0, windMs: 7, incidence: [35, 35] });
    const lin = Array.from(vv, (d) => Math.pow(10, d / 10));
    const mean = lin.reduce((a, b) => a + b, 0) / lin.length;
    const variance = lin.reduce((a, b) => a + (b - mean) ** 2, 0) / lin.length;
    const enl = (mean * mean) / variance;
    // VV at θ = 35°, U = 7 m/s: −13 − 0.33·5 = −14.65 dB (±1.5 dB for the wind field and texture).
    expect(10 * Math.log10(mean)).toBeGreaterThan(-16.5);
    expect(10 * Math.log10(mean)).toBeLessThan(-13);
    expect(enl).toBeGreaterThan(2);
    expect(enl).toBeLessThan(4.5);
    const vhMean = Array.from(vh, (d) => Math.pow(10, d / 10)).reduce((a, b) => a + b, 0) / vh.length;
    expect(10 * Math.log10(mean / vhMean)).toBeGreaterThan(5); // VH well below VV
  });

  it('draws vessels as bright targets above the clutter', () => {
    const { s, vv } = render(9, 800, 800, { coast: 'none', nodataBorder: false, targets: 20 });
    const bright = s.targets.filter((t) => t.kind === 'vessel' && t.lengthM > 60);
    expect(bright.length).toBeGreaterThan(0);
    for (const t of bright) expect(vv[t.peakY * 800 + t.peakX]).toBeGreaterThan(0);
  });

  it('moors extra vessels along the coast, hull parallel to it, leaving the other targets as they were', () => {
    const o = { width: 1200, height: 800, seed: 21, coast: 'left' as const, nodataBorder: false, targets: 30 };
    const base = new SyntheticScene(o);
    const moored = new SyntheticScene({ ...o, moored: 0.3 });
    const at = (t: { x: number; y: number; kind: string }) => `${t.kind}@${t.x},${t.y}`;
    const labelled = (s: SyntheticScene) => s.targets.filter((t) => t.kind !== 'land_clutter');
    const before = new Set(labelled(base).map(at));
    const extra = labelled(moored).filter((t) => !before.has(at(t)));
    const after = labelled(moored).map(at);
    for (const t of labelled(base)) expect(after).toContain(at(t));
    expect(extra).toHaveLength(9);
    const b = moored.backdrop;
    for (const t of extra) {
      expect(['vessel', 'fishing']).toContain(t.kind);
      const s = b.seaward(t.x, t.y);
      expect(s).toBeGreaterThanOrEqual(2);
      expect(s).toBeLessThanOrEqual(6);
      // Along the hull the distance to the coast barely changes; across it, it does.
      const along = Math.abs(b.seaward(t.x + 3 * Math.cos(t.heading), t.y + 3 * Math.sin(t.heading)) - s);
      expect(along).toBeLessThan(1.5);
    }
    // The option off is the scene as it always was.
    expect(new SyntheticScene({ ...o, moored: 0 }).targets.map(at)).toEqual(base.targets.map(at));
  });

  it('writes an xView3 folder that sarwatch reads back, with labels.csv in the xView3 columns', async () => {
    const out = path.join(dir, 'scene');
    const r = writeXview3Scene(out, { width: 1100, height: 900, seed: 3, targets: 25 });
    const scene = await openScene(out);
    expect(scene.info.bands.map((b) => b.name)).toEqual(['VV', 'VH', 'bathymetry']);
    expect([scene.info.width, scene.info.height]).toEqual([1100, 900]);
    expect(scene.info.bands[0].nodata).toBe(-32768);
    const text = readFileSync(path.join(out, 'labels.csv'), 'utf8').trim().split('\n');
    expect(text[0]).toBe(LABEL_COLUMNS.join(','));
    expect(text[0]).toBe('scene_id,detect_scene_row,detect_scene_column,detect_lat,detect_lon,top,left,bottom,right,vessel_length_m,is_vessel,is_fishing,distance_from_shore_km,confidence');
    expect(text.length - 1).toBe(r.labels);
    for (const line of text.slice(1)) {
      const f = line.split(',');
      const [row, col] = [Number(f[1]), Number(f[2])];
      expect(row).toBeGreaterThanOrEqual(0);
      expect(col).toBeLessThan(1100);
      if (f[10] === 'true') {
        expect(Number(f[9])).toBeGreaterThanOrEqual(10);
        expect(Number(f[9])).toBeLessThanOrEqual(400);
      }
      // lat/lon agree with the scene's own georeference
      const [lon, lat] = scene.info.georef!.pixelToLonLat(col + 0.5, row + 0.5);
      expect(Math.abs(lat - Number(f[3]))).toBeLessThan(1e-3);
      expect(Math.abs(lon - Number(f[4]))).toBeLessThan(1e-3);
    }
    await scene.close();
  });
});
