/**
 * detections.geojson: a FeatureCollection of points (WGS 84 lon/lat). Scenes
 * without georeference (plain pictures) get features with null geometry and
 * their pixel position in the properties, as RFC 7946 allows.
 */
import type { SceneDetection } from '../detection.js';
import { PartialFile } from './partial-file.js';

export function feature(sceneId: string, d: SceneDetection): object {
  return {
    type: 'Feature',
    geometry: d.lat !== null && d.lon !== null ? { type: 'Point', coordinates: [d.lon, d.lat] } : null,
    properties: {
      scene_id: sceneId,
      detect_scene_row: d.row,
      detect_scene_column: d.col,
      class_name: d.className,
      is_vessel: d.isVessel,
      is_fishing: d.isFishing,
      confidence: Number(d.score.toFixed(4)),
      vessel_length_m: d.lengthM === null ? null : Number(d.lengthM.toFixed(1)),
      bbox_px: [d.x1, d.y1, d.x2, d.y2].map((v) => Number(v.toFixed(1))),
    },
  };
}

export class GeoJsonSink {
  private readonly file: PartialFile;
  private readonly sceneId: string;
  private first = true;

  constructor(path: string, sceneId: string) {
    this.file = new PartialFile(path);
    this.sceneId = sceneId;
    this.file.write('{"type":"FeatureCollection","features":[\n');
  }

  write(dets: SceneDetection[]): void {
    for (const d of dets) {
      this.file.write((this.first ? '' : ',\n') + JSON.stringify(feature(this.sceneId, d)));
      this.first = false;
    }
  }

  commit(): void {
    this.file.write('\n]}\n');
    this.file.commit();
  }
  discard(): void {
    this.file.discard();
  }
  abandon(): void {
    this.file.abandon();
  }
}
