/**
 * The int8 engine against the float oracle on real SSDD test pictures: the
 * same ships are found. (The full measure is `sarwatch eval` on the whole test
 * split, in the README and the model card.)
 */
import { describe, expect, it } from 'vitest';
import { resolveBackend } from '../../dist/src/backends/registry.js';
import type { SceneDetection } from '../../dist/src/pipeline/detection.js';
import { registerBuiltinBackends } from '../../dist/src/backends/builtin.js';
import { loadModelInfo } from '../../dist/src/model/model-info.js';
import { BUNDLED_MODEL, detectSsddImage, hasModel, hasProgram, hasSsdd, iou, skipNote } from '../helpers.js';

describe.skipIf(skipNote('SSDD and the bundled model', hasSsdd && hasModel && hasProgram))('cpu (int8) against ort (float)', () => {
  it('finds the same ships on SSDD test images', async () => {
    registerBuiltinBackends();
    const model = await loadModelInfo(BUNDLED_MODEL);
    const found: Record<string, SceneDetection[][]> = { ort: [], cpu: [] };
    const ids = ['000001', '000011', '000019', '000029', '000101', '000109'];
    for (const name of ['ort', 'cpu'] as const) {
      const { backend } = await resolveBackend(name, BUNDLED_MODEL, model, { threads: 2 });
      for (const id of ids) found[name].push(await detectSsddImage(id, backend, BUNDLED_MODEL));
      await backend.dispose();
    }
    let matched = 0;
    let total = 0;
    found.ort.forEach((ortDets, i) => {
      total += ortDets.length;
      for (const d of ortDets) if (found.cpu[i].some((c) => iou(c, d) > 0.5)) matched++;
      expect(Math.abs(found.cpu[i].length - ortDets.length)).toBeLessThanOrEqual(1);
    });
    expect(total).toBeGreaterThan(0);
    expect(matched / total).toBeGreaterThanOrEqual(0.9);
  });
});
