import { describe, expect, it } from 'vitest';
import { classRuleOf, fishingGate, loadModelInfo, parseNames, vesselFirstFor, type ModelInfo } from '../../dist/src/model/model-info.js';
import { programMetadata, type Program } from '../../dist/src/model/program-reader.js';
import { BUNDLED_MODEL, BUNDLED_PROGRAM, hasModel, hasProgram, skipNote } from '../helpers.js';

describe('model info', () => {
  it('parses Ultralytics names metadata (a Python dict repr)', () => {
    expect(parseNames("{0: 'person', 1: \"bicycle\", 2: 'o\\'brien'}", 4)).toEqual(['person', 'bicycle', "o\\'brien", 'class3']);
  });

  it.skipIf(skipNote('bundled model', hasModel))('reads the bundled model: 2 SAR channels, 800 × 800, 3 heads, vessel classes', async () => {
    const m = await loadModelInfo(BUNDLED_MODEL);
    expect(m).toMatchObject({ channels: 2, width: 800, height: 800, strides: [8, 16, 32], anchors: 13125, inputName: 'images', outputName: 'output0' });
    expect(m.names).toEqual(['vessel', 'fishing', 'non_vessel']);
    expect(m.input).toEqual({ kind: 'sar_db', channels: [{ band: 'VV', lo: -50, hi: 20 }, { band: 'VH', lo: -50, hi: 20 }] });
    expect(m.vesselClasses).toEqual([0, 1]);
    expect(m.fishingClasses).toEqual([1]);
  });

  it.skipIf(skipNote('bundled model and program', hasModel && hasProgram))('the bundled model and its program name their class rule, vessel-first, and fishing gate, 100 m (model card)', async () => {
    for (const file of [BUNDLED_MODEL, BUNDLED_PROGRAM]) {
      const m = await loadModelInfo(file);
      expect(classRuleOf(m), file).toBe('vessel-first');
      expect(fishingGate(m), file).toEqual({ vessel: 0, maxLengthM: 100 });
    }
  });

  it("takes the class rule asked for, else the model's own (metadata sarwatch_class_rule), else best", () => {
    const model = (names: string[], metadata: Record<string, string>) => ({ path: 'm.onnx', names, metadata }) as unknown as ModelInfo;
    const sar = ['vessel', 'fishing', 'non_vessel'];
    expect(classRuleOf(model(sar, {}))).toBe('best');
    expect(classRuleOf(model(sar, { sarwatch_class_rule: 'vessel-first' }))).toBe('vessel-first');
    expect(classRuleOf(model(sar, { sarwatch_class_rule: 'vessel-first' }), 'best')).toBe('best');
    expect(classRuleOf(model(sar, {}), 'vessel-first')).toBe('vessel-first');
    expect(vesselFirstFor(model(sar, { sarwatch_class_rule: 'vessel-first' }))).toEqual({ vessel: 0, fishing: 1 });
    expect(vesselFirstFor(model(sar, { sarwatch_class_rule: 'vessel-first' }), 'best')).toBeUndefined();
    expect(() => classRuleOf(model(sar, { sarwatch_class_rule: 'vessel-last' }))).toThrow(/sarwatch_class_rule is "vessel-last"/);
    expect(() => vesselFirstFor(model(['ship'], { sarwatch_class_rule: 'vessel-first' }))).toThrow(/metadata sarwatch_class_rule.*"vessel"/);
  });

  it("a program carries its ONNX's sarwatch_* metadata whole; an older program's typed fields read as the same keys", () => {
    const program = (meta: Record<string, unknown>) => ({ meta }) as unknown as Program;
    const carried = { sarwatch_conf: '0.15', sarwatch_class_rule: 'vessel-first', sarwatch_future_key: 'x' };
    expect(programMetadata(program({ metadata: carried, conf: 0.5 }))).toEqual(carried);
    expect(programMetadata(program({ overlap: 64, conf: 0.15, fishingShare: 0.2, classRule: 'vessel-first', fishingMaxLengthM: 100 }))).toEqual({
      sarwatch_overlap: '64',
      sarwatch_conf: '0.15',
      sarwatch_fishing_share: '0.2',
      sarwatch_class_rule: 'vessel-first',
      sarwatch_fishing_max_length_m: '100',
    });
    expect(programMetadata(program({ overlap: null, conf: null }))).toEqual({});
  });
});
