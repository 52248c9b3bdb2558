/**
 * Bright targets of a synthetic scene and how they are drawn.
 *
 * - vessel: a hull L × L/6.5 at a heading, 25–400 m (log-normal, median 90 m);
 * - fishing: a small vessel (10–60 m) towing a faint line of gear behind it;
 * - non_vessel: fixed structures (wind turbines, platforms, buoys): compact,
 *   very bright, often in regular grids, with strong cross-shaped sidelobes;
 * - land_clutter: bright points on land (not labelled), which a detector must ignore.
 *
 * Hull brightness grows with length (≈ −5 dB at 10 m to +14 dB at 400 m in VV).
 * The brightest scatterer spreads along range and azimuth as the SAR
 * point-spread function's sidelobes (−17 dB at the first pixel, falling as 1/k²).
 * Per-pixel fluctuations come from a hash of the target and pixel, so a target
 * renders the same whichever row band draws it.
 */
import type { Backdrop } from './backdrop.js';
import type { Rng } from './rng.js';

export type TargetKind = 'vessel' | 'fishing' | 'non_vessel' | 'land_clutter';

export interface Target {
  id: number;
  kind: TargetKind;
  /** Centre, scene px. */
  x: number;
  y: number;
  lengthM: number;
  beamM: number;
  heading: number;
  /** Hull brightness per fully covered pixel, dB, VV; VH is `vhOffsetDb` lower. */
  hullDb: number;
  vhOffsetDb: number;
  /** Peak scatterer (scene px) and its linear VV intensity, for sidelobes. */
  peakX: number;
  peakY: number;
  peak: number;
  gearLengthM: number;
  /** Labelled box, px: left, top, right, bottom (inclusive-exclusive). */
  box: [number, number, number, number];
  /** Rows and columns this target touches, sidelobes included. */
  extent: { y0: number; y1: number; x0: number; x1: number };
  distanceFromShoreKm: number;
}

const PSLR = 0.02; // first sidelobe −17 dB

