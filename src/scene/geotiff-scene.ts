/**
 * GeoTIFF scenes on the `geotiff` package: it parses the header and decodes
 * each tile or strip (every compression and predictor it knows); this module
 * checks the file up front and assembles full-width row bands from decoded
 * blocks, keeping one block row per band in memory.
 */
import { closeSync, openSync, promises as fsp, readSync } from 'node:fs';
import path from 'node:path';
import { fromFile, getDecoder, type GeoTIFFImage } from 'geotiff';
import g2p from 'geotiff-geokeys-to-proj4';
import { SarwatchError } from '../errors.js';
import { Georef, type GeoTransform } from './georef.js';
import { checkSceneSize } from './limits.js';
import { allocRaster, bytesPerSample, type Band, type RasterArray, type RowSegment, type SampleType, type Scene, type SceneInfo } from './types.js';

type Decoder = Awaited<ReturnType<typeof getDecoder>>;

interface BlockRow {
  index: number;
  /** Decoded blocks of this block row, one per block column (all samples interleaved when planar = 1). */
  blocks: RasterArray[];
}

function sampleType(file: string, format: number, bits: number): SampleType {
  if (format === 1 && bits === 8) return 'uint8';
  if (format === 2 && bits === 16) return 'int16';
  if (format === 1 && bits === 16) return 'uint16';
  if (format === 3 && bits === 32) return 'float32';
  if (format === 3 && bits === 64) return 'float64';
  const kind = format === 1 ? 'unsigned' : format === 2 ? 'signed' : format === 3 ? 'float' : `format ${format}`;
  throw new SarwatchError(
    'E_SCENE_DTYPE',
    `samples are ${kind} ${bits}-bit; sarwatch reads uint8, int16, uint16, float32 and float64`,
    { file },
  );
}

function viewAs(t: SampleType, buf: ArrayBufferLike, littleEndian: boolean): RasterArray {
  if (!littleEndian && t !== 'uint8') {
    // Big-endian files are rare; swap into a fresh buffer so typed views read them correctly.
    const bytes = new Uint8Array(buf);
    const w = t === 'int16' || t === 'uint16' ? 2 : t === 'float32' ? 4 : 8;
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += w) for (let k = 0; k < w; k++) out[i + k] = bytes[i + w - 1 - k];
    buf = out.buffer;
  }
  const n = (bytes: number) => Math.floor(buf.byteLength / bytes);
  switch (t) {
    case 'uint8':
      return new Uint8Array(buf);
    case 'int16':
      return new Int16Array(buf, 0, n(2));
    case 'uint16':
      return new Uint16Array(buf, 0, n(2));
    case 'float32':
      return new Float32Array(buf, 0, n(4));
    case 'float64':
      return new Float64Array(buf, 0, n(8));
  }
}

/** Default band names for a single file, by position and radiometry. */
function bandNames(spp: number, dtype: SampleType): string[] {
  if (dtype === 'uint8') return spp === 1 ? ['gray'] : ['R', 'G', 'B'].slice(0, spp);
  return ['VV', 'VH', 'bathymetry'].slice(0, spp);
}

export interface GeoTiffOptions {
  /** Force names for the file's bands (the xView3 folder reader names its single-band files). */
  names?: string[];
  radiometry?: Band['radiometry'];
}

export class GeoTiffScene implements Scene {
  readonly info: SceneInfo;
  private readonly image: GeoTIFFImage;
  private readonly decoder: Decoder;
  private readonly dtype: SampleType;
  private readonly spp: number;
  private readonly planar: number;
  private readonly blockW: number;
  private readonly blockH: number;
  private readonly blocksAcross: number;
  private readonly littleEndian: boolean;
  private readonly cache = new Map<number, BlockRow>();
  private readonly out = new Map<number, RasterArray>();
  private readonly close_: () => Promise<void>;
  /** Uncompressed little-endian files: block offsets and sizes for direct reads (else null). */
  private readonly raw: { fd: number; offsets: number[]; counts: number[] } | null;
  /** Reused block-row buffers of the fast path, one per sample plane. */
  private readonly rawBuffers = new Map<number, ArrayBuffer>();

  private constructor(
    info: SceneInfo,
    image: GeoTIFFImage,
    decoder: Decoder,
    dtype: SampleType,
    close: () => Promise<void>,
    raw: { fd: number; offsets: number[]; counts: number[] } | null,
  ) {
    this.info = info;
    this.image = image;
    this.decoder = decoder;
    this.dtype = dtype;
    this.spp = image.getSamplesPerPixel();
    this.planar = image.planarConfiguration;
    this.blockW = image.getTileWidth();
    this.blockH = image.getTileHeight();
    this.blocksAcross = Math.ceil(info.width / this.blockW);
    this.littleEndian = image.littleEndian;
    this.close_ = close;
    this.raw = raw;
  }

