/**
 * `sarwatch eval`: run a backend over an image dataset and report COCO AP.
 * Each picture goes through the same pipeline as a scene (tiling, backend,
 * decode, merge). Detections are collected down to conf 0.001 for AP; precision,
 * recall and F1 are given at the operating threshold.
 */
import type { BackendName, BackendOptions } from '../backends/backend.js';
import { resolveBackend } from '../backends/registry.js';
import { loadModelInfo, operatingConf } from '../model/model-info.js';
import { detectScene } from '../pipeline/detect-scene.js';
import { bootstrapAp50, evaluateDetections, type ApResult, type Box, type Interval, type ScoredBox } from './coco-ap.js';
import { listDataset, readBoxes, type LabelFormat } from './image-dataset.js';

export interface EvalOptions {
  imagesDir: string;
  labelsDir: string;
  format: LabelFormat;
  listFile?: string;
  modelPath: string;
  backend: BackendName | 'auto';
  backendOptions: BackendOptions;
  /** Operating threshold for precision/recall/F1; default: the model's. */
  conf?: number;
  iou: number;
  /** Bootstrap resamples for a 95 % interval of AP50 over the images (0: none). */
  bootstrap?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult extends ApResult {
  backend: string;
  backend_description: string;
  model: string;
  seconds: number;
  /** 95 % bootstrap interval of AP50, when asked for. */
  ap50_ci?: Interval;
}

export async function evaluateDataset(o: EvalOptions): Promise<EvalResult> {
  const t0 = performance.now();
  const items = listDataset(o.imagesDir, o.labelsDir, o.format, o.listFile);
  const model = await loadModelInfo(o.modelPath);
  const { backend } = await resolveBackend(o.backend, o.modelPath, model, o.backendOptions);
  const images: { dets: ScoredBox[]; gts: Box[] }[] = [];
  try {
    for (const [i, item] of items.entries()) {
      const dets: ScoredBox[] = [];
      let size: [number, number] = [0, 0];
      await detectScene({
        scene: item.image,
        outDir: null,
        modelPath: o.modelPath,
        backend: o.backend,
        backendOptions: o.backendOptions,
        loadedBackend: backend,
        decode: { conf: 0.001, iou: o.iou, maxDet: 300 },
        observer: {
          sceneStart: (e) => (size = [e.width, e.height]),
          detections: (_, ds) => {
            for (const d of ds) if (d.isVessel) dets.push({ x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, score: d.score });
          },
        },
      });
      images.push({ dets, gts: readBoxes(item, o.format, size[0], size[1]) });
      o.onProgress?.(i + 1, items.length);
    }
  } finally {
    await backend.dispose();
  }
  return {
    ...evaluateDetections(images, o.conf ?? operatingConf(model)),
    ...(o.bootstrap ? { ap50_ci: bootstrapAp50(images, o.bootstrap) } : {}),
    backend: backend.name,
    backend_description: backend.description,
    model: o.modelPath,
    seconds: (performance.now() - t0) / 1000,
  };
}