function hash01(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

function hullCorners(t: Pick<Target, 'x' | 'y' | 'lengthM' | 'beamM' | 'heading'>, pixelM: number): [number, number][] {
  const ux = Math.cos(t.heading);
  const uy = Math.sin(t.heading);
  const hl = t.lengthM / pixelM / 2;
  const hb = t.beamM / pixelM / 2;
  return [
    [t.x + ux * hl - uy * hb, t.y + uy * hl + ux * hb],
    [t.x + ux * hl + uy * hb, t.y + uy * hl - ux * hb],
    [t.x - ux * hl - uy * hb, t.y - uy * hl + ux * hb],
    [t.x - ux * hl + uy * hb, t.y - uy * hl - ux * hb],
  ];
}

export function makeTarget(
  id: number,
  kind: TargetKind,
  x: number,
  y: number,
  rng: Rng,
  backdrop: Backdrop,
  opts: { lengthM?: number; heading?: number } = {},
): Target {
  const pixelM = backdrop.cfg.pixelM;
  let lengthM: number;
  let hullDb: number;
  let vhOffsetDb: number;
  let beamM: number;
  let gearLengthM = 0;
  if (kind === 'vessel') {
    lengthM = opts.lengthM ?? Math.min(400, Math.max(25, 90 * Math.exp(0.6 * rng.normal())));
    beamM = lengthM / 6.5;
    hullDb = -5 + 12 * Math.log10(lengthM / 10) + rng.range(-2, 2);
    vhOffsetDb = rng.range(4, 8);
  } else if (kind === 'fishing') {
    lengthM = opts.lengthM ?? 10 * Math.pow(6, rng.uniform());
    beamM = lengthM / 4.5;
    hullDb = -3 + 12 * Math.log10(lengthM / 10) + rng.range(-2, 2);
    vhOffsetDb = rng.range(5, 9);
    gearLengthM = lengthM * rng.range(3, 8);
  } else {
    // Structures: compact (20–50 m), bright, symmetric.
    lengthM = opts.lengthM ?? rng.range(20, 50);
    beamM = lengthM * rng.range(0.6, 1);
    hullDb = kind === 'non_vessel' ? rng.range(12, 20) : rng.range(4, 14);
    vhOffsetDb = rng.range(3, 6);
  }
  const heading = opts.heading ?? rng.range(0, Math.PI);
  const base = { x, y, lengthM, beamM, heading };
  const corners = hullCorners(base, pixelM);
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  // The label box: the hull's extent plus the point-spread (one pixel each side), at least 3 px.
  let left = Math.floor(Math.min(...xs)) - 1;
  let right = Math.ceil(Math.max(...xs)) + 1;
  let top = Math.floor(Math.min(...ys)) - 1;
  let bottom = Math.ceil(Math.max(...ys)) + 1;
  if (right - left < 3) (left = Math.floor(x) - 1), (right = Math.floor(x) + 2);
  if (bottom - top < 3) (top = Math.floor(y) - 1), (bottom = Math.floor(y) + 2);
  // Brightest scatterer: superstructure somewhere along the hull.
  const along = (rng.range(-0.35, 0.35) * lengthM) / pixelM;
  const peakX = Math.round(x + Math.cos(heading) * along);
  const peakY = Math.round(y + Math.sin(heading) * along);
  const peakBoost = kind === 'non_vessel' ? rng.range(8, 14) : rng.range(4, 9);
  const peak = Math.pow(10, (hullDb + peakBoost) / 10);
  // Sidelobes reach as far as they stay above about −30 dB.
  const reach = Math.min(120, Math.ceil(Math.sqrt((peak * PSLR) / 0.001)));
  const gearPx = gearLengthM / pixelM;
  const gx = x - Math.cos(heading) * (lengthM / pixelM / 2 + gearPx);
  const gy = y - Math.sin(heading) * (lengthM / pixelM / 2 + gearPx);
  const extent = {
    x0: Math.floor(Math.min(left, peakX - reach, gx)) - 1,
    x1: Math.ceil(Math.max(right, peakX + reach + 1, gx)) + 1,
    y0: Math.floor(Math.min(top, peakY - reach, gy)) - 1,
    y1: Math.ceil(Math.max(bottom, peakY + reach + 1, gy)) + 1,
  };
  return {
    id,
    kind,
    x,
    y,
    lengthM,
    beamM,
    heading,
    hullDb,
    vhOffsetDb,
    peakX,
    peakY,
    peak,
    gearLengthM,
    box: [left, top, right, bottom],
    extent,
    distanceFromShoreKm: backdrop.distanceToShoreKm(Math.round(x), Math.round(y)),
  };
}

/**
 * Add a target's linear intensity to the rows [y0, y1) of `vv`/`vh` (row-major, width W).
 * `clutterVv` gives the local mean sea σ0 for the fishing gear's contrast.
 */
export function drawTarget(
  t: Target,
  y0: number,
  y1: number,
  W: number,
  pixelM: number,
  vv: Float32Array,
  vh: Float32Array,
  clutterVv: (x: number, y: number) => number,
): void {
  const hull = Math.pow(10, t.hullDb / 10);
  const vhScale = Math.pow(10, -t.vhOffsetDb / 10);
  const add = (x: number, y: number, i: number) => {
    if (x < 0 || x >= W || y < y0 || y >= y1) return;
    const k = (y - y0) * W + x;
    vv[k] += i;
    vh[k] += i * vhScale;
  };
  // Hull: coverage by 4×4 supersampling of the oriented rectangle, with scatterer fluctuations.
  const ux = Math.cos(t.heading);
  const uy = Math.sin(t.heading);
  const hl = t.lengthM / pixelM / 2;
  const hb = Math.max(0.35, t.beamM / pixelM / 2);
  const [bl, bt, br, bb] = t.box;
  for (let y = Math.max(bt, y0); y < Math.min(bb, y1); y++) {
    for (let x = Math.max(bl, 0); x < Math.min(br, W); x++) {
      let inside = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const dx = x + (sx + 0.5) / 4 - t.x;
          const dy = y + (sy + 0.5) / 4 - t.y;
          const u = dx * ux + dy * uy;
          const v = -dx * uy + dy * ux;
          if (Math.abs(u) <= Math.max(hl, 0.35) && Math.abs(v) <= hb) inside++;
        }
      }
      if (inside) add(x, y, (hull * inside * (0.4 + 1.2 * hash01(t.id, x, y))) / 16);
    }
  }
  // Sidelobes of the brightest scatterer along range (row) and azimuth (column).
  add(t.peakX, t.peakY, t.peak);
  const reach = Math.max(t.extent.x1 - t.peakX, t.peakY - t.extent.y0);
  for (let k = 1; k <= reach; k++) {
    const s = (t.peak * PSLR) / (k * k);
    add(t.peakX - k, t.peakY, s);
    add(t.peakX + k, t.peakY, s);
    add(t.peakX, t.peakY - k, s);
    add(t.peakX, t.peakY + k, s);
  }
  // Fishing gear: a faint line trailing behind the stern, +3 dB over the local sea.
  if (t.gearLengthM > 0) {
    const start = hl + 1;
    const n = Math.ceil(t.gearLengthM / pixelM);
    for (let s = 0; s < n; s++) {
      const gx = Math.round(t.x - ux * (start + s));
      const gy = Math.round(t.y - uy * (start + s));
      if (gy >= y0 && gy < y1 && gx >= 0 && gx < W) add(gx, gy, clutterVv(gx, gy) * (0.6 + 0.8 * hash01(t.id + 7, gx, gy)));
    }
  }
}
