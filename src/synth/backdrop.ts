/**
 * The synthetic scene's backdrop: sea clutter, land, coastline, NODATA borders
 * and bathymetry, as functions of the pixel position.
 *
 * Sea: mean σ0 from a simple CMOD-like fit in incidence angle θ and wind speed
 * U (VV ≈ −13 dB at θ = 30°, U = 7 m/s, −0.33 dB per degree, σ0 ∝ U^1.6), VH
 * 9 dB below VV on top of a −26 dB noise floor (NESZ). The wind varies over
 * tens of km. Intensity is K-distributed: a spatially correlated Gamma texture
 * (ν = 10, ~240 m) times 4-look Gamma speckle, about the ENL of IW GRDH.
 * Land: brighter and patchy (fields, towns), 7 dB lower in VH.
 */
import { Rng, SmoothField } from './rng.js';

export type CoastSide = 'left' | 'right' | 'top' | 'bottom';

export interface BackdropConfig {
  width: number;
  height: number;
  pixelM: number;
  windMs: number;
  /** Incidence angle at the first and last column, degrees. */
  incidence: [number, number];
  /** Where the land is, and how far the mean coastline sits from that edge in px (negative: outside the scene). */
  coastSide: CoastSide;
  coastOffsetPx: number;
  nodataBorder: boolean;
}

export const NESZ_DB = -26;
export const ENL = 4;

export class Backdrop {
  readonly cfg: BackdropConfig;
  private readonly wind: SmoothField;
  private readonly texture: SmoothField;
  private readonly landCover: SmoothField;
  private readonly coastTerms: { amp: number; freq: number; phase: number }[];
  private readonly nodataLeft: [number, number];
  private readonly nodataRight: [number, number];
  private readonly thetaByCol: Float32Array;
  /** coastAt(a) for every along-coast position inside the scene (the per-pixel hot path). */
  private readonly coastTable: Float32Array;

  constructor(cfg: BackdropConfig, rng: Rng) {
    this.cfg = cfg;
    const { width: W, height: H } = cfg;
    this.wind = new SmoothField(rng, W, H, 1500, (r) => 1 + 0.25 * (r.uniform() * 2 - 1));
    this.texture = new SmoothField(rng, W, H, 24, (r) => r.gammaMean1(10));
    this.landCover = new SmoothField(rng, W, H, 60, (r) => r.normal());
    // A fractal-ish coastline: sines with amplitude ∝ 1/frequency.
    this.coastTerms = [];
    for (let i = 0; i < 8; i++) {
      const wavelength = 6000 / Math.pow(2, i) + rng.range(0, 200);
      this.coastTerms.push({ amp: (wavelength / 12) * rng.range(0.5, 1), freq: (2 * Math.PI) / wavelength, phase: rng.range(0, 2 * Math.PI) });
    }
    const wedge = () => [rng.range(0, 0.03) * W, rng.range(0, 0.04) * W] as [number, number];
    this.nodataLeft = cfg.nodataBorder ? wedge() : [-1, 0];
    this.nodataRight = cfg.nodataBorder ? wedge() : [-1, 0];
    this.thetaByCol = new Float32Array(W);
    const [t0, t1] = cfg.incidence;
    for (let x = 0; x < W; x++) this.thetaByCol[x] = t0 + ((t1 - t0) * x) / Math.max(1, W - 1);
    const along = cfg.coastSide === 'left' || cfg.coastSide === 'right' ? H : W;
    this.coastTable = new Float32Array(along);
    for (let a = 0; a < along; a++) this.coastTable[a] = this.coastAt(a);
  }

  /** Coastline position across the coast for along-coast coordinate a (px from the land edge). */
  private coastAt(a: number): number {
    let c = this.cfg.coastOffsetPx;
    for (const t of this.coastTerms) c += t.amp * Math.sin(t.freq * a + t.phase);
    return c;
  }

  /** Along-coast and across-coast coordinates; across is 0 at the coast edge of the scene. */
  private axes(x: number, y: number): [number, number] {
    const { width: W, height: H, coastSide } = this.cfg;
    switch (coastSide) {
      case 'left':
        return [y, x];
      case 'right':
        return [y, W - 1 - x];
      case 'top':
        return [x, y];
      case 'bottom':
        return [x, H - 1 - y];
    }
  }

