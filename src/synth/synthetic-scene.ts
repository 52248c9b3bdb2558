/**
 * A seeded synthetic Sentinel-1 IW GRD scene (VV and VH in dB, 10 m pixels):
 * sea clutter, coastline and land, NODATA borders, bathymetry, and labelled
 * targets. It renders any band of rows on demand, in order, so a 30,000 ×
 * 30,000 scene streams to disk without ever being held in memory.
 */
import proj4 from 'proj4';
import { Georef, utmProj4, utmZoneOf } from '../scene/georef.js';
import { Backdrop, ENL, NESZ_DB, type CoastSide } from './backdrop.js';
import { Rng } from './rng.js';
import { drawTarget, makeTarget, type Target, type TargetKind } from './targets.js';

export const XVIEW3_NODATA = -32768;

export interface SynthOptions {
  width: number;
  height: number;
  seed: number;
  pixelM?: number;
  /** Scene centre, degrees. Default: the southern North Sea. */
  lon?: number;
  lat?: number;
  windMs?: number;
  incidence?: [number, number];
  /** 'none' puts the coast outside the scene; 'auto' picks a side and whether land is visible. */
  coast?: 'auto' | 'none' | CoastSide;
  nodataBorder?: boolean;
  /** Labelled targets (vessels, fishing vessels, structures); default from `density`. */
  targets?: number;
  /** Labelled targets per 100 km² of sea when `targets` is not given. */
  density?: number;
  /**
   * Extra vessels moored alongside the coast, as a share of the labelled
   * targets (default 0: every target lies at least 30 px out to sea, and the
   * bright points by the coast are unlabelled land clutter).
   */
  moored?: number;
}

export interface LabelRow {
  scene_id: string;
  detect_scene_row: number;
  detect_scene_column: number;
  detect_lat: number;
  detect_lon: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
  vessel_length_m: number | null;
  is_vessel: boolean;
  is_fishing: boolean | null;
  distance_from_shore_km: number;
  confidence: 'HIGH' | 'MEDIUM' | 'LOW';
  /** Class for training (not an xView3 column). */
  kind: TargetKind;
}

export class SyntheticScene {
  readonly width: number;
  readonly height: number;
  readonly pixelM: number;
  readonly seed: number;
  readonly backdrop: Backdrop;
  readonly targets: Target[];
  readonly georef: Georef;
  readonly windMs: number;
  private readonly speckle: Rng;
  private readonly byRow: Target[];

  constructor(o: SynthOptions) {
    this.width = o.width;
    this.height = o.height;
    this.seed = o.seed;
    this.pixelM = o.pixelM ?? 10;
    const rng = new Rng(o.seed);
    this.windMs = o.windMs ?? rng.range(3, 12);
    const near = rng.range(29, 40);
    const incidence = o.incidence ?? [near, Math.min(46, near + (o.width * this.pixelM) / 250_000 * 16)];
    let coastSide: CoastSide = rng.pick(['left', 'right', 'top', 'bottom'] as const);
    const across = coastSide === 'left' || coastSide === 'right' ? o.width : o.height;
    let coastOffsetPx: number;
    const coast = o.coast ?? 'auto';
    if (coast === 'none') coastOffsetPx = -rng.range(500, 3000);
    else {
      if (coast !== 'auto') coastSide = coast;
      coastOffsetPx = rng.uniform() < (coast === 'auto' ? 0.6 : 1) ? rng.range(0.05, 0.3) * across : -rng.range(200, 3000);
    }
    this.backdrop = new Backdrop(
      { width: o.width, height: o.height, pixelM: this.pixelM, windMs: this.windMs, incidence, coastSide, coastOffsetPx, nodataBorder: o.nodataBorder ?? true },
      rng,
    );
    this.georef = sceneGeoref(o.width, o.height, this.pixelM, o.lon ?? 3.2, o.lat ?? 51.8);
    this.targets = this.placeTargets(new Rng(o.seed ^ 0x5bd1e995), o);
    this.byRow = [...this.targets].sort((a, b) => a.extent.y0 - b.extent.y0);
    this.speckle = new Rng(o.seed ^ 0x1b873593);
  }

