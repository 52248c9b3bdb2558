import type { ClassRule } from '../model/model-info.js';

/** summary.json: one scene's totals, the same object `--json` prints and telemetry's `scene` end carries. */
export interface SceneSummary {
  scene_id: string;
  scene: string;
  model: string;
  backend: string;
  backend_description: string;
  /** Set when the requested backend could not run and another did. */
  fallback: { requested: string; reason: string } | null;
  tiles: number;
  tiles_skipped: number;
  megapixels: number;
  seconds: number;
  mp_per_s: number;
  detections: number;
  /** Detections dropped on land by the bathymetry band; null when the scene has none or the mask is off. */
  land_masked: number | null;
  peak_rss_mb: number;
  tile_size: [number, number];
  overlap: number;
  conf: number;
  /** decode.FishingSplit's share in use; null when the best class decides. */
  fishing_share: number | null;
  /** How each detection's class was decided (model-info.ClassRule). */
  class_rule: ClassRule;
  /** model-info.FishingGate's length in metres; null when there is none. */
  fishing_max_length_m: number | null;
  /** Energy over the scene and its source; null without a power sampler. */
  energy_j: number | null;
  avg_w: number | null;
  peak_w: number | null;
  power_source: string | null;
  power_measured: boolean | null;
  /** Total milliseconds per stage (stages overlap in time, so they need not sum to `seconds`). */
  stage_ms: { read: number; normalise: number; infer: number; decode: number; merge: number };
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
