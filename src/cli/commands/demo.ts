/**
 * `sarwatch demo` (`npm run demo`): the main job on bundled defaults. It
 * synthesises a seeded Sentinel-1 scene with ground truth, detects vessels
 * with the bundled model, and scores the detections against the scene's labels.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { BackendName } from '../../backends/backend.js';
import { readLabels, readPredictions, readShorelines, scoreXview3 } from '../../eval/xview3-score.js';
import { detectScene } from '../../pipeline/detect-scene.js';
import { writeXview3Scene } from '../../synth/write-scene.js';
import { integer, oneOf, size2 } from '../../util/check.js';
import { CALIB_HELP } from './compile.js';
import { BUNDLED_MODEL, DEFAULT_THREADS } from '../defaults.js';
import { progressBar } from '../progress.js';
import { addRuntimeOptions, withRuntime } from '../runtime-options.js';
import { BACKEND_CHOICES, printSummary } from './detect.js';

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('synthesise a Sentinel-1 scene, detect vessels with the bundled model, print the summary and the xView3 score')
    .option('-o, --out <dir>', 'working folder', 'sarwatch-demo')
    .option('--size <WxH>', 'scene size', '4000x4000')
    .option('--seed <n>', 'scene seed', '7')
    .option('-m, --model <file>', 'YOLOv8 detection ONNX', BUNDLED_MODEL)
    .option('-b, --backend <name>', `backend: ${BACKEND_CHOICES.join(', ')}`, 'auto')
    .option('--threads <n>', 'inference threads', String(DEFAULT_THREADS))
    .option('--calib <source>', `cpu/fpga with an ONNX model: ${CALIB_HELP}`)
    .option('--json', 'print JSON');
  addRuntimeOptions(cmd).action(async (o) => {
      const [width, height] = size2('--size', o.size, 30_000);
      const sceneDir = path.join(o.out, `synthetic-s${o.seed}`);
      const detDir = path.join(o.out, 'detections');
      if (!o.json) process.stdout.write(`synthesising a ${width} x ${height} scene (seed ${o.seed}) in ${sceneDir}\n`);
      const synth = writeXview3Scene(sceneDir, { width, height, seed: integer('--seed', o.seed, 0, 2 ** 31 - 1) });
      const bar = progressBar('detect', !o.json);
      const threads = integer('--threads', o.threads, 1, 256);
      const summary = await withRuntime(o, threads, (rt) => detectScene({
        scene: sceneDir,
        outDir: detDir,
        modelPath: o.model,
        backend: oneOf('--backend', o.backend, BACKEND_CHOICES) as BackendName | 'auto',
        backendOptions: { threads, calib: o.calib },
        observer: { ...rt.observer, progress: (d, t) => bar.update(d, t) },
        power: rt.power,
        budget: rt.budget,
      }).finally(() => bar.stop()));
      const score = scoreXview3(readPredictions(path.join(detDir, 'detections.csv')), readLabels(path.join(sceneDir, 'labels.csv')), {
        shorelines: readShorelines(path.join(sceneDir, 'shoreline.csv')),
      });
      if (o.json) {
        process.stdout.write(JSON.stringify({ synth, summary, score }, null, 2) + '\n');
        return;
      }
      printSummary(summary);
      const f = (v: number) => v.toFixed(3);
      process.stdout.write(
        `score      F1 detection ${f(score.f1_detection)} (P ${f(score.precision)}, R ${f(score.recall)}; ` +
          `tp ${score.tp}, fp ${score.fp}, fn ${score.fn} of ${synth.labels} labelled targets)\n` +
          `           close-to-shore ${f(score.f1_close_to_shore)}, vessel ${f(score.f1_vessel)}, fishing ${f(score.f1_fishing)}, ` +
          `length ${f(score.length_accuracy)}, xView3 aggregate ${f(score.aggregate)}\n` +
          `outputs    ${detDir}/{detections.csv,detections.geojson,quicklook.png,summary.json}\n`,
      );
    });
}
