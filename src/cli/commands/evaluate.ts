/** `sarwatch eval` (image datasets, COCO AP) and `sarwatch score` (xView3 metric). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { BackendName } from '../../backends/backend.js';
import { evaluateDataset, type BackendResult } from '../../eval/run-eval.js';
import { readLabels, readPredictions, readShorelines, scoreXview3 } from '../../eval/xview3-score.js';
import { integer, number, oneOf } from '../../util/check.js';
import { CALIB_HELP } from './compile.js';
import { BUNDLED_MODEL, DEFAULT_THREADS } from '../defaults.js';
import { progressBar } from '../progress.js';
import { BACKEND_CHOICES } from './detect.js';
import { CLASS_RULES } from '../../model/model-info.js';

const fmt = (v: number) => v.toFixed(4);

export function register(program: Command): void {
  program
    .command('eval')
    .description('run a backend over an image dataset (e.g. SSDD) and print COCO AP50, AP50:95, precision, recall, F1')
    .argument('<images-dir>', 'folder of PNG/JPEG images')
    .argument('<labels-dir>', 'folder of labels (YOLO .txt or VOC .xml)')
    .option('--format <f>', 'yolo or voc', 'yolo')
    .option('--list <ids.txt>', 'only these image ids (e.g. SSDD ImageSets/Main/test.txt)')
    .option('-m, --model <file>', 'YOLOv8 detection ONNX', BUNDLED_MODEL)
    .option('-b, --backend <name>', `backend: ${BACKEND_CHOICES.join(', ')}`, 'auto')
    .option('--conf <x>', "operating threshold for precision/recall/F1 (default: the model's, metadata sarwatch_conf, else 0.25)")
    .option('--iou <x>', 'NMS IoU threshold', '0.5')
    .option('--class-rule <rule>', `how a detection's class is decided: ${CLASS_RULES.join(', ')} (only vessel kinds are scored; default: the model's, metadata sarwatch_class_rule, else best)`)
    .option('--threads <n>', 'inference threads', String(DEFAULT_THREADS))
    .option('--calib <source>', `cpu/fpga with an ONNX model: ${CALIB_HELP}`)
    .option('--ci <resamples>', '95 % bootstrap interval of AP50 over the images, from this many resamples (e.g. 2000)')
    .option('--against <backend>', 'also run this backend on the same images and give the AP50 difference with a paired 95 % interval (--ci resamples, default 2000)')
    .option('--json', 'print JSON')
    .action(async (imagesDir: string, labelsDir: string, o) => {
      const bar = progressBar('eval', !o.json);
      const r = await evaluateDataset({
        imagesDir,
        labelsDir,
        format: oneOf('--format', o.format, ['yolo', 'voc'] as const),
        listFile: o.list,
        modelPath: o.model,
        backend: oneOf('--backend', o.backend, BACKEND_CHOICES) as BackendName | 'auto',
        backendOptions: { threads: integer('--threads', o.threads, 1, 256), calib: o.calib },
        conf: o.conf === undefined ? undefined : number('--conf', o.conf, 0.001, 1),
        iou: number('--iou', o.iou, 0.01, 1),
        classRule: o.classRule === undefined ? undefined : oneOf('--class-rule', o.classRule, CLASS_RULES),
        bootstrap: o.ci === undefined ? 0 : integer('--ci', o.ci, 10, 1_000_000),
        against: o.against === undefined ? undefined : (oneOf('--against', o.against, BACKEND_CHOICES) as BackendName | 'auto'),
        onProgress: (d, t) => bar.update(d, t),
      }).finally(() => bar.stop());
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const line = (b: BackendResult) =>
        `AP50 ${fmt(b.ap50)}` +
        (b.ap50_ci ? ` (95% ${fmt(b.ap50_ci.lo)}-${fmt(b.ap50_ci.hi)})` : '') +
        ` AP50:95 ${fmt(b.ap50_95)} | P ${fmt(b.precision)} R ${fmt(b.recall)} F1 ${fmt(b.f1)} @ conf ${b.conf} | ${b.backend}`;
      process.stdout.write(`${r.images} images, ${r.ships} ships | ${line(r)} | ${r.seconds.toFixed(1)} s\n`);
      if (r.against) {
        const d = r.against.ap50_diff_ci;
        process.stdout.write(
          `against: ${line(r.against)}\n` +
            `AP50 ${r.backend} - ${r.against.backend}: ${r.against.ap50_diff >= 0 ? '+' : ''}${fmt(r.against.ap50_diff)} ` +
            `(paired 95% ${fmt(d.lo)} to ${fmt(d.hi)}; ${r.backend} ahead in ${Math.round(100 * d.ahead)}% of ${d.resamples} resamples)\n`,
        );
      }
    });

  program
    .command('score')
    .description('score predictions against xView3 labels (F1 detection, close-to-shore, vessel, fishing, length, aggregate)')
    .argument('<pred.csv>', 'predictions (detections.csv)')
    .argument('<labels.csv>', 'xView3 labels')
    .option('--distance <px>', 'matching distance in pixels (200 m at 10 m)', '20')
    .option('--shore-km <km>', 'close-to-shore distance', '2')
    .option('--pixel-m <m>', 'pixel spacing in metres', '10')
    .option('--shoreline <csv>', 'shoreline contours (default: shoreline.csv beside the labels, if present)')
    .option('--json', 'print JSON')
    .action(async (predFile: string, labelFile: string, o) => {
      const shorelineFile = o.shoreline ?? path.join(path.dirname(labelFile), 'shoreline.csv');
      const shorelines = existsSync(shorelineFile) ? readShorelines(shorelineFile) : undefined;
      const s = scoreXview3(readPredictions(predFile), readLabels(labelFile), {
        distancePx: number('--distance', o.distance, 0.1, 10_000),
        shoreKm: number('--shore-km', o.shoreKm, 0, 1000),
        pixelM: number('--pixel-m', o.pixelM, 0.01, 10_000),
        shorelines,
      });
      if (o.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      else
        process.stdout.write(
          `F1 detection ${fmt(s.f1_detection)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn}) | close to shore ${fmt(s.f1_close_to_shore)} | ` +
            `vessel ${fmt(s.f1_vessel)} | fishing ${fmt(s.f1_fishing)} | length ${fmt(s.length_accuracy)} | aggregate ${fmt(s.aggregate)}\n`,
        );
    });
}
