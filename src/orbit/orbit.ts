/**
 * The satellite's orbit for pass simulation, on satellite.js (SGP4): from a
 * two-line element set, or from Sentinel-1's nominal orbit when none is given.
 */
import { readFileSync } from 'node:fs';
import * as sat from 'satellite.js';
import { SarwatchError } from '../errors.js';

export interface GroundPoint {
  lat: number;
  lon: number;
  /** Altitude above the WGS 84 ellipsoid, km. */
  altKm: number;
}

export interface Orbit {
  /** Where the elements came from. */
  source: string;
  satrec: sat.SatRec;
}

const DEG = Math.PI / 180;

/** Right ascension of the mean Sun, degrees (Astronomical Almanac low-precision formula, ~0.01°). */
export function sunRightAscension(date: Date): number {
  const n = date.getTime() / 86_400_000 + 2440587.5 - 2451545.0;
  const L = (280.46 + 0.9856474 * n) % 360;
  const g = ((357.528 + 0.9856003 * n) % 360) * DEG;
  const lambda = (L + 1.915 * Math.sin(g) + 0.02 * Math.sin(2 * g)) * DEG;
  const eps = (23.439 - 0.0000004 * n) * DEG;
  const ra = Math.atan2(Math.cos(eps) * Math.sin(lambda), Math.cos(lambda)) / DEG;
  return (ra + 360) % 360;
}

/**
 * Sentinel-1's nominal orbit: sun-synchronous, 693 km, inclination 98.18°,
 * 175 orbits in its 12-day repeat cycle (14 7/12 rev/day), ascending node at
 * 18:00 local time (dawn-dusk). These are mission parameters, not a measured
 * element set: pass a real TLE with --tle for a real satellite on a real day.
 */
export function nominalSentinel1(epoch: Date): Orbit {
  const raan = (sunRightAscension(epoch) + 90) % 360; // LTAN 18:00 = Sun's RA + 6 h
  const satrec = sat.json2satrec({
    OBJECT_NAME: 'SENTINEL-1 (nominal)',
    OBJECT_ID: '2014-016A',
    EPOCH: epoch.toISOString().replace('Z', ''),
    MEAN_MOTION: 175 / 12,
    ECCENTRICITY: 0.0001,
    INCLINATION: 98.18,
    RA_OF_ASC_NODE: raan,
    ARG_OF_PERICENTER: 90,
    MEAN_ANOMALY: 270, // at the ascending node at the epoch
    NORAD_CAT_ID: 39634,
    ELEMENT_SET_NO: 999,
    BSTAR: 0,
    MEAN_MOTION_DOT: 0,
    MEAN_MOTION_DDOT: 0,
  });
  return { source: 'nominal Sentinel-1 orbit (693 km SSO, 98.18°, 14 7/12 rev/day, LTAN 18:00)', satrec };
}

/** The first two-line element set in a file (an optional name line first). */
export function orbitFromTle(file: string): Orbit {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  } catch {
    throw new SarwatchError('E_ARG', 'TLE file not found', { file, param: '--tle' });
  }
  const i = lines.findIndex((l) => l.startsWith('1 '));
  if (i < 0 || !lines[i + 1]?.startsWith('2 ')) throw new SarwatchError('E_ARG', 'no two-line element set (lines starting "1 " and "2 ") in the file', { file, param: '--tle' });
  const satrec = sat.twoline2satrec(lines[i], lines[i + 1]);
  if (satrec.error) throw new SarwatchError('E_ARG', `the element set is invalid (SGP4 error ${satrec.error})`, { file, param: '--tle' });
  const name = i > 0 ? lines[i - 1] : `NORAD ${satrec.satnum}`;
  return { source: `TLE ${name} (${file})`, satrec };
}

/** Sub-satellite point at `date`, or null where SGP4 cannot propagate (decayed elements). */
export function subSatellite(o: Orbit, date: Date): GroundPoint | null {
  const pv = sat.propagate(o.satrec, date);
  if (!pv || typeof pv.position === 'boolean' || !pv.position) return null;
  const g = sat.eciToGeodetic(pv.position, sat.gstime(date));
  return { lat: sat.degreesLat(g.latitude), lon: sat.degreesLong(g.longitude), altKm: g.height };
}

/** Elevation of the satellite above a ground station's horizon, degrees. */
export function elevationDeg(o: Orbit, date: Date, station: { lat: number; lon: number; altKm?: number }): number | null {
  const pv = sat.propagate(o.satrec, date);
  if (!pv || typeof pv.position === 'boolean' || !pv.position) return null;
  const ecf = sat.eciToEcf(pv.position, sat.gstime(date));
  const look = sat.ecfToLookAngles({ latitude: station.lat * DEG, longitude: station.lon * DEG, height: station.altKm ?? 0 }, ecf);
  return look.elevation / DEG;
}

/** Great-circle distance, km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = (b.lat - a.lat) * DEG;
  const dLon = (b.lon - a.lon) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}
