import { describe, expect, it } from 'vitest';
import { SAR_INPUT_SPEC } from '../../dist/src/model/model-info.js';
import { channelSources, normaliseRows } from '../../dist/src/tiling/normalise.js';
import type { Band, SceneInfo } from '../../dist/src/scene/types.js';

const band = (name: string, extra: Partial<Band> = {}): Band => ({ name, dtype: 'float32', radiometry: 'db', nodata: -32768, file: 'x.tif', ...extra });
const info = (bands: Band[]): SceneInfo => ({ id: 'x', path: 'x', format: 'geotiff', width: 4, height: 1, bands, georef: null });

describe('normalisation to the model input', () => {
  it('clips SAR dB to [−50, 20] and maps it linearly to 0–255, rounding half up', () => {
    const src = new Float32Array([-60, -50, -15, 20, 35, -32768, -49.863, 0]);
    const b = band('VV');
    const [ch] = channelSources(info([b, band('VH')]), SAR_INPUT_SPEC);
    const dst = new Uint8Array(8);
    const mask = new Uint8Array(8);
    const nd = normaliseRows(src, b, ch, dst, mask, 8, 0);
    // (−15 + 50) · 255/70 = 127.5 → 128; (−49.863 + 50) · 255/70 = 0.499 → 0; (0 + 50) · 255/70 = 182.14 → 182
    expect(Array.from(dst)).toEqual([0, 0, 128, 255, 255, 0, 0, 182]);
    expect(nd).toBe(1);
    expect(Array.from(mask)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('gives the float32 formula, sample for sample, over rows long enough for the vector pass', () => {
    // 10,007 samples: two full 4,096-sample blocks of the native fast pass and a ragged tail,
    // with NODATA, samples that land on a rounding boundary and values beyond both clips scattered through them.
    const n = 10_007;
    const src = new Float32Array(n);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const fscale = Math.fround(255 / 70);
    const foff = Math.fround(50 * (255 / 70) + 0.5);
    for (let i = 0; i < n; i++) {
      const k = i % 5;
      src[i] = k === 0 ? -32768 : k === 1 ? Math.fround((Math.floor(rand() * 256) - foff) / fscale) : -80 + rand() * 120;
    }
    const b = band('VV');
    const [ch] = channelSources(info([b, band('VH')]), SAR_INPUT_SPEC);
    const dst = new Uint8Array(n);
    const mask = new Uint8Array(n).fill(0).map((_, i) => (i % 11 === 0 ? 1 : 0));
    const before = mask.slice();
    const nd = normaliseRows(src, b, ch, dst, mask, n, 0);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const isNd = src[i] === -32768;
      const q = Math.min(255, Math.max(0, Math.fround(Math.fround(src[i] * fscale) + foff)));
      if (dst[i] !== (isNd ? 0 : Math.trunc(q)) || mask[i] !== (before[i] | (isNd ? 1 : 0))) wrong++;
    }
    expect(wrong).toBe(0);
    expect(nd).toBe(Math.ceil(n / 5));
  });

  it('feeds a single band to every channel and takes 8-bit pictures as they are', () => {
    const gray = band('gray', { dtype: 'uint8', radiometry: 'u8', nodata: null });
    const srcs = channelSources(info([gray]), SAR_INPUT_SPEC);
    expect(srcs.map((s) => [s.band, s.passthrough])).toEqual([[0, true], [0, true]]);
    const dst = new Uint8Array(3);
    normaliseRows(new Uint8Array([0, 77, 255]), gray, srcs[1], dst, new Uint8Array(3), 3, 0);
    expect(Array.from(dst)).toEqual([0, 77, 255]);
  });

  it('matches model channels to bands by name', () => {
    const srcs = channelSources(info([band('VH'), band('VV')]), SAR_INPUT_SPEC);
    expect(srcs.map((s) => s.band)).toEqual([1, 0]);
  });

  it('converts Sentinel-1 digital numbers to dB before scaling', () => {
    const dn = band('VV', { dtype: 'uint16', radiometry: 'dn', nodata: 0 });
    const [ch] = channelSources(info([dn]), SAR_INPUT_SPEC);
    const dst = new Uint8Array(2);
    // DN 100 → 20·log10(100) − 53.5 = −13.5 dB → (36.5 · 255/70) = 132.96 → 133
    normaliseRows(new Uint16Array([100, 0]), dn, ch, dst, new Uint8Array(2), 2, 0);
    expect(Array.from(dst)).toEqual([133, 0]);
  });

  it('refuses a non-finite sample that is not NODATA, naming the row and column', () => {
    const b = band('VV', { nodata: null });
    const [ch] = channelSources(info([b]), SAR_INPUT_SPEC);
    expect(() => normaliseRows(new Float32Array([1, 2, Infinity, 3]), b, ch, new Uint8Array(4), new Uint8Array(4), 2, 10)).toThrow(
      /non-finite sample \(Infinity\) at row 11, column 0/,
    );
  });
});