  static async open(file: string, opts: GeoTiffOptions = {}): Promise<GeoTiffScene> {
    const stat = await fsp.stat(file).catch(() => null);
    if (!stat || !stat.isFile()) throw new SarwatchError('E_SCENE_NOT_FOUND', 'no such file', { file });
    let tiff;
    let image: GeoTIFFImage;
    try {
      tiff = await fromFile(file);
      image = await tiff.getImage(0);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const truncated = /offset|bounds|range|length|beyond|end of/i.test(msg);
      throw new SarwatchError(
        truncated ? 'E_TIFF_TRUNCATED' : 'E_SCENE_FORMAT',
        truncated ? `TIFF header or directory is cut short (${msg})` : `not a readable TIFF (${msg})`,
        { file, cause: e },
      );
    }
    const width = image.getWidth();
    const height = image.getHeight();
    checkSceneSize(file, width, height);
    const spp = image.getSamplesPerPixel();
    if (spp < 1 || spp > 3) {
      throw new SarwatchError('E_SCENE_BAND_COUNT', `has ${spp} bands; a scene file holds 1–3 (VV[, VH[, bathymetry]])`, {
        file,
      });
    }
    const dtype = sampleType(file, image.getSampleFormat(0), image.getBitsPerSample(0));
    for (let s = 1; s < spp; s++) {
      if (sampleType(file, image.getSampleFormat(s), image.getBitsPerSample(s)) !== dtype) {
        throw new SarwatchError('E_SCENE_DTYPE', 'bands have different sample types', { file });
      }
    }
    const blocks = await checkBlocksInFile(file, image, stat.size);

    const nodata = image.getGDALNoData();
    const radiometry = opts.radiometry ?? (dtype === 'uint8' ? 'u8' : dtype === 'float32' || dtype === 'float64' ? 'db' : 'dn');
    const names = opts.names ?? bandNames(spp, dtype);
    const bands: Band[] = names.map((name) => ({
      name,
      dtype,
      radiometry: name === 'bathymetry' ? 'bathymetry' : radiometry,
      nodata,
      file,
    }));
    const info: SceneInfo = {
      id: path.basename(file).replace(/\.(tiff?|TIFF?)$/, ''),
      path: file,
      format: 'geotiff',
      width,
      height,
      bands,
      georef: georefOf(file, image),
    };
    const decoder = await decoderFor(file, image);
    const t = tiff;
    // Fast path: uncompressed little-endian blocks are read straight into typed arrays.
    const compression = (image.getFileDirectory().getValue('Compression') as number | undefined) || 1;
    const raw = compression === 1 && image.littleEndian ? { fd: openSync(file, 'r'), ...blocks } : null;
    return new GeoTiffScene(info, image, decoder, dtype, async () => {
      if (raw) closeSync(raw.fd);
      await (t as unknown as { close?: () => Promise<void> }).close?.();
    }, raw);
  }

  async readRows(band: number, y0: number, y1: number): Promise<RasterArray> {
    const { width } = this.info;
    if (band < 0 || band >= this.info.bands.length || y0 < 0 || y1 > this.info.height || y1 <= y0) {
      throw new RangeError(`readRows(${band}, ${y0}, ${y1}) outside ${width} × ${this.info.height} × ${this.info.bands.length}`);
    }
    const n = (y1 - y0) * width;
    let out = this.out.get(band);
    if (!out || out.length < n) {
      out = allocRaster(this.dtype, n);
      this.out.set(band, out);
    }
    const dst = out.subarray(0, n) as RasterArray;
    const firstBlock = Math.floor(y0 / this.blockH);
    const lastBlock = Math.floor((y1 - 1) / this.blockH);
    for (let by = firstBlock; by <= lastBlock; by++) {
      const row = await this.blockRow(band, by);
      const r0 = Math.max(y0, by * this.blockH);
      const r1 = Math.min(y1, (by + 1) * this.blockH);
      this.copyRows(row, band, r0, r1, y0, dst);
    }
    return dst;
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.out.clear();
    await this.close_();
  }

  /** Which decoded sample plane holds `band`, and the cache key for it. */
  private plane(band: number): number {
    return this.planar === 2 ? band : 0;
  }

  private async blockRow(band: number, by: number): Promise<BlockRow> {
    const key = this.plane(band);
    const hit = this.cache.get(key);
    if (hit && hit.index === by) return hit;
    if (this.raw) {
      const row = { index: by, blocks: this.readRawBlockRow(key, by) };
      this.cache.set(key, row);
      return row;
    }
    const blocks: RasterArray[] = [];
    for (let bx = 0; bx < this.blocksAcross; bx++) {
      try {
        const { data } = await this.image.getTileOrStrip(bx, by, key, this.decoder);
        blocks.push(viewAs(this.dtype, data, this.littleEndian));
      } catch (e) {
        throw new SarwatchError('E_TIFF_TRUNCATED', `block (${bx}, ${by}) cannot be decoded: ${(e as Error).message}`, {
          file: this.info.bands[band].file,
          cause: e,
        });
      }
    }
    const row = { index: by, blocks };
    this.cache.set(key, row);
    return row;
  }

