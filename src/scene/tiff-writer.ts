/**
 * A streaming writer of tiled, uncompressed single-band GeoTIFFs (classic TIFF,
 * little-endian) in uint8, int16, uint16, float32 or float64.
 *
 * The `geotiff` package writes only whole in-memory, striped images; synthetic
 * scenes of up to 30,000 × 30,000 px must stream, so this writer lays out the
 * header and directory first (uncompressed tiles have known offsets) and then
 * writes each band of tile rows as it is produced. Classic TIFF addresses up to
 * 4 GiB, enough for 32,000 × 32,000 float32 px; larger is refused.
 * The file appears under its name only when complete.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { SarwatchError } from '../errors.js';
import type { Georef } from './georef.js';
import { allocRaster, bytesPerSample, type RasterArray, type SampleType } from './types.js';

export interface TiffWriterOptions {
  width: number;
  height: number;
  tile?: number;
  nodata?: number | null;
  georef?: Georef | null;
  dtype?: SampleType;
}

const SAMPLE_FORMAT: Record<SampleType, number> = { uint8: 1, uint16: 1, int16: 2, float32: 3, float64: 3 };

const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const DOUBLE = 12;

interface Entry {
  tag: number;
  type: number;
  values: number[] | string;
}

function typeSize(t: number): number {
  return t === SHORT ? 2 : t === LONG ? 4 : t === DOUBLE ? 8 : 1;
}

export class TiledTiffWriter {
  readonly width: number;
  readonly height: number;
  readonly tile: number;
  private readonly path: string;
  private readonly fd: number;
  private readonly dataStart: number;
  private readonly tilesAcross: number;
  private readonly nodata: number;
  private readonly tileBuf: RasterArray;
  private readonly bytes: number;
  private nextRow = 0;

  constructor(path: string, o: TiffWriterOptions) {
    this.path = path;
    this.width = o.width;
    this.height = o.height;
    this.tile = o.tile ?? 512;
    this.nodata = o.nodata ?? 0;
    this.tilesAcross = Math.ceil(o.width / this.tile);
    const tilesDown = Math.ceil(o.height / this.tile);
    const nTiles = this.tilesAcross * tilesDown;
    const dtype = o.dtype ?? 'float32';
    this.bytes = bytesPerSample(dtype);
    const tileBytes = this.tile * this.tile * this.bytes;
    const entries: Entry[] = [
      { tag: 256, type: LONG, values: [o.width] },
      { tag: 257, type: LONG, values: [o.height] },
      { tag: 258, type: SHORT, values: [8 * this.bytes] },
      { tag: 259, type: SHORT, values: [1] },
      { tag: 262, type: SHORT, values: [1] },
      { tag: 277, type: SHORT, values: [1] },
      { tag: 284, type: SHORT, values: [1] },
      { tag: 305, type: ASCII, values: 'sarwatch synth' },
      { tag: 322, type: LONG, values: [this.tile] },
      { tag: 323, type: LONG, values: [this.tile] },
      { tag: 324, type: LONG, values: new Array(nTiles).fill(0) },
      { tag: 325, type: LONG, values: new Array(nTiles).fill(tileBytes) },
      { tag: 339, type: SHORT, values: [SAMPLE_FORMAT[dtype]] },
    ];
    if (o.georef) {
      const [a, b, , d, , f] = o.georef.transform;
      entries.push({ tag: 33550, type: DOUBLE, values: [b, -f, 0] });
      entries.push({ tag: 33922, type: DOUBLE, values: [0, 0, 0, a, d, 0] });
      const keys = o.georef.geographic
        ? [1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, o.georef.epsg ?? 4326]
        : [1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, o.georef.epsg ?? 32767];
      entries.push({ tag: 34735, type: SHORT, values: [1, 1, 0, keys.length / 4, ...keys] });
    }
    if (o.nodata !== null && o.nodata !== undefined) entries.push({ tag: 42113, type: ASCII, values: String(o.nodata) });

    // Layout: header | IFD | out-of-line tag values | tiles.
    const ifdStart = 8;
    const ifdSize = 2 + entries.length * 12 + 4;
    let extra = ifdStart + ifdSize;
    const extraOffsets = new Map<number, number>();
    for (const e of entries) {
      const bytes = this.byteLength(e);
      if (bytes > 4) {
        extra += extra % 2; // word alignment
        extraOffsets.set(e.tag, extra);
        extra += bytes;
      }
    }
    this.dataStart = Math.ceil(extra / 16) * 16;
    const total = this.dataStart + nTiles * tileBytes;
    if (total > 0xffffffff) {
      throw new SarwatchError('E_ARG_RANGE', `a ${o.width} × ${o.height} ${dtype} GeoTIFF needs ${(total / 2 ** 30).toFixed(1)} GiB; classic TIFF stops at 4 GiB`, {
        file: path,
      });
    }
    (entries.find((e) => e.tag === 324)!.values as number[]).forEach((_, i, arr) => (arr[i] = this.dataStart + i * tileBytes));

    const head = Buffer.alloc(this.dataStart);
    head.write('II', 0, 'latin1');
    head.writeUInt16LE(42, 2);
    head.writeUInt32LE(ifdStart, 4);
    head.writeUInt16LE(entries.length, ifdStart);
    entries.forEach((e, i) => {
      const p = ifdStart + 2 + i * 12;
      const count = typeof e.values === 'string' ? e.values.length + 1 : e.values.length;
      head.writeUInt16LE(e.tag, p);
      head.writeUInt16LE(e.type, p + 2);
      head.writeUInt32LE(count, p + 4);
      const at = extraOffsets.get(e.tag);
      if (at !== undefined) head.writeUInt32LE(at, p + 8);
      this.writeValues(head, at ?? p + 8, e);
    });
    head.writeUInt32LE(0, ifdStart + 2 + entries.length * 12);

    this.fd = openSync(`${path}.partial`, 'w');
    writeSync(this.fd, head, 0, head.length, 0);
    this.tileBuf = allocRaster(dtype, this.tile * this.tile);
  }

  private byteLength(e: Entry): number {
    return typeof e.values === 'string' ? e.values.length + 1 : e.values.length * typeSize(e.type);
  }

  private writeValues(buf: Buffer, at: number, e: Entry): void {
    if (typeof e.values === 'string') {
      buf.write(e.values + '\0', at, 'latin1');
      return;
    }
    e.values.forEach((v, i) => {
      if (e.type === SHORT) buf.writeUInt16LE(v, at + i * 2);
      else if (e.type === LONG) buf.writeUInt32LE(v, at + i * 4);
      else buf.writeDoubleLE(v, at + i * 8);
    });
  }

  /** Write rows [y0, y1): one tile row (the last may be shorter), in order. */
  writeRows(y0: number, y1: number, data: RasterArray): void {
    if (y0 !== this.nextRow || y0 % this.tile !== 0 || (y1 - y0 !== this.tile && y1 !== this.height)) {
      throw new RangeError(`writeRows(${y0}, ${y1}) must follow row ${this.nextRow} one tile row at a time`);
    }
    const T = this.tile;
    const ty = y0 / T;
    const buf = this.tileBuf;
    for (let tx = 0; tx < this.tilesAcross; tx++) {
      const x0 = tx * T;
      const w = Math.min(T, this.width - x0);
      if (w < T || y1 - y0 < T) buf.fill(this.nodata);
      for (let r = 0; r < y1 - y0; r++) (buf as Float32Array).set((data as Float32Array).subarray(r * this.width + x0, r * this.width + x0 + w), r * T);
      const n = T * T * this.bytes;
      const offset = this.dataStart + (ty * this.tilesAcross + tx) * n;
      writeSync(this.fd, new Uint8Array(buf.buffer, 0, n), 0, n, offset);
    }
    this.nextRow = y1;
  }

  close(): void {
    closeSync(this.fd);
    if (this.nextRow !== this.height) {
      rmSync(`${this.path}.partial`, { force: true });
      throw new RangeError(`closed after ${this.nextRow} of ${this.height} rows`);
    }
    renameSync(`${this.path}.partial`, this.path);
  }

  /** Close and delete without publishing the file. */
  discard(): void {
    closeSync(this.fd);
    rmSync(`${this.path}.partial`, { force: true });
  }
}
