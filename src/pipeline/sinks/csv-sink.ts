/**
 * detections.csv: the xView3 submission columns, then confidence, class name and position.
 * Rows are appended as detections become final and synced, so a crash keeps them.
 */
import type { SceneDetection } from '../detection.js';
import { PartialFile } from './partial-file.js';

export const CSV_COLUMNS = [
  'detect_scene_row',
  'detect_scene_column',
  'scene_id',
  'is_vessel',
  'is_fishing',
  'vessel_length_m',
  'confidence',
  'class_name',
  'detect_lat',
  'detect_lon',
] as const;

function num(v: number | null, digits: number): string {
  return v === null ? '' : v.toFixed(digits);
}

export function csvRow(sceneId: string, d: SceneDetection): string {
  return [
    d.row,
    d.col,
    sceneId,
    d.isVessel,
    d.isFishing,
    num(d.lengthM, 1),
    d.score.toFixed(4),
    d.className,
    num(d.lat, 7),
    num(d.lon, 7),
  ].join(',');
}

export class CsvSink {
  private readonly file: PartialFile;
  private readonly sceneId: string;

  constructor(path: string, sceneId: string) {
    this.file = new PartialFile(path);
    this.sceneId = sceneId;
    this.file.write(CSV_COLUMNS.join(',') + '\n');
  }

  write(dets: SceneDetection[]): void {
    if (dets.length) this.file.write(dets.map((d) => csvRow(this.sceneId, d)).join('\n') + '\n', true);
  }

  commit(): void {
    this.file.commit();
  }
  discard(): void {
    this.file.discard();
  }
  abandon(): void {
    this.file.abandon();
  }
}
