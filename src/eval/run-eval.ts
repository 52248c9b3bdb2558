/**
 * `sarwatch eval`: run a backend over an image dataset and report COCO AP.
 * Each picture goes through the same pipeline as a scene (tiling, backend,
 * decode, merge). Detections are collected down to conf 0.001 for AP; precision,
 * recall and F1 are given at the operating threshold. Optionally a bootstrap
 * interval of AP50, and a second backend on the same images with a paired
 * interval of the difference (e.g. the int8 engine against the float model).
 */
import type { Backend, BackendName, BackendOptions } from '../backends/backend.js';
import { resolveBackend } from '../backends/registry.js';
import { loadModelInfo, operatingConf, type ClassRule } from '../model/model-info.js';
import { detectScene } from '../pipeline/detect-scene.js';
import {
  bootstrapAp50,
  evaluateDetections,
  pairedBootstrapAp50,
  type ApResult,
  type ImageDetections,
  type Interval,
  type PairedInterval,
  type ScoredBox,
} from './coco-ap.js';
import { listDataset, readBoxes, type DatasetItem, type LabelFormat } from './image-dataset.js';

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
  /** How a detection's class is decided (model-info.ClassRule); only vessel kinds are scored. */
  classRule?: ClassRule;
  /** Bootstrap resamples for a 95 % interval of AP50 over the images (0: none). */
  bootstrap?: number;
  /** A second backend run on the same images, for a paired interval of the AP50 difference. */
  against?: BackendName | 'auto';
  onProgress?: (done: number, total: number) => void;
}

export interface BackendResult extends ApResult {
  backend: string;
  backend_description: string;
  /** 95 % bootstrap interval of AP50, when asked for. */
  ap50_ci?: Interval;
}

export interface EvalResult extends BackendResult {
  model: string;
  seconds: number;
  /** The `against` backend on the same images, and this backend's AP50 minus its. */
  against?: BackendResult & { ap50_diff: number; ap50_diff_ci: PairedInterval };
}

export async function evaluateDataset(o: EvalOptions): Promise<EvalResult> {
  const t0 = performance.now();
  const items = listDataset(o.imagesDir, o.labelsDir, o.format, o.listFile);
  const model = await loadModelInfo(o.modelPath);
  const conf = o.conf ?? operatingConf(model);
  const runs = [o.backend, ...(o.against ? [o.against] : [])];
  const results: { images: ImageDetections; result: BackendResult }[] = [];
  for (const [r, name] of runs.entries()) {
    const { backend } = await resolveBackend(name, o.modelPath, model, o.backendOptions);
    let images: ImageDetections;
    try {
      images = await detectDataset(items, backend, o, (done) => o.onProgress?.(r * items.length + done, runs.length * items.length));
    } finally {
      await backend.dispose();
    }
    results.push({
      images,
      result: {
        ...evaluateDetections(images, conf),
        ...(o.bootstrap ? { ap50_ci: bootstrapAp50(images, o.bootstrap) } : {}),
        backend: backend.name,
        backend_description: backend.description,
      },
    });
  }
  const [main, other] = results;
  return {
    ...main.result,
    model: o.modelPath,
    seconds: (performance.now() - t0) / 1000,
    ...(other
      ? {
          against: {
            ...other.result,
            ap50_diff: main.result.ap50 - other.result.ap50,
            ap50_diff_ci: pairedBootstrapAp50(main.images, other.images, o.bootstrap || 2000),
          },
        }
      : {}),
  };
}

/** Each picture through the same pipeline as a scene; vessel detections down to conf 0.001. */
async function detectDataset(items: DatasetItem[], backend: Backend, o: EvalOptions, progress: (done: number) => void): Promise<ImageDetections> {
  const images: ImageDetections = [];
  for (const [i, item] of items.entries()) {
    const dets: ScoredBox[] = [];
    let size: [number, number] = [0, 0];
    await detectScene({
      scene: item.image,
      outDir: null,
      modelPath: o.modelPath,
      backend: backend.name,
      backendOptions: o.backendOptions,
      loadedBackend: backend,
      decode: { conf: 0.001, iou: o.iou, maxDet: 300 },
      classRule: o.classRule,
      observer: {
        sceneStart: (e) => (size = [e.width, e.height]),
        detections: (_, ds) => {
          for (const d of ds) if (d.isVessel) dets.push({ x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, score: d.score });
        },
      },
    });
    images.push({ dets, gts: readBoxes(item, o.format, size[0], size[1]) });
    progress(i + 1);
  }
  return images;
}