  /** Signed distance-like offset from the coastline in px: > 0 at sea, < 0 on land. */
  seaward(x: number, y: number): number {
    const [a, c] = this.axes(x, y);
    const ai = Math.round(a);
    return c - (ai >= 0 && ai < this.coastTable.length ? this.coastTable[ai] : this.coastAt(a));
  }

  /**
   * One row's land mask and mean σ0 (linear, VV and VH; sea σ0 before texture),
   * for the renderer's hot loop. σ0 varies over hundreds of pixels, so it is
   * evaluated every 8 px and held.
   */
  rowSigma(y: number, land: Uint8Array, svv: Float32Array, svh: Float32Array): void {
    const W = this.cfg.width;
    for (let x = 0; x < W; x++) land[x] = this.seaward(x, y) < 0 ? 1 : 0;
    let lvv = 0;
    let lvh = 0;
    let mvv = 0;
    let mvh = 0;
    for (let x = 0; x < W; x++) {
      if ((x & 7) === 0) {
        [mvv, mvh] = this.seaSigma(x, y);
        [lvv, lvh] = this.landSigma(x, y);
      }
      svv[x] = land[x] ? lvv : mvv;
      svh[x] = land[x] ? lvh : mvh;
    }
  }

  /** Coastline points (scene px, may lie just outside the scene) every `step` px along the coast. */
  coastline(step: number, marginPx: number): { row: number; col: number }[] {
    const { width: W, height: H, coastSide } = this.cfg;
    const along = coastSide === 'left' || coastSide === 'right' ? H : W;
    const pts: { row: number; col: number }[] = [];
    for (let a = 0; a < along; a += step) {
      const c = this.coastAt(a);
      let x: number;
      let y: number;
      if (coastSide === 'left') [x, y] = [c, a];
      else if (coastSide === 'right') [x, y] = [W - 1 - c, a];
      else if (coastSide === 'top') [x, y] = [a, c];
      else [x, y] = [a, H - 1 - c];
      if (x >= -marginPx && y >= -marginPx && x < W + marginPx && y < H + marginPx) pts.push({ row: y, col: x });
    }
    return pts;
  }

  isLand(x: number, y: number): boolean {
    return this.seaward(x, y) < 0;
  }

  /** Distance to the shore in km, found along the coastline (not only across it). */
  distanceToShoreKm(x: number, y: number): number {
    const [a, c] = this.axes(x, y);
    const across = Math.abs(c - this.coastAt(a));
    let best = across;
    const step = 4;
    for (let da = step; da < best; da += step) {
      for (const s of [-1, 1]) {
        const d = Math.hypot(da, c - this.coastAt(a + s * da));
        if (d < best) best = d;
      }
    }
    return (best * this.cfg.pixelM) / 1000;
  }

  isNodata(x: number, y: number): boolean {
    const { width: W, height: H } = this.cfg;
    const t = y / H;
    return x < this.nodataLeft[0] + this.nodataLeft[1] * t || W - 1 - x < this.nodataRight[0] + this.nodataRight[1] * (1 - t);
  }

  /** Mean sea σ0 (linear) for VV and VH at a pixel. */
  seaSigma(x: number, y: number): [number, number] {
    const theta = this.thetaByCol[x];
    const u = Math.max(1, this.cfg.windMs * this.wind.at(x, y));
    const vvDb = -13 - 0.33 * (theta - 30) + 16 * Math.log10(u / 7);
    return [Math.pow(10, vvDb / 10), Math.pow(10, (vvDb - 9) / 10)];
  }

  landSigma(x: number, y: number): [number, number] {
    const vvDb = -8 + 3.5 * this.landCover.at(x, y);
    return [Math.pow(10, vvDb / 10), Math.pow(10, (vvDb - 7) / 10)];
  }

  textureAt(x: number, y: number): number {
    return this.texture.at(x, y);
  }

  /** Depth below sea level (negative) at sea, elevation (positive) on land, metres. */
  bathymetry(x: number, y: number): number {
    const s = (this.seaward(x, y) * this.cfg.pixelM) / 1000; // km from the coast
    const jitter = 1 + 0.2 * this.landCover.at(x, y);
    return s >= 0 ? -Math.min(4000, (5 + 25 * s) * jitter) : Math.min(800, (2 - 15 * s) * jitter);
  }
}
