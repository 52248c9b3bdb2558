/**
 * Orbit propagation and the pass simulator: Sentinel-1's nominal orbit has
 * its published shape, a polar ground station sees most orbits, and a short
 * simulated period runs an acquisition through the real pipeline and
 * downlinks its detections in the next contact.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distanceKm, nominalSentinel1, orbitFromTle, subSatellite } from '../../dist/src/orbit/orbit.js';
import { acquisitions, contacts, NORTH_SEA, SVALBARD } from '../../dist/src/orbit/passes.js';
import { runCli, rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));
const T0 = new Date('2026-11-21T00:00:00Z');

describe('orbit', () => {
  it('nominal Sentinel-1: ~700 km, reaches 180° − 98.18° of latitude, 98.7 min per orbit', () => {
    const o = nominalSentinel1(T0);
    let maxLat = 0;
    const crossings: number[] = [];
    let prev = subSatellite(o, T0)!;
    for (let s = 20; s <= 6 * 3600; s += 20) {
      const p = subSatellite(o, new Date(T0.getTime() + s * 1000))!;
      expect(p.altKm).toBeGreaterThan(680);
      expect(p.altKm).toBeLessThan(730);
      maxLat = Math.max(maxLat, p.lat);
      if (prev.lat < 0 && p.lat >= 0) crossings.push(s);
      prev = p;
    }
    expect(maxLat).toBeCloseTo(180 - 98.18, 0);
    const periods = crossings.slice(1).map((c, i) => (c - crossings[i]) / 60);
    for (const p of periods) expect(Math.abs(p - 1440 / (175 / 12))).toBeLessThan(0.5);
  });

  it('a polar station sees most of the ~14.6 daily orbits; passes over the North Sea come at the sun-synchronous local times', () => {
    const o = nominalSentinel1(T0);
    const c = contacts(o, SVALBARD, T0, 24);
    expect(c.length).toBeGreaterThanOrEqual(12);
    expect(c.length).toBeLessThanOrEqual(16);
    for (const w of c) expect((w.end.getTime() - w.start.getTime()) / 60_000).toBeLessThan(16);
    const a = acquisitions(o, NORTH_SEA, T0, 48);
    expect(a.length).toBeGreaterThanOrEqual(1);
    for (const w of a) {
      expect(distanceKm(w.at!, NORTH_SEA)).toBeLessThanOrEqual(NORTH_SEA.radiusKm + 125 + 1);
      // Local solar time of a dawn-dusk orbit: near 06:00 or 18:00 (±1.5 h at these latitudes).
      const local = (w.start.getUTCHours() + w.start.getUTCMinutes() / 60 + w.at!.lon / 15 + 24) % 24;
      expect(Math.min(Math.abs(local - 6), Math.abs(local - 18))).toBeLessThan(1.5);
    }
  });

  it('reads a two-line element set, and refuses a file without one', () => {
    const f = path.join(dir, 'iss.tle');
    // The ISS elements from satellite.js's documentation.
    writeFileSync(f, 'ISS (ZARYA)\n1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992\n2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442\n');
    const o = orbitFromTle(f);
    expect(o.source).toMatch(/ISS/);
    const p = subSatellite(o, new Date('2019-06-05T12:00:00Z'))!;
    expect(Math.abs(p.lat)).toBeLessThanOrEqual(51.7);
    writeFileSync(path.join(dir, 'bad.tle'), 'not elements\n');
    expect(() => orbitFromTle(path.join(dir, 'bad.tle'))).toThrow(/two-line element/);
  });
});

describe('sarwatch pass', () => {
  it('runs each acquisition through the pipeline and downlinks its telemetry in a later contact', () => {
    const out = path.join(dir, 'pass');
    const r = runCli(['pass', '--hours', '24', '--scene-size', '1600x1600', '--backend', 'cpu', '--power-source', 'model', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.acquisitions.length).toBeGreaterThanOrEqual(1);
    expect(rep.contacts.length).toBeGreaterThanOrEqual(12);
    for (const a of rep.acquisitions) {
      expect(a.backend).toBe('cpu');
      expect(a.processing_s).toBeGreaterThan(0);
      expect(a.raw_bytes).toBe(1600 * 1600 * 4);
      expect(a.downlink_bytes).toBeGreaterThan(100); // at least the scene summary
      expect(a.downlink_bytes).toBeLessThan(a.raw_bytes / 100);
      if (a.downlinked_at) {
        expect(Date.parse(a.downlinked_at)).toBeGreaterThanOrEqual(Date.parse(a.ready_at));
        expect(rep.contacts.some((c: { aos: string; los: string }) => Date.parse(c.aos) <= Date.parse(a.downlinked_at) && Date.parse(a.downlinked_at) <= Date.parse(c.los))).toBe(true);
      }
    }
    const sent = rep.contacts.reduce((s: number, c: { used_bytes: number }) => s + c.used_bytes, 0);
    const downlinked = rep.acquisitions.filter((a: { downlinked_at: string | null }) => a.downlinked_at).reduce((s: number, a: { downlink_bytes: number }) => s + a.downlink_bytes, 0);
    expect(sent).toBeGreaterThanOrEqual(downlinked);
  });
});
