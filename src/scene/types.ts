/**
 * A scene is a raster of 1–3 bands read row-band by row-band, never whole.
 * Readers return raw samples in the band's own type; turning them into model
 * input is the tiler's job (src/tiling).
 */
import type { Georef } from './georef.js';

export type SampleType = 'uint8' | 'int16' | 'uint16' | 'float32' | 'float64';

export type RasterArray = Uint8Array | Int16Array | Uint16Array | Float32Array | Float64Array;

/**
 * What the numbers in a band mean:
 * - `db`: backscatter in decibels (xView3 `VV_dB.tif`, Earth Engine Sentinel-1 exports);
 * - `u8`: an 8-bit picture (PNG/JPEG, SSDD), taken as it is;
 * - `dn`: Sentinel-1 GRD digital numbers (amplitude), converted to dB with a calibration constant;
 * - `bathymetry`: metres, negative below sea level.
 */
export type Radiometry = 'db' | 'u8' | 'dn' | 'bathymetry';

export interface Band {
  /** `VV`, `VH`, `bathymetry`, or `gray`/`band1`… when the file does not say. */
  name: string;
  dtype: SampleType;
  radiometry: Radiometry;
  /** Samples equal to this (or NaN when it is NaN) are NODATA. */
  nodata: number | null;
  /** File the band lives in (for error messages). */
  file: string;
}

export interface SceneInfo {
  /** Stable id used in outputs and telemetry (file or folder name without extension). */
  id: string;
  /** Path the scene was opened from. */
  path: string;
  format: 'geotiff' | 'xview3' | 'image';
  width: number;
  height: number;
  bands: Band[];
  georef: Georef | null;
}

export interface Scene {
  readonly info: SceneInfo;
  /** Rows [y0, y1) of one band, full width, row-major. The array may be reused by the next call. */
  readRows(band: number, y0: number, y1: number): Promise<RasterArray>;
  /**
   * Optional, for readers that store a band in blocks of one sample per pixel:
   * visit rows [y0, y1) block by block, as the stored arrays, so that the tiler
   * normalises them in place of assembling full rows first. A segment's array
   * is valid only during the call.
   */
  forEachSegment?(band: number, y0: number, y1: number, visit: (seg: RowSegment) => void): Promise<void>;
  close(): Promise<void>;
}

/** `rows` rows of `w` samples at scene (x0, y0), `stride` samples apart in `src` from `offset`. */
export interface RowSegment {
  src: RasterArray;
  offset: number;
  stride: number;
  w: number;
  rows: number;
  x0: number;
  y0: number;
}

export function bytesPerSample(t: SampleType): number {
  return t === 'uint8' ? 1 : t === 'int16' || t === 'uint16' ? 2 : t === 'float32' ? 4 : 8;
}

export function allocRaster(t: SampleType, n: number): RasterArray {
  switch (t) {
    case 'uint8':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
  }
}
