/**
 * quicklook.png: the scene's first channel point-sampled to at most 2048 px a
 * side as rows stream past, with detections drawn at the end (red vessel,
 * orange fishing, cyan non-vessel, yellow other), NODATA in dark blue.
 */
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { SceneDetection } from '../detection.js';

const MAX_SIDE = 2048;
const COLOURS: Record<string, [number, number, number]> = {
  vessel: [255, 40, 40],
  fishing: [255, 160, 0],
  non_vessel: [0, 220, 255],
};

export class QuicklookSink {
  readonly factor: number;
  readonly width: number;
  readonly height: number;
  private readonly grey: Uint8Array;
  private readonly nodata: Uint8Array;
  private readonly sceneWidth: number;

  constructor(sceneWidth: number, sceneHeight: number) {
    this.factor = Math.max(1, Math.ceil(Math.max(sceneWidth, sceneHeight) / MAX_SIDE));
    this.width = Math.ceil(sceneWidth / this.factor);
    this.height = Math.ceil(sceneHeight / this.factor);
    this.sceneWidth = sceneWidth;
    this.grey = new Uint8Array(this.width * this.height);
    this.nodata = new Uint8Array(this.width * this.height);
  }

  /** Rows [y0, y1) of normalised channel 0 and the NODATA mask. */
  addRows(y0: number, y1: number, plane: Uint8Array, mask: Uint8Array): void {
    const f = this.factor;
    for (let y = Math.ceil(y0 / f) * f; y < y1; y += f) {
      const src = (y - y0) * this.sceneWidth;
      const dst = (y / f) * this.width;
      for (let x = 0, ox = 0; x < this.sceneWidth; x += f, ox++) {
        this.grey[dst + ox] = plane[src + x];
        this.nodata[dst + ox] = mask[src + x];
      }
    }
  }

  write(path: string, dets: SceneDetection[]): void {
    const png = new PNG({ width: this.width, height: this.height });
    const d = png.data;
    for (let i = 0; i < this.grey.length; i++) {
      const g = this.grey[i];
      const j = i * 4;
      if (this.nodata[i]) [d[j], d[j + 1], d[j + 2]] = [10, 20, 60];
      else d[j] = d[j + 1] = d[j + 2] = g;
      d[j + 3] = 255;
    }
    for (const det of dets) this.box(d, det, COLOURS[det.className] ?? [255, 255, 0]);
    writeFileSync(path, PNG.sync.write(png));
  }

  private box(d: Buffer, det: SceneDetection, rgb: [number, number, number]): void {
    const f = this.factor;
    const cx = (det.x1 + det.x2) / 2 / f;
    const cy = (det.y1 + det.y2) / 2 / f;
    const hw = Math.max(3, (det.x2 - det.x1) / f / 2 + 1);
    const hh = Math.max(3, (det.y2 - det.y1) / f / 2 + 1);
    const x0 = Math.round(cx - hw);
    const x1 = Math.round(cx + hw);
    const y0 = Math.round(cy - hh);
    const y1 = Math.round(cy + hh);
    const put = (x: number, y: number) => {
      if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
      const j = (y * this.width + x) * 4;
      [d[j], d[j + 1], d[j + 2]] = rgb;
    };
    for (let x = x0; x <= x1; x++) (put(x, y0), put(x, y1));
    for (let y = y0; y <= y1; y++) (put(x0, y), put(x1, y));
  }
}
