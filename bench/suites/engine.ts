/**
 * The native int8 engine against onnxruntime fp32 and int8 on the same tiles
 * and threads (src/bench/engine-bench.ts; `sarwatch bench engine` prints the
 * same). Targets (issue 4): ≥ 1.5× onnxruntime fp32, ≥ 1.0× onnxruntime int8.
 */
import os from 'node:os';
import { benchEngine } from '../../src/bench/engine-bench.js';
import { BUNDLED_MODEL } from '../../src/cli/defaults.js';
import { formatEngineBench } from '../../src/cli/commands/bench.js';
import type { SuiteResult } from '../report.js';

export async function run(opts: { quick: boolean }): Promise<SuiteResult> {
  const r = await benchEngine({ model: BUNDLED_MODEL, threads: os.availableParallelism(), tiles: 4, rounds: opts.quick ? 2 : 3 });
  const figures: SuiteResult['figures'] = {
    threads: r.threads,
    gmac_per_tile: r.gmac_per_tile,
    int8_peak_gmac_per_s: r.int8_peak_gmac_per_s,
    native_simd: r.native_simd,
    speedup_vs_ort_fp32: r.speedup_vs_ort_fp32,
    speedup_vs_ort_int8: r.speedup_vs_ort_int8,
    meets: r.targets.met,
  };
  for (const e of r.engines) {
    figures[`${e.engine}_ms_per_tile`] = e.ms_per_tile;
    figures[`${e.engine}_pct_of_int8_peak`] = e.pct_of_int8_peak;
  }
  return { suite: 'engine', what: 'sarwatch int8 engine vs onnxruntime fp32 / int8 (QDQ), same tiles and threads', figures, lines: formatEngineBench(r).trimEnd().split('\n') };
}
