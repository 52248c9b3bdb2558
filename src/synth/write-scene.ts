/**
 * Writers for synthetic data:
 * - an xView3 scene folder (VV_dB.tif, VH_dB.tif, bathymetry.tif at 1/10 of
 *   the resolution as in xView3, labels.csv), streamed tile row by tile row;
 * - training chips (PNG, R = VV and G = VH after the model's dB → 8-bit
 *   normalisation, with YOLO labels), for train/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { Georef } from '../scene/georef.js';
import { TiledTiffWriter } from '../scene/tiff-writer.js';
import type { Band, SceneInfo } from '../scene/types.js';
import { XVIEW3_FILES } from '../scene/xview3-scene.js';
import { channelSources, normaliseRows } from '../tiling/normalise.js';
import type { InputSpec } from '../model/model-info.js';
import { Rng } from './rng.js';
import { SyntheticScene, XVIEW3_NODATA, type LabelRow, type SynthOptions } from './synthetic-scene.js';

export const LABEL_COLUMNS = [
  'scene_id',
  'detect_scene_row',
  'detect_scene_column',
  'detect_lat',
  'detect_lon',
  'top',
  'left',
  'bottom',
  'right',
  'vessel_length_m',
  'is_vessel',
  'is_fishing',
  'distance_from_shore_km',
  'confidence',
] as const;

const TILE = 512;
const BATHY_FACTOR = 10;

export function labelsCsv(rows: LabelRow[]): string {
  const fmt = (v: unknown) => (v === null ? '' : typeof v === 'number' ? String(Number(v.toFixed(7))) : String(v));
  return [LABEL_COLUMNS.join(','), ...rows.map((r) => LABEL_COLUMNS.map((c) => fmt(r[c])).join(','))].join('\n') + '\n';
}

export interface WriteSceneResult {
  dir: string;
  sceneId: string;
  labels: number;
  seconds: number;
}

export function writeXview3Scene(
  dir: string,
  opts: SynthOptions & { bathymetry?: boolean },
  onProgress?: (rows: number, total: number) => void,
): WriteSceneResult {
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const sceneId = path.basename(path.resolve(dir));
  const scene = new SyntheticScene(opts);
  const { width: W, height: H } = scene;
  const vvw = new TiledTiffWriter(path.join(dir, XVIEW3_FILES.VV), { width: W, height: H, tile: TILE, nodata: XVIEW3_NODATA, georef: scene.georef });
  const vhw = new TiledTiffWriter(path.join(dir, XVIEW3_FILES.VH), { width: W, height: H, tile: TILE, nodata: XVIEW3_NODATA, georef: scene.georef });
  try {
    const vv = new Float32Array(TILE * W);
    const vh = new Float32Array(TILE * W);
    for (let y0 = 0; y0 < H; y0 += TILE) {
      const y1 = Math.min(H, y0 + TILE);
      scene.renderRows(y0, y1, vv, vh);
      vvw.writeRows(y0, y1, vv);
      vhw.writeRows(y0, y1, vh);
      onProgress?.(y1, H);
    }
    vvw.close();
    vhw.close();
  } catch (e) {
    vvw.discard();
    vhw.discard();
    throw e;
  }
  if (opts.bathymetry !== false) writeBathymetry(dir, scene);
  const labels = scene.labels(sceneId);
  writeFileSync(path.join(dir, 'labels.csv'), labelsCsv(labels));
  // Shoreline contour, like xView3's per-scene shoreline files: what the scorer's close-to-shore F1 uses.
  const coast = scene.backdrop.coastline(5, 300);
  writeFileSync(path.join(dir, 'shoreline.csv'), ['scene_id,row,col', ...coast.map((p) => `${sceneId},${p.row.toFixed(1)},${p.col.toFixed(1)}`)].join('\n') + '\n');
  return { dir, sceneId, labels: labels.length, seconds: (performance.now() - t0) / 1000 };
}

function writeBathymetry(dir: string, scene: SyntheticScene): void {
  const f = BATHY_FACTOR;
  const w = Math.ceil(scene.width / f);
  const h = Math.ceil(scene.height / f);
  const [a, b, , d, , e] = scene.georef.transform;
  const georef = new Georef({ transform: [a, b * f, 0, d, 0, e * f], proj4: scene.georef.proj4, geographic: false, epsg: scene.georef.epsg });
  const writer = new TiledTiffWriter(path.join(dir, XVIEW3_FILES.bathymetry), { width: w, height: h, tile: 256, nodata: null, georef });
  const rows = new Float32Array(256 * w);
  for (let y0 = 0; y0 < h; y0 += 256) {
    const y1 = Math.min(h, y0 + 256);
    for (let y = y0; y < y1; y++) {
      for (let x = 0; x < w; x++) {
        rows[(y - y0) * w + x] = scene.backdrop.bathymetry(Math.min(scene.width - 1, x * f + f / 2), Math.min(scene.height - 1, y * f + f / 2));
      }
    }
    writer.writeRows(y0, y1, rows);
  }
  writer.close();
}

/** Class ids of the bundled model (train/sarwatch_train/data.py CLASS_NAMES). */
const CHIP_CLASS: Record<string, number> = { vessel: 0, fishing: 1, non_vessel: 2 };

