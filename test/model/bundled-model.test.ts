/**
 * The committed model in the ORT backend, on real SSDD test pictures: it
 * finds the labelled ships (VOC boxes from the official annotations).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerBuiltinBackends } from '../../dist/src/backends/builtin.js';
import { resolveBackend } from '../../dist/src/backends/registry.js';
import { loadModelInfo } from '../../dist/src/model/model-info.js';
import { BUNDLED_MODEL, detectSsddImage, hasModel, hasProgram, hasSsdd, iou, rm, runCli, skipNote, SSDD, tmpDir, type Box } from '../helpers.js';


function vocBoxes(id: string): Box[] {
  const xml = readFileSync(path.join(SSDD, 'Annotations', `${id}.xml`), 'utf8');
  return [...xml.matchAll(/<bndbox>\s*<xmin>([\d.]+)<\/xmin>\s*<ymin>([\d.]+)<\/ymin>\s*<xmax>([\d.]+)<\/xmax>\s*<ymax>([\d.]+)<\/ymax>/g)].map((m) => ({
    x1: Number(m[1]),
    y1: Number(m[2]),
    x2: Number(m[3]),
    y2: Number(m[4]),
  }));
}

const ids = ['000001', '000011', '000019', '000029', '000039', '000049', '000101', '000109', '000201', '000209', '000301', '000309', '000401', '000409', '000501', '000509'];

describe.skipIf(skipNote('SSDD (../shared/data/ssdd) and the bundled model', hasSsdd && hasModel))('bundled model on onnxruntime', () => {
  it('finds the ships of SSDD test images', async () => {
    registerBuiltinBackends();
    const model = await loadModelInfo(BUNDLED_MODEL);
    expect(model.names[0]).toBe('vessel');
    const { backend } = await resolveBackend('ort', BUNDLED_MODEL, model, { threads: 2 });
    let truth = 0;
    let found = 0;
    let detections = 0;
    for (const id of ids) {
      const dets = await detectSsddImage(id, backend, BUNDLED_MODEL);
      const gt = vocBoxes(id);
      truth += gt.length;
      detections += dets.length;
      found += gt.filter((g) => dets.some((d) => iou(d, g) >= 0.5)).length;
    }
    await backend.dispose();
    process.stderr.write(`bundled model, ${ids.length} SSDD test images: ${found} of ${truth} ships found, ${detections} detections\n`);
    expect(found / truth).toBeGreaterThanOrEqual(0.85);
    expect(detections).toBeLessThanOrEqual(truth * 1.5);
  });

  it('`sarwatch eval` scores them with VOC labels, a bootstrap interval and the int8 program against the float model', () => {
    const dir = tmpDir();
    try {
      const list = path.join(dir, 'ids.txt');
      writeFileSync(list, ids.join('\r\n') + '\r\n');
      // With the int8 program, against the float model on the same pictures.
      const backend = hasProgram ? ['--backend', 'cpu', '--against', 'ort'] : ['--backend', 'ort'];
      const r = runCli(['eval', path.join(SSDD, 'JPEGImages'), path.join(SSDD, 'Annotations'), '--format', 'voc', '--list', list, ...backend, '--ci', '200', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const e = JSON.parse(r.stdout);
      expect([e.images, e.ships]).toEqual([ids.length, ids.reduce((n, id) => n + vocBoxes(id).length, 0)]);
      expect(e.ap50).toBeGreaterThan(0.8);
      expect(e.ap50_ci.resamples).toBe(200);
      expect(e.ap50_ci.lo).toBeLessThanOrEqual(e.ap50);
      expect(e.ap50_ci.hi).toBeGreaterThanOrEqual(e.ap50);
      expect(e.ap50_ci.hi).toBeLessThanOrEqual(1);
      if (hasProgram) {
        expect([e.backend, e.against.backend]).toEqual(['cpu', 'ort']);
        expect(e.against.ships).toBe(e.ships);
        expect(e.against.ap50_diff).toBeCloseTo(e.ap50 - e.against.ap50, 12);
        const d = e.against.ap50_diff_ci;
        expect(d.resamples).toBe(200);
        expect(d.lo).toBeLessThanOrEqual(d.hi);
        // int8 and float find nearly the same ships on these pictures.
        expect(Math.abs(e.against.ap50_diff)).toBeLessThan(0.05);
      }
    } finally {
      rm(dir);
    }
  });
});
