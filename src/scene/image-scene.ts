/**
 * Plain PNG/JPEG pictures as scenes (SSDD and other image datasets).
 *
 * They carry no georeference, so detections have no lat/lon. Such images are
 * small, so they are decoded whole, after the header's size has been checked.
 * `gray` mode reduces colour to luma with the same integer formula as Pillow's
 * `convert('L')`, which the training code uses, so training and runtime agree.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { SarwatchError } from '../errors.js';
import { checkSceneSize, MAX_IMAGE_PIXELS } from './limits.js';
import type { Band, RasterArray, Scene, SceneInfo } from './types.js';

export type ImageMode = 'gray' | 'rgb';

/** Width and height from a PNG IHDR or a JPEG SOF marker, without decoding. */
export function imageHeaderSize(buf: Buffer): { kind: 'png' | 'jpeg'; width: number; height: number } | null {
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47) {
    return { kind: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) return null;
      const marker = buf[i + 1];
      const len = buf.readUInt16BE(i + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { kind: 'jpeg', height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
      }
      i += 2 + len;
    }
    return { kind: 'jpeg', width: 0, height: 0 };
  }
  return null;
}

export class ImageScene implements Scene {
  readonly info: SceneInfo;
  private readonly planes: Uint8Array[];

  private constructor(info: SceneInfo, planes: Uint8Array[]) {
    this.info = info;
    this.planes = planes;
  }

  static async open(file: string, mode: ImageMode = 'gray'): Promise<ImageScene> {
    const buf = await fsp.readFile(file).catch(() => {
      throw new SarwatchError('E_SCENE_NOT_FOUND', 'no such file', { file });
    });
    const head = imageHeaderSize(buf);
    if (!head) throw new SarwatchError('E_SCENE_FORMAT', 'not a PNG or JPEG image', { file });
    checkSceneSize(file, head.width, head.height, MAX_IMAGE_PIXELS);
    let rgba: Uint8Array;
    let width: number;
    let height: number;
    try {
      if (head.kind === 'png') {
        const png = PNG.sync.read(buf);
        ({ width, height } = png);
        rgba = png.data;
      } else {
        const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
        ({ width, height } = img);
        rgba = img.data;
      }
    } catch (e) {
      throw new SarwatchError('E_SCENE_FORMAT', `${head.kind.toUpperCase()} cannot be decoded (${(e as Error).message})`, {
        file,
        cause: e,
      });
    }
    const n = width * height;
    const planes: Uint8Array[] = [];
    if (mode === 'gray') {
      const g = new Uint8Array(n);
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        g[i] = (rgba[j] * 19595 + rgba[j + 1] * 38470 + rgba[j + 2] * 7471 + 0x8000) >> 16;
      }
      planes.push(g);
    } else {
      for (let c = 0; c < 3; c++) {
        const p = new Uint8Array(n);
        for (let i = 0, j = c; i < n; i++, j += 4) p[i] = rgba[j];
        planes.push(p);
      }
    }
    const names = mode === 'gray' ? ['gray'] : ['R', 'G', 'B'];
    const bands: Band[] = names.map((name) => ({ name, dtype: 'uint8', radiometry: 'u8', nodata: null, file }));
    const info: SceneInfo = {
      id: path.basename(file).replace(/\.[^.]+$/, ''),
      path: file,
      format: 'image',
      width,
      height,
      bands,
      georef: null,
    };
    return new ImageScene(info, planes);
  }

  async readRows(band: number, y0: number, y1: number): Promise<RasterArray> {
    const w = this.info.width;
    return this.planes[band].subarray(y0 * w, y1 * w);
  }

  async close(): Promise<void> {}
}
