/** `sarwatch detect <scene> --out DIR`: the main job. */
import type { Command } from 'commander';
import type { BackendName } from '../../backends/backend.js';
import { CLASS_RULES } from '../../model/model-info.js';
import { detectScene } from '../../pipeline/detect-scene.js';
import type { SceneSummary } from '../../pipeline/summary.js';
import { integer, number, oneOf } from '../../util/check.js';
import { CALIB_HELP } from './compile.js';
import { BUNDLED_MODEL, DEFAULT_THREADS } from '../defaults.js';
import { progressBar } from '../progress.js';
import { addRuntimeOptions, withRuntime, type RuntimeCliOptions } from '../runtime-options.js';

export const BACKEND_CHOICES = ['auto', 'ort', 'cpu', 'fpga'] as const;

export interface DetectCliOptions extends RuntimeCliOptions {
  out: string;
  model: string;
  backend: string;
  conf?: string;
  fishingShare?: string;
  classRule?: string;
  fishingMaxLength?: string;
  iou: string;
  tile?: string;
  overlap?: string;
  threads: string;
  batch: string;
  pixelSpacing?: string;
  calib?: string;
  xclbin?: string;
  fpgaTimeout: string;
  quicklook: boolean;
  landMask: boolean;
  json?: boolean;
}

export function printSummary(s: SceneSummary): void {
  const lines = [
    `scene      ${s.scene_id} (${s.megapixels} MP)`,
    `backend    ${s.backend}: ${s.backend_description}${s.fallback ? `  [fallback from ${s.fallback.requested}]` : ''}`,
    `tiles      ${s.tiles} processed, ${s.tiles_skipped} skipped (NODATA)`,
    `time       ${s.seconds} s, ${s.mp_per_s} MP/s, peak RSS ${s.peak_rss_mb} MB`,
    `stages ms  read ${s.stage_ms.read}, normalise ${s.stage_ms.normalise}, infer ${s.stage_ms.infer}, decode ${s.stage_ms.decode}, merge ${s.stage_ms.merge}`,
    `detections ${s.detections}${s.land_masked ? ` (${s.land_masked} on land dropped by the bathymetry mask)` : ''}`,
  ];
  if (s.energy_j !== null) {
    lines.push(`power      ${s.avg_w} W average, ${s.peak_w} W peak, ${s.energy_j} J (${s.power_measured ? 'measured' : 'modelled'}: ${s.power_source})`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  const cmd = program
    .command('detect')
    .description('detect vessels in a scene (GeoTIFF, xView3 folder, PNG/JPEG) and write CSV, GeoJSON, quicklook and summary')
    .argument('<scene>', 'GeoTIFF file, xView3 scene folder (VV_dB.tif, VH_dB.tif[, bathymetry.tif]) or PNG/JPEG')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-m, --model <file>', 'YOLOv8 detection ONNX (or a compiled .swp program for cpu/fpga)', BUNDLED_MODEL)
    .option('-b, --backend <name>', `backend: ${BACKEND_CHOICES.join(', ')}`, 'auto')
    .option('--conf <x>', "confidence threshold (default: the model's operating threshold, metadata sarwatch_conf, else 0.25)")
    .option('--fishing-share <x>', "a vessel is fishing when fishing's score is at least this share of vessel + fishing; 0: the best class decides (default: the model's, metadata sarwatch_fishing_share, else the best class)")
    .option('--class-rule <rule>', `how a detection's class is decided: ${CLASS_RULES.join(', ')} (vessel-first: a vessel whenever the vessel kinds' score clears the threshold, non_vessel only otherwise; default: the model's, metadata sarwatch_class_rule, else best)`)
    .option('--fishing-max-length <m>', "a fishing detection longer than this (metres, estimated from its box) is called vessel; 0: no gate (default: the model's, metadata sarwatch_fishing_max_length_m, else none)")
    .option('--iou <x>', 'NMS IoU threshold', '0.5')
    .option('--tile <n>', 'tile size in px (default and maximum: the model input)')
    .option('--overlap <n>', 'tile overlap in px (at least 64)')
    .option('--threads <n>', 'inference threads', String(DEFAULT_THREADS))
    .option('--calib <source>', `cpu/fpga with an ONNX model: ${CALIB_HELP}`)
    .option('--xclbin <file>', 'fpga: the accelerator bitstream (default /lib/firmware/xilinx/sarwatch/sarwatch.xclbin)')
    .option('--fpga-timeout <ms>', 'fpga: per-run timeout before reset, retry and CPU fallback', '2000')
    .option('--batch <n>', 'tiles per backend call', '1')
    .option('--pixel-spacing <m>', 'ground pixel size in metres for scenes without georeference')
    .option('--no-quicklook', 'skip quicklook.png')
    .option('--no-land-mask', 'keep detections on land (by default they are dropped where the scene has a bathymetry band)')
    .option('--json', 'print the summary as JSON');
  addRuntimeOptions(cmd).action(async (scene: string, o: DetectCliOptions) => {
      const bar = progressBar('detect', !o.json);
      const threads = integer('--threads', o.threads, 1, 256);
      const summary = await withRuntime(o, threads, (rt) => detectScene({
          scene,
          outDir: o.out,
          modelPath: o.model,
          backend: oneOf('--backend', o.backend, BACKEND_CHOICES) as BackendName | 'auto',
          backendOptions: { threads, calib: o.calib, xclbin: o.xclbin, fpgaTimeoutMs: integer('--fpga-timeout', o.fpgaTimeout, 10, 600_000) },
          decode: { ...(o.conf === undefined ? {} : { conf: number('--conf', o.conf, 0.001, 1) }), iou: number('--iou', o.iou, 0.01, 1) },
          fishingShare: o.fishingShare === undefined ? undefined : number('--fishing-share', o.fishingShare, 0, 0.99),
          fishingMaxLengthM: o.fishingMaxLength === undefined ? undefined : number('--fishing-max-length', o.fishingMaxLength, 0, 10_000),
          classRule: o.classRule === undefined ? undefined : oneOf('--class-rule', o.classRule, CLASS_RULES),
          tile: o.tile === undefined ? undefined : integer('--tile', o.tile, 32, 4096),
          overlap: o.overlap === undefined ? undefined : integer('--overlap', o.overlap, 0, 2048),
          batch: integer('--batch', o.batch, 1, 64),
          pixelSpacingM: o.pixelSpacing === undefined ? null : number('--pixel-spacing', o.pixelSpacing, 0.01, 10_000),
          quicklook: o.quicklook,
          landMask: o.landMask,
          observer: { ...rt.observer, progress: (d, t) => bar.update(d, t) },
          power: rt.power,
          budget: rt.budget,
        }).finally(() => bar.stop()));
      if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else printSummary(summary);
    });
}
