/**
 * The fishing split (decode.FishingSplit, metadata `sarwatch_fishing_share`) through the whole
 * path: the CLI option, the C++ decode of the int8 engine and the host decode of onnxruntime's
 * output apply the same rule, and it moves only vessels between `vessel` and `fishing`.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCli, hasModel, hasProgram, iou, rm, runCli, skipNote, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

type Row = { x1: number; y1: number; x2: number; y2: number; cls: string };

function detect(scene: string, backend: string, share: string | null): { rows: Row[]; share: number | null } {
  const out = path.join(dir, `${backend}-${share}`);
  const r = detectCli(scene, out, ['--backend', backend, ...(share ? ['--fishing-share', share] : [])]);
  expect(r.code, r.stderr).toBe(0);
  const rows = r.features.map(({ bbox_px: [x1, y1, x2, y2], class_name }) => ({ x1, y1, x2, y2, cls: class_name }));
  return { rows, share: r.summary.fishing_share as number | null };
}

const count = (rows: Row[], cls: string) => rows.filter((r) => r.cls === cls).length;

describe.skipIf(skipNote('the bundled model and program', hasModel && hasProgram))('fishing split', () => {
  it('moves vessels between vessel and fishing alike on the int8 engine and onnxruntime', () => {
    const scene = path.join(dir, 'scene');
    const r = runCli(['synth', '--out', scene, '--size', '2000x2000', '--seed', '31', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const backend of ['cpu', 'ort']) {
      const low = detect(scene, backend, '0.05');
      const high = detect(scene, backend, '0.95');
      expect(low.share).toBe(0.05);
      // 0 lets the best class decide, over the bundled model's own share (its metadata: 0.2).
      expect(detect(scene, backend, '0').share).toBeNull();
      expect(detect(scene, backend, null).share).toBe(0.2);
      // A low share calls more vessels fishing than a high one; non-vessels are untouched.
      expect(count(low.rows, 'fishing'), backend).toBeGreaterThan(count(high.rows, 'fishing'));
      expect(count(low.rows, 'vessel'), backend).toBeLessThan(count(high.rows, 'vessel'));
      expect(count(low.rows, 'non_vessel'), backend).toBe(count(high.rows, 'non_vessel'));
      expect(count(low.rows, 'vessel') + count(low.rows, 'fishing'), backend).toBeGreaterThan(0);
    }
    // The two decodes agree on the class of the detections they share.
    const cpu = detect(scene, 'cpu', '0.3').rows;
    const ort = detect(scene, 'ort', '0.3').rows;
    let same = 0;
    let matched = 0;
    for (const d of ort) {
      const c = cpu.find((x) => iou(x, d) > 0.5);
      if (!c) continue;
      matched++;
      if (c.cls === d.cls) same++;
    }
    expect(matched).toBeGreaterThan(5);
    expect(same / matched).toBeGreaterThanOrEqual(0.8);
  });
});