  /** One pread for the block row when its blocks are contiguous in the file, else one per block. */
  private readRawBlockRow(sample: number, by: number): RasterArray[] {
    const { fd, offsets, counts } = this.raw!;
    const blocksDown = Math.ceil(this.info.height / this.blockH);
    const first = (this.planar === 2 ? sample * blocksDown * this.blocksAcross : 0) + by * this.blocksAcross;
    const idx = Array.from({ length: this.blocksAcross }, (_, i) => first + i);
    const contiguous = idx.every((k, i) => i === 0 || offsets[k] === offsets[k - 1] + counts[k - 1]);
    const read = (pos: number, bytes: number): ArrayBuffer => {
      let ab = this.rawBuffers.get(sample);
      if (!ab || ab.byteLength < bytes) {
        ab = new ArrayBuffer(bytes);
        this.rawBuffers.set(sample, ab);
      }
      const u8 = new Uint8Array(ab, 0, bytes);
      let got = 0;
      while (got < bytes) {
        const n = readSync(fd, u8, got, bytes - got, pos + got);
        if (n <= 0) throw new SarwatchError('E_TIFF_TRUNCATED', `block row ${by} ends early at byte ${pos + got}`, { file: this.info.path });
        got += n;
      }
      return ab;
    };
    const bytes = bytesPerSample(this.dtype);
    const view = (ab: ArrayBuffer, at: number, count: number): RasterArray => {
      const n = count / bytes;
      switch (this.dtype) {
        case 'uint8':
          return new Uint8Array(ab, at, n);
        case 'int16':
          return new Int16Array(ab, at, n);
        case 'uint16':
          return new Uint16Array(ab, at, n);
        case 'float32':
          return new Float32Array(ab, at, n);
        case 'float64':
          return new Float64Array(ab, at, n);
      }
    };
    if (contiguous) {
      const all = read(offsets[idx[0]], idx.reduce((s, k) => s + counts[k], 0));
      let at = 0;
      return idx.map((k) => {
        const v = view(all, at, counts[k]);
        at += counts[k];
        return v;
      });
    }
    // Blocks scattered in the file: one read each, into fresh buffers (rare: most writers lay rows out in order).
    return idx.map((k) => {
      this.rawBuffers.delete(sample);
      return view(read(offsets[k], counts[k]), 0, counts[k]);
    });
  }

  /** Block rows visited in place (one sample per pixel: planar files or single-band chunky files). */
  async forEachSegment(band: number, y0: number, y1: number, visit: (seg: RowSegment) => void): Promise<void> {
    const { width } = this.info;
    if (band < 0 || band >= this.info.bands.length || y0 < 0 || y1 > this.info.height || y1 <= y0) {
      throw new RangeError(`forEachSegment(${band}, ${y0}, ${y1}) outside ${width} × ${this.info.height} × ${this.info.bands.length}`);
    }
    if (this.planar !== 2 && this.spp !== 1) {
      // Interleaved samples: assemble the band's rows, then visit them as one segment.
      visit({ src: await this.readRows(band, y0, y1), offset: 0, stride: width, w: width, rows: y1 - y0, x0: 0, y0 });
      return;
    }
    const bw = this.blockW;
    for (let by = Math.floor(y0 / this.blockH); by <= Math.floor((y1 - 1) / this.blockH); by++) {
      const row = await this.blockRow(band, by);
      const r0 = Math.max(y0, by * this.blockH);
      const r1 = Math.min(y1, (by + 1) * this.blockH);
      for (let bx = 0; bx < this.blocksAcross; bx++) {
        const x0 = bx * bw;
        visit({ src: row.blocks[bx], offset: (r0 - by * this.blockH) * bw, stride: bw, w: Math.min(bw, width - x0), rows: r1 - r0, x0, y0: r0 });
      }
    }
  }

  private copyRows(row: BlockRow, band: number, r0: number, r1: number, y0: number, dst: RasterArray): void {
    const { width } = this.info;
    const bw = this.blockW;
    const stride = this.planar === 2 ? 1 : this.spp;
    const sampleOffset = this.planar === 2 ? 0 : band;
    for (let bx = 0; bx < this.blocksAcross; bx++) {
      const src = row.blocks[bx];
      const x0 = bx * bw;
      const w = Math.min(bw, width - x0);
      for (let r = r0; r < r1; r++) {
        const srcRow = (r - row.index * this.blockH) * bw * stride;
        const dstRow = (r - y0) * width + x0;
        if (stride === 1) {
          (dst as Float32Array).set((src as Float32Array).subarray(srcRow, srcRow + w), dstRow);
        } else {
          for (let x = 0; x < w; x++) dst[dstRow + x] = src[srcRow + x * stride + sampleOffset];
        }
      }
    }
  }
}