export function writeTrainingChips(
  dir: string,
  count: number,
  size: number,
  seed: number,
  spec: InputSpec,
  moored = 0,
): { chips: number; objects: number } {
  mkdirSync(path.join(dir, 'images'), { recursive: true });
  mkdirSync(path.join(dir, 'labels'), { recursive: true });
  const rng = new Rng(seed);
  let objects = 0;
  const vv = new Float32Array(size * size);
  const vh = new Float32Array(size * size);
  for (let i = 0; i < count; i++) {
    const scene = new SyntheticScene({
      width: size,
      height: size,
      seed: seed * 100_003 + i,
      windMs: rng.range(2, 14),
      nodataBorder: rng.uniform() < 0.15,
      targets: rng.int(2, 14),
      moored,
    });
    scene.renderRows(0, size, vv, vh);
    const bands: Band[] = ['VV', 'VH'].map((name) => ({ name, dtype: 'float32', radiometry: 'db', nodata: XVIEW3_NODATA, file: `chip ${i}` }));
    const info: SceneInfo = { id: `chip${i}`, path: dir, format: 'xview3', width: size, height: size, bands, georef: null };
    const sources = channelSources(info, spec);
    const mask = new Uint8Array(size * size);
    const planes = sources.map((s) => {
      const u8 = new Uint8Array(size * size);
      normaliseRows(s.band === 0 ? vv : vh, bands[s.band], s, u8, mask, size, 0);
      return u8;
    });
    const png = new PNG({ width: size, height: size });
    for (let p = 0; p < size * size; p++) {
      png.data[p * 4] = planes[0][p];
      png.data[p * 4 + 1] = planes[1 % planes.length][p];
      png.data[p * 4 + 2] = 0;
      png.data[p * 4 + 3] = 255;
    }
    const name = `chip_${String(i).padStart(5, '0')}`;
    writeFileSync(path.join(dir, 'images', `${name}.png`), PNG.sync.write(png, { colorType: 2 }));
    const lines = scene
      .labels(name)
      .map((l) => {
        const left = Math.max(0, l.left);
        const top = Math.max(0, l.top);
        const w = Math.min(size, l.right) - left;
        const h = Math.min(size, l.bottom) - top;
        return `${CHIP_CLASS[l.kind]} ${((left + w / 2) / size).toFixed(6)} ${((top + h / 2) / size).toFixed(6)} ${(w / size).toFixed(6)} ${(h / size).toFixed(6)}`;
      });
    objects += lines.length;
    writeFileSync(path.join(dir, 'labels', `${name}.txt`), lines.join('\n') + (lines.length ? '\n' : ''));
  }
  return { chips: count, objects };
}
