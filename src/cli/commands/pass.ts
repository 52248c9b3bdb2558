/** `sarwatch pass`: simulate on-orbit passes on a laptop (harness/pass-sim.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { simulatePasses, type PassSimReport } from '../../../harness/pass-sim.js';
import type { BackendName } from '../../backends/backend.js';
import { nominalSentinel1, orbitFromTle } from '../../orbit/orbit.js';
import { NORTH_SEA, SVALBARD } from '../../orbit/passes.js';
import type { Encoding } from '../../telemetry/codec.js';
import { integer, invalid, number, oneOf, size2 } from '../../util/check.js';
import { BUNDLED_MODEL, DEFAULT_THREADS } from '../defaults.js';
import { addRuntimeOptions, withRuntime } from '../runtime-options.js';
import { BACKEND_CHOICES } from './detect.js';

function latLon(name: string, v: string, withRadius: boolean): number[] {
  const parts = v.split(',').map(Number);
  if (parts.length !== (withRadius ? 3 : 2) || parts.some((x) => !Number.isFinite(x)) || Math.abs(parts[0]) > 90 || Math.abs(parts[1]) > 180) {
    throw invalid(name, withRadius ? 'lat,lon,radius_km' : 'lat,lon', v);
  }
  return parts;
}

export function register(program: Command): void {
  const cmd = program
    .command('pass')
    .description('simulate on-orbit passes: acquisitions over an area run through the real pipeline, detections queued for ground-station contacts')
    .option('--tle <file>', 'two-line elements of the satellite (default: Sentinel-1 nominal orbit)')
    .option('--start <iso>', 'simulation start (UTC)', new Date(Date.UTC(2026, 10, 21)).toISOString())
    .option('--hours <h>', 'simulated period', '24')
    .option('--aoi <lat,lon,km>', 'area of interest: centre and radius', `${NORTH_SEA.lat},${NORTH_SEA.lon},${NORTH_SEA.radiusKm}`)
    .option('--station <lat,lon>', 'ground station', `${SVALBARD.lat},${SVALBARD.lon}`)
    .option('--min-elevation <deg>', 'ground-station elevation mask', String(SVALBARD.minElevationDeg))
    .option('--scene-size <WxH>', 'synthetic scene per acquisition (10 m px; 29400x24400 for xView3 size)', '6000x6000')
    .option('--downlink-kbps <k>', 'detections link rate (Sentinel-1 S band: 128 to 2000 kbit/s)', '128')
    .option('-m, --model <file>', 'YOLOv8 detection ONNX', BUNDLED_MODEL)
    .option('-b, --backend <name>', `backend: ${BACKEND_CHOICES.join(', ')}`, 'auto')
    .option('--threads <n>', 'inference threads', String(DEFAULT_THREADS))
    .option('-o, --out <dir>', 'working folder (scenes, detections, pass.json)', 'sarwatch-pass')
    .option('--json', 'print JSON');
  addRuntimeOptions(cmd).action(async (o) => {
    const start = new Date(o.start);
    if (Number.isNaN(start.getTime())) throw invalid('--start', 'an ISO date, e.g. 2026-11-21T00:00:00Z', o.start);
    const [alat, alon, akm] = latLon('--aoi', o.aoi, true);
    const [slat, slon] = latLon('--station', o.station, false);
    const threads = integer('--threads', o.threads, 1, 256);
    const report = await withRuntime(o, threads, (rt) =>
      simulatePasses({
        orbit: o.tle ? orbitFromTle(o.tle) : nominalSentinel1(start),
        station: { name: o.station === `${SVALBARD.lat},${SVALBARD.lon}` ? SVALBARD.name : 'station', lat: slat, lon: slon, minElevationDeg: number('--min-elevation', o.minElevation, 0, 90) },
        aoi: { name: o.aoi === `${NORTH_SEA.lat},${NORTH_SEA.lon},${NORTH_SEA.radiusKm}` ? NORTH_SEA.name : 'area of interest', lat: alat, lon: alon, radiusKm: akm },
        start,
        hours: number('--hours', o.hours, 0.1, 24 * 14),
        sceneSize: size2('--scene-size', o.sceneSize, 30_000),
        backend: oneOf('--backend', o.backend, BACKEND_CHOICES) as BackendName | 'auto',
        backendOptions: { threads },
        model: o.model,
        workDir: o.out,
        downlinkKbps: number('--downlink-kbps', o.downlinkKbps, 1, 10_000_000),
        rawDownlinkMbps: 520,
        encoding: oneOf('--telemetry-encoding', o.telemetryEncoding, ['json', 'msgpack'] as const) as Encoding,
        observer: rt.observer,
        power: rt.power,
        onStatus: (l) => process.stderr.write(`${l}\n`),
      }),
    );
    mkdirSync(o.out, { recursive: true });
    writeFileSync(path.join(o.out, 'pass.json'), JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatPass(report));
  });
}

export function formatPass(r: PassSimReport): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const lines = [
    `${r.orbit}; ${r.hours} h from ${r.start}`,
    `area ${r.aoi.name} (${r.aoi.lat}, ${r.aoi.lon}, ${r.aoi.radiusKm} km); station ${r.station.name} (${r.station.lat}, ${r.station.lon}, mask ${r.station.minElevationDeg}°); detections link ${r.downlink_kbps} kbit/s (${r.encoding})`,
    'acquisitions:',
    ...r.acquisitions.map(
      (a) =>
        `  #${a.index} ${a.start} at (${a.lat}, ${a.lon}): ${a.scene_mp} MP on ${a.backend} in ${a.processing_s} s, ${a.detections} detections, ` +
        `${a.energy_j === null ? '' : `${a.energy_j} J (${a.power_source}), `}${kb(a.downlink_bytes)} to send ` +
        (a.downlinked_at ? `-> on the ground ${a.downlinked_at}, ${a.latency_min} min after acquisition` : '-> NOT downlinked within the period'),
    ),
    `contacts (${r.contacts.length}):`,
    ...r.contacts.map((c) => `  ${c.aos} ${c.minutes} min, max elevation ${c.max_elevation_deg}°, sent ${kb(c.used_bytes)} of ${kb(c.capacity_bytes)}`),
    `total: ${r.totals.scenes} scene(s), ${r.totals.detections} detections, ${kb(r.totals.downlink_bytes)} of telemetry against ${(r.totals.raw_bytes / 2 ** 30).toFixed(2)} GiB of raw VV+VH imagery` +
      (r.totals.reduction ? ` (${r.totals.reduction}x less)` : ''),
  ];
  return lines.join('\n') + '\n';
}
