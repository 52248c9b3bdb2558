/**
 * What the pipeline reports while it runs. Telemetry (src/telemetry) and the
 * CLI progress bar are observers; the pipeline never waits on them.
 */
import type { SceneDetection } from './detection.js';
import type { SceneSummary } from './summary.js';

export interface SceneStartEvent {
  sceneId: string;
  width: number;
  height: number;
  tilesPlanned: number;
  backend: string;
  model: string;
}

export interface TileEvent {
  tileId: number;
  row: number;
  col: number;
  readMs: number;
  normaliseMs: number;
  inferMs: number;
  decodeMs: number;
  mergeMs: number;
  detections: number;
  queueDepth: number;
}

export type HealthEvent =
  | { kind: 'fallback'; requested: string; actual: string; reason: string }
  | { kind: 'error'; message: string; code?: string }
  | { kind: 'budget'; action: string; message: string; avgW: number; duty: number; threads: number }
  | { kind: 'skipped_tile'; tileId: number; reason: string };

export interface PipelineObserver {
  sceneStart?(e: SceneStartEvent): void;
  tile?(e: TileEvent): void;
  /** Final detections of one tile (after cross-tile merge). */
  detections?(tileId: number, dets: SceneDetection[]): void;
  health?(e: HealthEvent): void;
  sceneEnd?(s: SceneSummary): void;
  progress?(done: number, total: number): void;
}
