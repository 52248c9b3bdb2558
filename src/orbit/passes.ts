/**
 * Time windows along an orbit: ground-station contacts (elevation above a
 * mask) and acquisitions over an area of interest (the ground track within
 * the area's radius plus half the swath). Found by stepping the propagator
 * and refining each edge by bisection to a second.
 */
import { distanceKm, elevationDeg, subSatellite, type GroundPoint, type Orbit } from './orbit.js';

export interface Window {
  start: Date;
  end: Date;
  /** Contacts: the highest elevation, degrees. Acquisitions: the closest approach, km. */
  peak: number;
  /** Acquisitions: the sub-satellite point at closest approach. */
  at?: GroundPoint;
}

export interface Station {
  name: string;
  lat: number;
  lon: number;
  minElevationDeg: number;
}

export interface AreaOfInterest {
  name: string;
  lat: number;
  lon: number;
  radiusKm: number;
}

/** Svalbard (SvalSat), where Sentinel-1 data comes down. */
export const SVALBARD: Station = { name: 'Svalbard', lat: 78.23, lon: 15.41, minElevationDeg: 5 };
/** The southern North Sea, busy with shipping. */
export const NORTH_SEA: AreaOfInterest = { name: 'North Sea', lat: 54.0, lon: 3.0, radiusKm: 350 };
/** Sentinel-1 Interferometric Wide swath, km. */
export const IW_SWATH_KM = 250;

function windows(from: Date, hours: number, stepS: number, inside: (d: Date) => boolean): Date[][] {
  const out: Date[][] = [];
  const t0 = from.getTime();
  const t1 = t0 + hours * 3_600_000;
  const refine = (a: number, b: number, aInside: boolean): number => {
    while (b - a > 1000) {
      const m = (a + b) / 2;
      if (inside(new Date(m)) === aInside) a = m;
      else b = m;
    }
    return aInside ? a : b;
  };
  let prev = inside(from);
  let start: number | null = prev ? t0 : null;
  for (let t = t0 + stepS * 1000; t <= t1; t += stepS * 1000) {
    const now = inside(new Date(t));
    if (now && !prev) start = refine(t - stepS * 1000, t, false);
    if (!now && prev && start !== null) {
      out.push([new Date(start), new Date(refine(t - stepS * 1000, t, true))]);
      start = null;
    }
    prev = now;
  }
  if (prev && start !== null) out.push([new Date(start), new Date(t1)]);
  return out;
}

function peakOver(w: Date[], f: (d: Date) => number, better: (a: number, b: number) => boolean): { value: number; at: Date } {
  let best = { value: f(w[0]), at: w[0] };
  for (let t = w[0].getTime(); t <= w[1].getTime(); t += 5000) {
    const v = f(new Date(t));
    if (better(v, best.value)) best = { value: v, at: new Date(t) };
  }
  return best;
}

export function contacts(o: Orbit, st: Station, from: Date, hours: number, stepS = 20): Window[] {
  const elev = (d: Date) => elevationDeg(o, d, st) ?? -90;
  return windows(from, hours, stepS, (d) => elev(d) >= st.minElevationDeg).map((w) => {
    const p = peakOver(w, elev, (a, b) => a > b);
    return { start: w[0], end: w[1], peak: p.value };
  });
}

export function acquisitions(o: Orbit, aoi: AreaOfInterest, from: Date, hours: number, stepS = 10, swathKm = IW_SWATH_KM): Window[] {
  const dist = (d: Date) => {
    const p = subSatellite(o, d);
    return p ? distanceKm(p, aoi) : Infinity;
  };
  const reach = aoi.radiusKm + swathKm / 2;
  return windows(from, hours, stepS, (d) => dist(d) <= reach).map((w) => {
    const p = peakOver(w, dist, (a, b) => a < b);
    return { start: w[0], end: w[1], peak: p.value, at: subSatellite(o, p.at) ?? undefined };
  });
}