  private placeTargets(rng: Rng, o: SynthOptions): Target[] {
    const { width: W, height: H } = this;
    const seaKm2 = this.estimateSeaFraction(rng) * ((W * H * this.pixelM * this.pixelM) / 1e6);
    const count = o.targets ?? Math.round(((o.density ?? 4) * seaKm2) / 100);
    const targets: Target[] = [];
    const taken = new Set<number>();
    const cell = 24;
    const key = (x: number, y: number) => Math.floor(y / cell) * 100_000 + Math.floor(x / cell);
    const free = (x: number, y: number) => {
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (taken.has(key(x + dx * cell, y + dy * cell))) return false;
      return true;
    };
    const margin = 12;
    const okSea = (x: number, y: number) =>
      x >= margin && y >= margin && x < W - margin && y < H - margin && !this.backdrop.isNodata(x, y) && this.backdrop.seaward(x, y) > 30 && free(x, y);
    const place = (kind: TargetKind, x: number, y: number, extra: Parameters<typeof makeTarget>[6] = {}) => {
      taken.add(key(x, y));
      targets.push(makeTarget(targets.length, kind, x, y, rng, this.backdrop, extra));
    };
    /** A random point whose signed distance to the coast (px, > 0 at sea) is within [lo, hi], or null. */
    const nearCoast = (r: Rng, lo: number, hi: number): [number, number] | null => {
      const x = r.int(margin, W - margin);
      const y = r.int(margin, H - margin);
      const s = this.backdrop.seaward(x, y);
      return s >= lo && s <= hi && !this.backdrop.isNodata(x, y) && free(x, y) ? [x, y] : null;
    };
    let labelled = 0;
    for (let tries = 0; labelled < count && tries < count * 50; tries++) {
      const r = rng.uniform();
      if (r < 0.12 && count - labelled >= 4) {
        // A wind farm or platform field: a small rotated grid of structures.
        const cx = rng.range(0, W);
        const cy = rng.range(0, H);
        const spacing = rng.range(50, 90);
        const rows = rng.int(2, 4);
        const cols = rng.int(2, 5);
        const ang = rng.range(0, Math.PI);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols && labelled < count; j++) {
            const u = (j - (cols - 1) / 2) * spacing;
            const v = (i - (rows - 1) / 2) * spacing;
            const x = Math.round(cx + u * Math.cos(ang) - v * Math.sin(ang));
            const y = Math.round(cy + u * Math.sin(ang) + v * Math.cos(ang));
            if (okSea(x, y)) (place('non_vessel', x, y, { heading: ang }), labelled++);
          }
        }
        continue;
      }
      const x = rng.int(0, W);
      const y = rng.int(0, H);
      if (!okSea(x, y)) continue;
      place(r < 0.16 ? 'non_vessel' : r < 0.5 ? 'fishing' : 'vessel', x, y);
      labelled++;
    }
    // Opt-in: vessels moored alongside the coast, hull parallel to it, as ships lie along quays.
    // Their positions and kinds come from a stream of their own, and with none asked for nothing
    // is drawn, so a scene without them is the same as before the option existed.
    const moored = Math.round(count * (o.moored ?? 0));
    const mooredRng = new Rng(o.seed ^ 0x27d4eb2f);
    for (let k = 0, tries = 0; k < moored && tries < moored * 2000; tries++) {
      const p = nearCoast(mooredRng, 2, 6);
      if (!p) continue;
      const [x, y] = p;
      // The coastline runs across the gradient of the distance to it.
      const gx = this.backdrop.seaward(x + 1, y) - this.backdrop.seaward(x - 1, y);
      const gy = this.backdrop.seaward(x, y + 1) - this.backdrop.seaward(x, y - 1);
      place(mooredRng.uniform() < 0.3 ? 'fishing' : 'vessel', x, y, { heading: Math.atan2(gy, gx) + Math.PI / 2 });
      k++;
    }
    // Bright points on land near the coast (ports, towns): not labelled, but they look like targets.
    const clutter = Math.round(count * 0.4);
    for (let k = 0, tries = 0; k < clutter && tries < clutter * 20; tries++) {
      const p = nearCoast(rng, -600, -10);
      if (!p) continue;
      place('land_clutter', p[0], p[1]);
      k++;
    }
    return targets;
  }

  private estimateSeaFraction(rng: Rng): number {
    let sea = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      const x = rng.int(0, this.width);
      const y = rng.int(0, this.height);
      if (!this.backdrop.isLand(x, y) && !this.backdrop.isNodata(x, y)) sea++;
    }
    return sea / n;
  }

  /**
   * Render rows [y0, y1) in dB into `vv` and `vh` (row-major, `width` wide); NODATA is −32768.
   * Rows must be requested in increasing order (speckle is one seeded stream).
   */
  renderRows(y0: number, y1: number, vv: Float32Array, vh: Float32Array): void {
    const W = this.width;
    const b = this.backdrop;
    const nesz = Math.pow(10, NESZ_DB / 10);
    const sp = this.speckle;
    const land = new Uint8Array(W);
    const svv = new Float32Array(W);
    const svh = new Float32Array(W);
    for (let y = y0; y < y1; y++) {
      const row = (y - y0) * W;
      b.rowSigma(y, land, svv, svh);
      for (let x = 0; x < W; x++) {
        // K-distributed sea: correlated Gamma texture × 4-look speckle; VH sits on the noise floor.
        const tex = land[x] ? 1 : b.textureAt(x, y);
        vv[row + x] = svv[x] * tex * sp.gammaLooks(ENL);
        vh[row + x] = (svh[x] * tex + nesz) * sp.gammaLooks(ENL);
      }
    }
    for (const t of this.byRow) {
      if (t.extent.y0 >= y1) break;
      if (t.extent.y1 <= y0) continue;
      drawTarget(t, y0, y1, W, this.pixelM, vv, vh, (x, y) => b.seaSigma(x, y)[0]);
    }
    for (let y = y0; y < y1; y++) {
      const row = (y - y0) * W;
      for (let x = 0; x < W; x++) {
        const k = row + x;
        if (b.isNodata(x, y)) {
          vv[k] = XVIEW3_NODATA;
          vh[k] = XVIEW3_NODATA;
        } else {
          vv[k] = 10 * Math.log10(vv[k]);
          vh[k] = 10 * Math.log10(vh[k]);
        }
      }
    }
  }

  /** xView3 labels of the labelled targets. */
  labels(sceneId: string): LabelRow[] {
    return this.targets
      .filter((t) => t.kind !== 'land_clutter')
      .map((t) => {
        const [lon, lat] = this.georef.pixelToLonLat(t.x, t.y);
        const vessel = t.kind !== 'non_vessel';
        return {
          scene_id: sceneId,
          detect_scene_row: Math.floor(t.y),
          detect_scene_column: Math.floor(t.x),
          detect_lat: lat,
          detect_lon: lon,
          top: t.box[1],
          left: t.box[0],
          bottom: t.box[3],
          right: t.box[2],
          vessel_length_m: vessel ? t.lengthM : null,
          is_vessel: vessel,
          is_fishing: vessel ? t.kind === 'fishing' : null,
          distance_from_shore_km: t.distanceFromShoreKm,
          confidence: !vessel || t.lengthM >= 20 ? 'HIGH' : 'MEDIUM',
          kind: t.kind,
        };
      });
  }
}

/** A north-up UTM grid centred on (lon, lat). */
export function sceneGeoref(width: number, height: number, pixelM: number, lon: number, lat: number): Georef {
  const zone = utmZoneOf(lon);
  const def = utmProj4(zone, lat < 0);
  const [e, n] = proj4('+proj=longlat +datum=WGS84 +no_defs', def, [lon, lat]);
  const x0 = Math.round(e - (width / 2) * pixelM);
  const y0 = Math.round(n + (height / 2) * pixelM);
  return new Georef({ transform: [x0, pixelM, 0, y0, 0, -pixelM], proj4: def, geographic: false, epsg: (lat < 0 ? 32700 : 32600) + zone });
}
