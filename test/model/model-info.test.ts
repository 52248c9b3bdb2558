import { describe, expect, it } from 'vitest';
import { loadModelInfo, parseNames } from '../../dist/src/model/model-info.js';
import { BUNDLED_MODEL, hasModel, skipNote } from '../helpers.js';

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
});
