/**
 * The fishing length gate (model-info.FishingGate, metadata `sarwatch_fishing_max_length_m`,
 * `--fishing-max-length`): a `fishing` detection estimated longer than the gate is called
 * `vessel`; nothing else changes.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/model/model-info.js';
import { detectCli, hasProgram, lib, rm, runCli, skipNote, tmpDir, type DetectedFeature } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

describe('fishing length gate', () => {
  it('calls a fishing detection longer than the gate vessel, and only that', async () => {
    const { enrich } = await lib<typeof import('../../src/pipeline/detection.js')>('pipeline/detection.js');
    const model = { names: ['vessel', 'fishing', 'non_vessel'], vesselClasses: [0, 1], fishingClasses: [1] } as unknown as ModelInfo;
    const gate = { vessel: 0, maxLengthM: 100 };
    const box = (cls: number, w: number) => ({ x1: 0, y1: 0, x2: w, y2: 4, score: 0.5, cls, tile: 0 });
    // At 10 m pixels a 23 × 4 px box is about 180 m long (3 px of margin off each dimension, times 0.9); a 9 × 4 px box about 55 m.
    const long = enrich(box(1, 23), model, null, 10, gate);
    expect(long.lengthM!).toBeGreaterThan(100);
    expect(long).toMatchObject({ cls: 0, className: 'vessel', isVessel: true, isFishing: false });
    expect(enrich(box(1, 9), model, null, 10, gate)).toMatchObject({ className: 'fishing', isFishing: true });
    expect(enrich(box(2, 23), model, null, 10, gate)).toMatchObject({ className: 'non_vessel', isVessel: false });
    // Without a pixel spacing there is no length, so no gate.
    expect(enrich(box(1, 23), model, null, null, gate)).toMatchObject({ className: 'fishing', lengthM: null });
    expect(enrich(box(1, 23), model, null, 10)).toMatchObject({ className: 'fishing' });
  });

  it.skipIf(skipNote('the bundled program', hasProgram))('`detect` follows the model gate (100 m) and --fishing-max-length', () => {
    const scene = path.join(dir, 'scene');
    const s = runCli(['synth', '--out', scene, '--size', '2000x2000', '--seed', '31', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const run = (gate: string | null) => {
      const r = detectCli(scene, path.join(dir, `gate-${gate}`), ['--backend', 'cpu', ...(gate === null ? [] : ['--fishing-max-length', gate])]);
      expect(r.code, r.stderr).toBe(0);
      return { gate: r.summary.fishing_max_length_m, rows: r.features };
    };
    const n = (rows: DetectedFeature[], c: string) => rows.filter((r) => r.class_name === c).length;
    const none = run('0');
    const own = run(null);
    const tight = run('30');
    expect([none.gate, own.gate, tight.gate]).toEqual([null, 100, 30]);
    // Synthetic fishing vessels are 10-60 m: a 30 m gate renames some, and only fishing to vessel.
    expect(n(tight.rows, 'fishing')).toBeLessThan(n(none.rows, 'fishing'));
    expect(n(tight.rows, 'fishing') + n(tight.rows, 'vessel')).toBe(n(none.rows, 'fishing') + n(none.rows, 'vessel'));
    expect(n(tight.rows, 'non_vessel')).toBe(n(none.rows, 'non_vessel'));
    expect(tight.rows.filter((r) => r.class_name === 'fishing' && r.vessel_length_m! > 30)).toEqual([]);
  });
});
