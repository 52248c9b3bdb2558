/**
 * An xView3 scene folder: one single-band GeoTIFF per band, `VV_dB.tif`,
 * `VH_dB.tif` and optionally `bathymetry.tif`. In the real xView3 data the
 * bathymetry raster is coarser than the SAR bands; it is resampled here to the
 * SAR grid by nearest neighbour, row band by row band.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SarwatchError } from '../errors.js';
import { GeoTiffScene } from './geotiff-scene.js';
import { allocRaster, type RasterArray, type RowSegment, type Scene, type SceneInfo } from './types.js';

export const XVIEW3_FILES = { VV: 'VV_dB.tif', VH: 'VH_dB.tif', bathymetry: 'bathymetry.tif' } as const;

export function isXview3Folder(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && existsSync(path.join(dir, XVIEW3_FILES.VV));
}

export class Xview3Scene implements Scene {
  readonly info: SceneInfo;
  private readonly parts: GeoTiffScene[];
  private readonly resampled = new Map<number, RasterArray>();

  private constructor(info: SceneInfo, parts: GeoTiffScene[]) {
    this.info = info;
    this.parts = parts;
  }

  static async open(dir: string): Promise<Xview3Scene> {
    const vvFile = path.join(dir, XVIEW3_FILES.VV);
    if (!existsSync(vvFile)) {
      throw new SarwatchError('E_SCENE_FORMAT', `folder has no ${XVIEW3_FILES.VV}; an xView3 scene folder needs VV_dB.tif and VH_dB.tif`, {
        file: dir,
      });
    }
    const parts: GeoTiffScene[] = [];
    try {
      for (const [name, file] of Object.entries(XVIEW3_FILES)) {
        const f = path.join(dir, file);
        if (name === 'VH' && !existsSync(f)) {
          throw new SarwatchError('E_SCENE_BAND_COUNT', `folder has ${XVIEW3_FILES.VV} but no ${XVIEW3_FILES.VH}`, { file: dir });
        }
        if (!existsSync(f)) continue;
        const s = await GeoTiffScene.open(f, { names: [name], radiometry: name === 'bathymetry' ? 'bathymetry' : 'db' });
        if (s.info.bands.length !== 1) {
          throw new SarwatchError('E_SCENE_BAND_COUNT', `has ${s.info.bands.length} bands; xView3 band files hold one`, { file: f });
        }
        parts.push(s);
      }
    } catch (e) {
      await Promise.all(parts.map((p) => p.close()));
      throw e;
    }
    const [vv, vh] = parts;
    if (vh.info.width !== vv.info.width || vh.info.height !== vv.info.height) {
      await Promise.all(parts.map((p) => p.close()));
      throw new SarwatchError(
        'E_SCENE_BAND_MISMATCH',
        `${XVIEW3_FILES.VH} is ${vh.info.width} × ${vh.info.height} px but ${XVIEW3_FILES.VV} is ${vv.info.width} × ${vv.info.height}`,
        { file: dir },
      );
    }
    const info: SceneInfo = {
      id: path.basename(path.resolve(dir)),
      path: dir,
      format: 'xview3',
      width: vv.info.width,
      height: vv.info.height,
      bands: parts.map((p) => p.info.bands[0]),
      georef: vv.info.georef,
    };
    return new Xview3Scene(info, parts);
  }

  async forEachSegment(band: number, y0: number, y1: number, visit: (seg: RowSegment) => void): Promise<void> {
    const part = this.parts[band];
    const { width, height } = this.info;
    if (part.info.width === width && part.info.height === height) return part.forEachSegment(0, y0, y1, visit);
    visit({ src: await this.readRows(band, y0, y1), offset: 0, stride: width, w: width, rows: y1 - y0, x0: 0, y0 });
  }

  async readRows(band: number, y0: number, y1: number): Promise<RasterArray> {
    const part = this.parts[band];
    const { width, height } = this.info;
    if (part.info.width === width && part.info.height === height) return part.readRows(0, y0, y1);
    // Coarser band (bathymetry): nearest-neighbour onto the SAR grid.
    const sy = part.info.height / height;
    const sx = part.info.width / width;
    const s0 = Math.min(part.info.height - 1, Math.floor(y0 * sy));
    const s1 = Math.min(part.info.height, Math.floor((y1 - 1) * sy) + 1);
    const src = await part.readRows(0, s0, s1);
    const n = (y1 - y0) * width;
    let out = this.resampled.get(band);
    if (!out || out.length < n) {
      out = allocRaster(part.info.bands[0].dtype, n);
      this.resampled.set(band, out);
    }
    const xs = new Int32Array(width);
    for (let x = 0; x < width; x++) xs[x] = Math.min(part.info.width - 1, Math.floor(x * sx));
    for (let y = y0; y < y1; y++) {
      const srow = (Math.min(part.info.height - 1, Math.floor(y * sy)) - s0) * part.info.width;
      const drow = (y - y0) * width;
      for (let x = 0; x < width; x++) out[drow + x] = src[srow + xs[x]];
    }
    return out.subarray(0, n) as RasterArray;
  }

  async close(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.close()));
  }
}
