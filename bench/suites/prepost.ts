/**
 * Host work around inference, per tile, from the pipeline's own stage timers
 * on a synthetic scene: pre = read + normalise + cut, post = decode + NMS +
 * cross-tile merge, against the inference they feed (the peer, same run).
 * Target (issue 2): pre + post ≤ 10 % of inference.
 */
import os from 'node:os';
import { BUNDLED_MODEL } from '../../src/cli/defaults.js';
import { detectScene } from '../../src/pipeline/detect-scene.js';
import { r2, verdict, type SuiteResult } from '../report.js';
import { syntheticScene } from '../../src/bench/scene-cache.js';

export async function run(opts: { quick: boolean }): Promise<SuiteResult> {
  const side = opts.quick ? 2272 : 3744; // 3 x 3 and 5 x 5 tiles of 800 with 64 overlap
  const dir = syntheticScene(side, side, 13);
  const figures: SuiteResult['figures'] = {};
  const lines: string[] = [];
  for (const backend of ['cpu', 'ort'] as const) {
    const s = await detectScene({ scene: dir, outDir: null, modelPath: BUNDLED_MODEL, backend, backendOptions: { threads: os.availableParallelism() } });
    const n = s.tiles;
    const pre = (s.stage_ms.read + s.stage_ms.normalise) / n;
    const post = (s.stage_ms.decode + s.stage_ms.merge) / n;
    const infer = s.stage_ms.infer / n;
    const ratio = (pre + post) / infer;
    Object.assign(figures, {
      [`${backend}_tiles`]: n,
      [`${backend}_pre_ms`]: r2(pre),
      [`${backend}_post_ms`]: r2(post),
      [`${backend}_infer_ms`]: r2(infer),
      [`${backend}_prepost_pct_of_infer`]: r2(100 * ratio),
    });
    lines.push(
      `${backend.padEnd(4)} per tile: pre ${r2(pre)} ms + post ${r2(post)} ms = ${r2(100 * ratio)} % of inference (${r2(infer)} ms); ${verdict(ratio <= 0.1)} <= 10 %`,
    );
  }
  return { suite: 'prepost', what: `host pre/post-processing per tile against inference, ${side} x ${side} synthetic scene`, figures, lines };
}
