/**
 * On-orbit pass simulation on a laptop (`sarwatch pass`). The orbit (a TLE, or
 * Sentinel-1's nominal orbit) is propagated with SGP4 over a period; every
 * pass over the area of interest becomes an acquisition: a synthetic
 * Sentinel-1 scene centred under the satellite, run through the real pipeline
 * on the chosen backend (measured seconds, detections, energy). The telemetry
 * each scene would publish is queued for the next ground-station contacts and
 * drained at the link rate, which gives each scene's latency from acquisition
 * to the last byte on the ground, against downlinking the raw scene.
 *
 * What is simulated is the timeline: orbit, contacts, link. What runs is real:
 * the scene reader, tiler, backend, decode, merge and telemetry encoding.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BackendName, BackendOptions } from '../src/backends/backend.js';
import { detectScene } from '../src/pipeline/detect-scene.js';
import type { PipelineObserver } from '../src/pipeline/observer.js';
import type { SceneSummary } from '../src/pipeline/summary.js';
import { acquisitions, contacts, type AreaOfInterest, type Station, type Window } from '../src/orbit/passes.js';
import type { Orbit } from '../src/orbit/orbit.js';
import { writeXview3Scene } from '../src/synth/write-scene.js';
import { encode, type Encoding } from '../src/telemetry/codec.js';
import { detBody } from '../src/telemetry/publisher.js';
import type { PowerSampler } from '../src/telemetry/power/sampler.js';
import { SCHEMA_VERSION } from '../src/telemetry/schema.js';

export interface PassSimOptions {
  orbit: Orbit;
  station: Station;
  aoi: AreaOfInterest;
  start: Date;
  hours: number;
  /** Synthetic scene per acquisition, px (10 m). */
  sceneSize: [number, number];
  backend: BackendName | 'auto';
  backendOptions: BackendOptions;
  model: string;
  workDir: string;
  /** Downlink rate for detections, kbit/s. */
  downlinkKbps: number;
  /** Raw imagery downlink rate for comparison, Mbit/s (Sentinel-1's X band: 520). */
  rawDownlinkMbps: number;
  encoding: Encoding;
  observer?: PipelineObserver;
  power?: PowerSampler;
  onStatus?: (line: string) => void;
}

export interface AcquisitionResult {
  index: number;
  start: string;
  lat: number;
  lon: number;
  closest_km: number;
  scene_mp: number;
  backend: string;
  processing_s: number;
  detections: number;
  energy_j: number | null;
  avg_w: number | null;
  power_source: string | null;
  /** Telemetry bytes for the ground: det messages and the scene summary, in the chosen encoding. */
  downlink_bytes: number;
  /** Raw VV + VH imagery (int16 GRD) of the same scene. */
  raw_bytes: number;
  ready_at: string;
  downlinked_at: string | null;
  latency_min: number | null;
  raw_downlink_s: number;
}

export interface ContactResult {
  aos: string;
  los: string;
  minutes: number;
  max_elevation_deg: number;
  capacity_bytes: number;
  used_bytes: number;
}

export interface PassSimReport {
  orbit: string;
  station: Station;
  aoi: AreaOfInterest;
  start: string;
  hours: number;
  downlink_kbps: number;
  encoding: Encoding;
  acquisitions: AcquisitionResult[];
  contacts: ContactResult[];
  totals: { scenes: number; detections: number; downlink_bytes: number; raw_bytes: number; reduction: number | null; all_downlinked: boolean };
}

const iso = (t: number) => new Date(t).toISOString();

/** Bytes of the telemetry a scene sends to the ground: its det messages and its scene-end summary. */
function sceneDownlinkBytes(summary: SceneSummary, dets: Parameters<typeof detBody>[1][], encoding: Encoding, sceneId: string): number {
  const base = { v: SCHEMA_VERSION, scene_id: sceneId, seq: 0, t_mono_ms: 0, t_wall: new Date().toISOString() };
  let bytes = 0;
  dets.forEach((d, i) => (bytes += encode({ ...base, ...detBody(i, d) }, encoding).length + 4));
  const end = { ...base, phase: 'end', backend: summary.backend, tiles: summary.tiles, tiles_skipped: summary.tiles_skipped, megapixels: summary.megapixels, seconds: summary.seconds, mp_per_s: summary.mp_per_s, detections: summary.detections, energy_j: summary.energy_j ?? 0, avg_w: summary.avg_w ?? 0, peak_w: summary.peak_w ?? 0, power_source: summary.power_source ?? 'none' };
  return bytes + encode(end, encoding).length + 6;
}