/**
 * geotiff's decoder for the file's compression, with the block parameters its
 * default decoders take (the package does not export its own parameter helper).
 */
async function decoderFor(file: string, image: GeoTIFFImage): Promise<Decoder> {
  const fd = image.getFileDirectory();
  const compression = (fd.getValue('Compression') as number | undefined) || 1;
  const tiled = fd.hasTag('TileOffsets');
  const params = {
    tileWidth: image.getTileWidth(),
    tileHeight: tiled ? image.getTileHeight() : ((await fd.loadValue('RowsPerStrip')) ?? image.getHeight()),
    planarConfiguration: (await fd.loadValue('PlanarConfiguration')) ?? 1,
    bitsPerSample: await fd.loadValue('BitsPerSample'),
    predictor: ((await fd.loadValue('Predictor')) as number | undefined) || 1,
  };
  try {
    return await getDecoder(compression, params as Parameters<typeof getDecoder>[1]);
  } catch (e) {
    throw new SarwatchError('E_TIFF_UNSUPPORTED', `TIFF compression ${compression} is not supported (${(e as Error).message})`, {
      file,
      cause: e,
    });
  }
}

/** Every tile or strip must lie inside the file; a cut-short file is refused before any output exists. */
async function checkBlocksInFile(file: string, image: GeoTIFFImage, fileSize: number): Promise<{ offsets: number[]; counts: number[] }> {
  const fd = image.getFileDirectory();
  const tiled = fd.hasTag('TileOffsets');
  const offsets = (await fd.loadValue(tiled ? 'TileOffsets' : 'StripOffsets')) as ArrayLike<number | bigint> | undefined;
  const counts = (await fd.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts')) as ArrayLike<number | bigint> | undefined;
  if (!offsets || !counts || offsets.length !== counts.length) {
    throw new SarwatchError('E_SCENE_FORMAT', 'TIFF has no valid tile or strip offsets', { file });
  }
  let worst = 0;
  let bad = 0;
  for (let i = 0; i < offsets.length; i++) {
    const end = Number(offsets[i]) + Number(counts[i]);
    if (Number(counts[i]) > 0 && end > fileSize) {
      bad++;
      worst = Math.max(worst, end);
    }
  }
  if (bad) {
    throw new SarwatchError(
      'E_TIFF_TRUNCATED',
      `file is truncated: ${bad} of ${offsets.length} ${tiled ? 'tiles' : 'strips'} extend past its end ` +
        `(${fileSize} bytes on disk, data needs ${worst})`,
      { file },
    );
  }
  return { offsets: Array.from(offsets, Number), counts: Array.from(counts, Number) };
}

function georefOf(file: string, image: GeoTIFFImage): Georef | null {
  const fd = image.getFileDirectory();
  const hasTransform = fd.hasTag('ModelPixelScale') || fd.hasTag('ModelTransformation');
  const keys = image.getGeoKeys();
  if (!hasTransform || !keys) return null;
  let transform: GeoTransform;
  try {
    const mt = fd.getValue('ModelTransformation') as number[] | undefined;
    if (mt && mt.length >= 8) {
      transform = [mt[3], mt[0], mt[1], mt[7], mt[4], mt[5]];
    } else {
      const [ox, oy] = image.getOrigin();
      const [rx, ry] = image.getResolution();
      transform = [ox, rx, 0, oy, 0, ry];
    }
  } catch (e) {
    throw new SarwatchError('E_GEOREF', `geotransform is unusable (${(e as Error).message})`, { file, cause: e });
  }
  const p = g2p.toProj4(keys as Parameters<typeof g2p.toProj4>[0]);
  if (p.isGCS) {
    return new Georef({ transform, proj4: p.proj4, geographic: true, epsg: keys.GeographicTypeGeoKey ?? null });
  }
  if (p.coordinatesUnits !== 'metre') {
    throw new SarwatchError('E_GEOREF', `projected CRS in ${p.coordinatesUnits}; sarwatch needs metres or degrees`, { file });
  }
  const cx = p.coordinatesConversionParameters.x;
  const cy = p.coordinatesConversionParameters.y;
  if (cx !== 1 || cy !== 1) {
    transform = [transform[0] * cx, transform[1] * cx, transform[2] * cx, transform[3] * cy, transform[4] * cy, transform[5] * cy];
  }
  return new Georef({ transform, proj4: p.proj4, geographic: false, epsg: keys.ProjectedCSTypeGeoKey ?? null });
}
