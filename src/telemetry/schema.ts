/**
 * The telemetry schema, defined once. Publishers build messages that satisfy
 * it, subscribers validate against it, and `docs/telemetry.schema.json` is
 * generated from it for other languages (`sarwatch schema`).
 *
 * Wire format: ZeroMQ multipart `[topic, payload]`; payload JSON (default) or
 * MessagePack. Every payload carries `v`, `scene_id`, `seq` (per topic),
 * `t_mono_ms` (monotonic, since the publisher opened) and `t_wall` (ISO 8601).
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1;
export const TOPICS = ['scene', 'tile', 'det', 'power', 'health'] as const;
export type Topic = (typeof TOPICS)[number];

const base = {
  v: z.literal(SCHEMA_VERSION),
  scene_id: z.string(),
  seq: z.number().int().nonnegative(),
  t_mono_ms: z.number().nonnegative(),
  t_wall: z.string(),
};

export const PowerSourceKind = z.enum(['ina260', 'rapl', 'model']);

export const SceneStart = z.object({
  ...base,
  phase: z.literal('start'),
  backend: z.string(),
  model: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  megapixels: z.number().nonnegative(),
  tiles_planned: z.number().int().nonnegative(),
  power_source: z.string(),
});

export const SceneEnd = z.object({
  ...base,
  phase: z.literal('end'),
  backend: z.string(),
  tiles: z.number().int().nonnegative(),
  tiles_skipped: z.number().int().nonnegative(),
  megapixels: z.number().nonnegative(),
  seconds: z.number().nonnegative(),
  mp_per_s: z.number().nonnegative(),
  detections: z.number().int().nonnegative(),
  energy_j: z.number().nonnegative(),
  avg_w: z.number().nonnegative(),
  peak_w: z.number().nonnegative(),
  power_source: z.string(),
});

export const SceneMessage = z.discriminatedUnion('phase', [SceneStart, SceneEnd]);

export const TileMessage = z.object({
  ...base,
  tile_id: z.number().int().nonnegative(),
  row: z.number().int().nonnegative(),
  col: z.number().int().nonnegative(),
  latency_ms: z.object({
    read: z.number().nonnegative(),
    normalise: z.number().nonnegative(),
    infer: z.number().nonnegative(),
    decode_nms: z.number().nonnegative(),
    merge: z.number().nonnegative(),
  }),
  detections: z.number().int().nonnegative(),
  queue_depth: z.number().int().nonnegative(),
  energy_j: z.number().nonnegative(),
});

export const Detection = z.object({
  row: z.number().int(),
  col: z.number().int(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  class_name: z.string(),
  confidence: z.number().min(0).max(1),
  length_m: z.number().nullable(),
  is_vessel: z.boolean(),
  is_fishing: z.boolean(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
});

export const DetMessage = z.object({
  ...base,
  tile_id: z.number().int().nonnegative(),
  detections: z.array(Detection).min(1),
});

export const PowerMessage = z.object({
  ...base,
  watts: z.number().nonnegative(),
  /** ina260 (KV260 board sensor), rapl (CPU package counters) or model. */
  source: PowerSourceKind,
  /** What exactly was read or assumed, e.g. "hwmon3 ina260_u14" or "model kv260-engine@300MHz". */
  source_detail: z.string(),
  measured: z.boolean(),
  energy_j: z.number().nonnegative(),
  window_avg_w: z.number().nonnegative(),
  budget_w: z.number().positive().nullable(),
  volts: z.number().nullable(),
  amps: z.number().nullable(),
});

export const HealthMessage = z.object({
  ...base,
  event: z.enum(['status', 'fallback', 'error', 'budget', 'dropped']),
  message: z.string(),
  backend: z.string().nullable(),
  dropped_total: z.number().int().nonnegative(),
  queue_depth: z.number().int().nonnegative().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const SCHEMAS = {
  scene: SceneMessage,
  tile: TileMessage,
  det: DetMessage,
  power: PowerMessage,
  health: HealthMessage,
} as const;

export type SceneMsg = z.infer<typeof SceneMessage>;
export type TileMsg = z.infer<typeof TileMessage>;
export type DetMsg = z.infer<typeof DetMessage>;
export type PowerMsg = z.infer<typeof PowerMessage>;
export type HealthMsg = z.infer<typeof HealthMessage>;
export type DetectionMsg = z.infer<typeof Detection>;

export interface MessageOf {
  scene: SceneMsg;
  tile: TileMsg;
  det: DetMsg;
  power: PowerMsg;
  health: HealthMsg;
}

/** The fields the publisher adds to every message. */
export type BaseFields = 'v' | 'scene_id' | 'seq' | 't_mono_ms' | 't_wall';

/** JSON Schema (draft 2020-12) of every topic, for subscribers in other languages. */
export function jsonSchema(): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `sarwatch telemetry v${SCHEMA_VERSION}`,
    description: 'ZeroMQ PUB multipart [topic, payload]; payload JSON or MessagePack; one schema per topic.',
    $defs: Object.fromEntries(TOPICS.map((t) => [t, z.toJSONSchema(SCHEMAS[t], { target: 'draft-2020-12' })])),
  };
}
