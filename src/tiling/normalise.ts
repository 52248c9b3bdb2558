/**
 * Scene samples → the model's 8-bit input channels, following the model's input spec.
 *
 * SAR dB is clipped to [lo, hi] (−50…20 dB in the reference design) and mapped
 * linearly onto 0–255, rounding half up. 8-bit pictures pass through. NODATA
 * becomes 0 and is counted; NaN or ±Inf that is not the declared NODATA is
 * corrupt input and refused, naming the file and the pixel.
 */
import { SarwatchError } from '../errors.js';
import { native } from '../native.js';
import type { InputSpec } from '../model/model-info.js';
import type { Band, RasterArray, RowSegment, SceneInfo } from '../scene/types.js';

/** Sentinel-1 IW GRD: sigma0 ≈ DN² / A², with A ≈ 10^(53.5/20) for typical products. */
export const DEFAULT_DN_CALIBRATION_DB = 53.5;
export const DEFAULT_DB_RANGE: [number, number] = [-50, 20];

export interface ChannelSource {
  /** Scene band index feeding this channel. */
  band: number;
  /** Linear map: u8 = round((v − lo) · 255 / (hi − lo)) clipped; `null` = take 8-bit samples as they are. */
  lo: number;
  hi: number;
  passthrough: boolean;
  /** Convert Sentinel-1 digital numbers to dB first. */
  dnToDb: boolean;
}

function findBand(bands: Band[], name: string): number {
  return bands.findIndex((b) => b.name.toLowerCase() === name.toLowerCase());
}

/** Which scene band feeds each model channel, and how. */
export function channelSources(scene: SceneInfo, spec: InputSpec): ChannelSource[] {
  const bands = scene.bands;
  const n = spec.kind === 'sar_db' ? spec.channels.length : spec.channels;
  const out: ChannelSource[] = [];
  for (let c = 0; c < n; c++) {
    let band: number;
    let lo = DEFAULT_DB_RANGE[0];
    let hi = DEFAULT_DB_RANGE[1];
    if (spec.kind === 'sar_db') {
      const want = spec.channels[c];
      ({ lo, hi } = want);
      band = findBand(bands, want.band);
      if (band < 0) {
        // A single-band scene (one polarisation, or a picture) feeds every channel;
        // otherwise take bands in order (VV, VH, bathymetry).
        band = bands.length === 1 ? 0 : c < bands.length ? c : -1;
      }
      if (band < 0) {
        throw new SarwatchError(
          'E_SCENE_BAND_COUNT',
          `model channel ${c} needs band ${want.band}; scene has ${bands.map((b) => b.name).join(', ')}`,
          { file: scene.path },
        );
      }
      if (bands[band].radiometry === 'bathymetry' && want.band !== 'bathymetry') {
        throw new SarwatchError('E_SCENE_BAND_COUNT', `model channel ${c} (${want.band}) would read bathymetry`, { file: scene.path });
      }
    } else {
      band = c < bands.length ? c : 0;
    }
    const b = bands[band];
    out.push({ band, lo, hi, passthrough: b.radiometry === 'u8', dnToDb: b.radiometry === 'dn' });
  }
  return out;
}

/**
 * Normalise `n` samples of `src` into `dst` (u8) and OR the NODATA mask into `mask` (1 = NODATA).
 * Returns the number of NODATA samples. `y0` is only used to name the bad pixel in errors.
 */
export function normaliseRows(
  src: RasterArray,
  band: Band,
  ch: ChannelSource,
  dst: Uint8Array,
  mask: Uint8Array,
  width: number,
  y0: number,
  dnCalibrationDb = DEFAULT_DN_CALIBRATION_DB,
): number {
  // The loop itself is native (native/src/tiling/normalise.cc): the tiler's hot path.
  const [nodata, bad] = native().normaliseRows(src, dst, mask, ch.lo, ch.hi, band.nodata, ch.passthrough, ch.dnToDb, dnCalibrationDb);
  if (bad >= 0) {
    throw new SarwatchError(
      'E_SCENE_NONFINITE',
      `band ${band.name} has a non-finite sample (${src[bad]}) at row ${y0 + Math.floor(bad / width)}, column ${bad % width}` +
        (band.nodata === null ? ' and declares no NODATA value' : ` (NODATA is ${band.nodata})`),
      { file: band.file },
    );
  }
  return nodata;
}

/**
 * normaliseRows over a segment of a block-stored band, written straight into
 * rows of `dst`/`mask` (row stride `width`, first row `dstY0`): no assembled
 * copy of the rows in between. Returns the NODATA count.
 */
export function normaliseSegment(
  seg: RowSegment,
  band: Band,
  ch: ChannelSource,
  dst: Uint8Array,
  mask: Uint8Array,
  width: number,
  dstY0: number,
  dnCalibrationDb = DEFAULT_DN_CALIBRATION_DB,
): number {
  const at = (seg.y0 - dstY0) * width + seg.x0;
  const [nodata, bad] = native().normaliseRows(seg.src, dst.subarray(at), mask.subarray(at), ch.lo, ch.hi, band.nodata, ch.passthrough, ch.dnToDb, dnCalibrationDb, [
    seg.offset,
    seg.stride,
    seg.w,
    seg.rows,
    width,
  ]);
  if (bad >= 0) {
    const rel = bad - seg.offset;
    throw new SarwatchError(
      'E_SCENE_NONFINITE',
      `band ${band.name} has a non-finite sample (${seg.src[bad]}) at row ${seg.y0 + Math.floor(rel / seg.stride)}, column ${seg.x0 + (rel % seg.stride)}` +
        (band.nodata === null ? ' and declares no NODATA value' : ` (NODATA is ${band.nodata})`),
      { file: band.file },
    );
  }
  return nodata;
}
