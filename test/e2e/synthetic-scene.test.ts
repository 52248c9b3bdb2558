/**
 * End to end on a synthetic Sentinel-1 scene with ground truth: synthesise,
 * detect with the bundled model through the CLI, score with the xView3
 * metric. Quality bar: detection F1 >= 0.9 at 20 px.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasModel, rm, runCli, skipNote, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

describe.skipIf(skipNote('models/sarwatch-yolov8-sar.onnx', hasModel))('end to end, synthetic scene', () => {
  it('finds the labelled vessels: xView3 detection F1 >= 0.9, outputs complete and consistent', () => {
    const scene = path.join(dir, 'scene');
    const out = path.join(dir, 'out');
    // Seeds 9001+ are never used for training chips (those are seeded from 0).
    let r = runCli(['synth', '--out', scene, '--size', '4000x3000', '--seed', '9001', '--json']);
    expect(r.code, r.stderr).toBe(0);
    r = runCli(['detect', scene, '--out', out, '--backend', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.backend).toBe('cpu');
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).detections).toBe(summary.detections);
    const csvRows = readFileSync(path.join(out, 'detections.csv'), 'utf8').trim().split('\n').length - 1;
    expect(csvRows).toBe(summary.detections);
    expect(JSON.parse(readFileSync(path.join(out, 'detections.geojson'), 'utf8')).features).toHaveLength(summary.detections);
    r = runCli(['score', path.join(out, 'detections.csv'), path.join(scene, 'labels.csv'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const score = JSON.parse(r.stdout);
    process.stderr.write(`e2e synthetic 4000 x 3000: ${JSON.stringify(score)}\n`);
    expect(score.f1_detection).toBeGreaterThanOrEqual(0.9);
  });
});
