/**
 * The class rule `vessel-first` (decode.VesselFirst, `--class-rule`) through the whole path: the
 * CLI option, the C++ decode of the int8 engine and the host decode of onnxruntime's output. It
 * moves detections from `non_vessel` to the vessel kinds, never the other way, and says so in the
 * summary.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasModel, hasProgram, rm, runCli, skipNote, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

function detect(scene: string, backend: string, rule: string): { classes: string[]; rule: string } {
  const out = path.join(dir, `${backend}-${rule}`);
  const r = runCli(['detect', scene, '--out', out, '--backend', backend, '--no-quicklook', '--json', '--class-rule', rule, '--conf', '0.05']);
  expect(r.code, r.stderr).toBe(0);
  const geo = JSON.parse(readFileSync(path.join(out, 'detections.geojson'), 'utf8'));
  return { classes: geo.features.map((f: { properties: { class_name: string } }) => f.properties.class_name), rule: JSON.parse(r.stdout).class_rule };
}

const count = (classes: string[], ...names: string[]) => classes.filter((c) => names.includes(c)).length;

describe.skipIf(skipNote('the bundled model and program', hasModel && hasProgram))('class rule', () => {
  it('vessel-first turns non-vessels into vessels alike on the int8 engine and onnxruntime', () => {
    const scene = path.join(dir, 'scene');
    const r = runCli(['synth', '--out', scene, '--size', '2000x2000', '--seed', '31', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const backend of ['cpu', 'ort']) {
      const best = detect(scene, backend, 'best');
      const first = detect(scene, backend, 'vessel-first');
      expect([best.rule, first.rule]).toEqual(['best', 'vessel-first']);
      // At conf 0.05 some non-vessels have a vessel score above the threshold: the rule moves them.
      expect(count(first.classes, 'vessel', 'fishing'), backend).toBeGreaterThan(count(best.classes, 'vessel', 'fishing'));
      expect(count(first.classes, 'non_vessel'), backend).toBeLessThan(count(best.classes, 'non_vessel'));
    }
  });

  it('refuses an unknown rule', () => {
    const r = runCli(['detect', path.join(dir, 'none'), '--out', path.join(dir, 'bad'), '--class-rule', 'vessel-last']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--class-rule/);
  });
});
