/** `sarwatch compile`: YOLOv8 ONNX → int8 program for the cpu engine and the KV260 kernel. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compileModel } from '../../model/compiler/compile.js';
import { integer, number, oneOf } from '../../util/check.js';
import { DEFAULT_THREADS } from '../defaults.js';

export const CALIB_HELP = "calibration tiles: 'synthetic', a folder of images/scenes, or folder@ids.txt; comma-separate to mix";

export function register(program: Command): void {
  program
    .command('compile')
    .description('compile a YOLOv8 detection ONNX into an int8 program (.swp) for the cpu engine and the FPGA kernel')
    .argument('<model.onnx>', 'YOLOv8 detection ONNX (Ultralytics layout)')
    .requiredOption('-o, --out <file.swp>', 'program file')
    .option('--calib <source>', CALIB_HELP, 'synthetic')
    .option('--calib-count <n>', 'calibration tiles', '16')
    .option('--calib-method <m>', 'minmax or percentile', 'minmax')
    .option('--percentile <p>', 'share of values inside the range for --calib-method percentile', '99.99')
    .option('--threads <n>', 'onnxruntime threads for calibration', String(DEFAULT_THREADS))
    .option('--json', 'print JSON')
    .action(async (file: string, o) => {
      const t0 = performance.now();
      const r = await compileModel(file, {
        source: o.calib,
        count: integer('--calib-count', o.calibCount, 1, 10_000),
        method: oneOf('--calib-method', o.calibMethod, ['minmax', 'percentile'] as const),
        percentile: number('--percentile', o.percentile, 50, 100),
        threads: integer('--threads', o.threads, 1, 256),
      });
      writeFileSync(`${o.out}.partial`, r.program);
      (await import('node:fs')).renameSync(`${o.out}.partial`, o.out);
      const summary = { out: o.out, bytes: r.program.length, layers: r.layers, gmac_per_tile: Number((r.macs / 1e9).toFixed(3)), seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), source_sha256: r.sourceSha256 };
      process.stdout.write(o.json ? JSON.stringify(summary, null, 2) + '\n' : `wrote ${o.out}: ${summary.layers} layers, ${summary.gmac_per_tile} GMAC per tile, ${summary.bytes} bytes, in ${summary.seconds} s\n`);
    });
}