export async function simulatePasses(o: PassSimOptions): Promise<PassSimReport> {
  const say = o.onStatus ?? (() => {});
  say(`propagating ${o.orbit.source} for ${o.hours} h from ${o.start.toISOString()}`);
  const acqs = acquisitions(o.orbit, o.aoi, o.start, o.hours);
  const passes = contacts(o.orbit, o.station, o.start, o.hours);
  say(`${acqs.length} acquisition(s) over ${o.aoi.name}, ${passes.length} contact(s) with ${o.station.name}`);
  const [W, H] = o.sceneSize;
  const results: AcquisitionResult[] = [];
  for (const [i, a] of acqs.entries()) {
    const dir = path.join(o.workDir, `acq-${i}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const at = a.at!;
    say(`acquisition ${i + 1}/${acqs.length} at ${a.start.toISOString()} (${at.lat.toFixed(2)}°, ${at.lon.toFixed(2)}°): synthesising ${W} x ${H} px`);
    writeXview3Scene(path.join(dir, 'scene'), { width: W, height: H, seed: 1000 + i, lat: at.lat, lon: at.lon, bathymetry: false });
    const dets: Parameters<typeof detBody>[1][] = [];
    const summary = await detectScene({
      scene: path.join(dir, 'scene'),
      outDir: path.join(dir, 'out'),
      modelPath: o.model,
      backend: o.backend,
      backendOptions: o.backendOptions,
      quicklook: false,
      power: o.power,
      observer: {
        ...o.observer,
        detections: (tile, ds) => {
          dets.push(ds);
          o.observer?.detections?.(tile, ds);
        },
      },
    });
    const readyAt = a.end.getTime() + summary.seconds * 1000;
    results.push({
      index: i,
      start: a.start.toISOString(),
      lat: Number(at.lat.toFixed(3)),
      lon: Number(at.lon.toFixed(3)),
      closest_km: Math.round(a.peak),
      scene_mp: summary.megapixels,
      backend: summary.backend,
      processing_s: summary.seconds,
      detections: summary.detections,
      energy_j: summary.energy_j,
      avg_w: summary.avg_w,
      power_source: summary.power_source,
      downlink_bytes: sceneDownlinkBytes(summary, dets, o.encoding, summary.scene_id),
      raw_bytes: W * H * 2 * 2,
      ready_at: iso(readyAt),
      downlinked_at: null,
      latency_min: null,
      raw_downlink_s: Number(((W * H * 2 * 2 * 8) / (o.rawDownlinkMbps * 1e6)).toFixed(1)),
    });
  }
  const contactResults = drain(results, passes, o.downlinkKbps, acqs);
  const downlink = results.reduce((s, r) => s + r.downlink_bytes, 0);
  const raw = results.reduce((s, r) => s + r.raw_bytes, 0);
  return {
    orbit: o.orbit.source,
    station: o.station,
    aoi: o.aoi,
    start: o.start.toISOString(),
    hours: o.hours,
    downlink_kbps: o.downlinkKbps,
    encoding: o.encoding,
    acquisitions: results,
    contacts: contactResults,
    totals: {
      scenes: results.length,
      detections: results.reduce((s, r) => s + r.detections, 0),
      downlink_bytes: downlink,
      raw_bytes: raw,
      reduction: downlink > 0 ? Math.round(raw / downlink) : null,
      all_downlinked: results.every((r) => r.downlinked_at !== null),
    },
  };
}

/** First come, first served: each contact sends queued scenes' bytes at the link rate. */
function drain(results: AcquisitionResult[], passes: Window[], kbps: number, acqs: Window[]): ContactResult[] {
  const rate = (kbps * 1000) / 8; // bytes per second
  const queue = results.map((r) => ({ r, left: r.downlink_bytes, ready: Date.parse(r.ready_at) }));
  return passes.map((p) => {
    const aos = p.start.getTime();
    const los = p.end.getTime();
    let t = aos;
    let used = 0;
    for (const q of queue) {
      if (q.left <= 0) continue;
      t = Math.max(t, q.ready);
      if (t >= los) break;
      const sendable = Math.min(q.left, Math.floor(((los - t) / 1000) * rate));
      q.left -= sendable;
      used += sendable;
      t += (sendable / rate) * 1000;
      if (q.left <= 0) {
        q.r.downlinked_at = iso(t);
        q.r.latency_min = Number(((t - acqs[q.r.index].start.getTime()) / 60_000).toFixed(1));
      }
    }
    return {
      aos: p.start.toISOString(),
      los: p.end.toISOString(),
      minutes: Number(((los - aos) / 60_000).toFixed(1)),
      max_elevation_deg: Number(p.peak.toFixed(1)),
      capacity_bytes: Math.floor(((los - aos) / 1000) * rate),
      used_bytes: used,
    };
  });
}
