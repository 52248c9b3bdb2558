/** The accelerator's modelled performance, against a layer worked out by hand. */
import { describe, expect, it } from 'vitest';
import { accelReport } from '../../dist/src/accel/accel-report.js';
import { ENGINE_CONFIG } from '../../dist/src/accel/engine-config.js';
import { convCycles, LAYER_OVERHEAD, PIPE_DEPTH } from '../../dist/src/accel/perf-model.js';
import { resourceTotals } from '../../dist/src/accel/resource-model.js';
import { readProgram } from '../../dist/src/model/program-reader.js';
import { BUNDLED_PROGRAM, hasProgram, skipNote } from '../helpers.js';

const T = (c: number, h: number, w: number) => ({ id: 0, c, h, w, arenaOffset: 0, pixelStride: c, channelOffset: 0, zp: 0, scale: 1, parent: 0 });

describe('accelerator model (modelled, not measured)', () => {
  it('counts a 3x3 convolution, 32 → 64 channels on 100 x 100, as the kernel loops run', () => {
    expect([ENGINE_CONFIG.peOc, ENGINE_CONFIG.peIc, PIPE_DEPTH, LAYER_OVERHEAD]).toEqual([32, 32, 12, 400]);
    const layer = { op: 'conv' as const, out: 1, ins: [0], kh: 3, kw: 3, stride: 1, pad: 1, groups: 1, factor: 1, hasLut: true };
    const r = convCycles(layer, T(32, 100, 100), T(64, 100, 100));
    // By hand: 2 output tiles, 9 k-steps (1 input tile x 9 taps).
    //  weight load:  2 tiles x 32 lanes x [(ceil(288/64)=5 + 1 + 12) + (9 + 12)] = 2 x 32 x 39 = 2,496
    //  requant table: 64 + 12 = 76
    //  per row:  fetch one input row = (100x32/16 + 12) + 100 x 2 + 12 = 424
    //            compute 2 tiles x [(100+12) + 9 x ((32+12) + (100+12)) + (100+12)] = 2 x 1,628 = 3,256
    //            store 100x64/16 + 12 = 412  → the row costs max(424, 3,256, 412) = 3,256
    //  first fetch 3 rows = 1,272; 100 rows = 325,600; drain store 412; control 400
    expect(r.cycles).toBe(400 + 2496 + 76 + 1272 + 325_600 + 412);
    expect(r.macs).toBe(100 * 100 * 64 * 9 * 32);
  });

  it('fits every XCK26 resource under 80 %', () => {
    const r = resourceTotals();
    for (const k of ['dsp_pct', 'bram_pct', 'uram_pct', 'lut_pct'] as const) expect(r[k]).toBeLessThanOrEqual(80);
  });

  it.skipIf(skipNote('models/sarwatch-yolov8-sar.swp', hasProgram))('reports the keys bench accel prints, labelled modelled', () => {
    const r = accelReport(readProgram(BUNDLED_PROGRAM), 10);
    expect(r.modelled).toBe(true);
    for (const k of ['scene_seconds', 'tile_ms', 'board_watts', 'clock_mhz', 'dsp_pct', 'bram_pct', 'uram_pct', 'lut_pct']) expect(typeof (r as unknown as Record<string, number>)[k]).toBe('number');
    expect(r.scene_tiles).toBe(40 * 34);
    expect(r.clock_mhz).toBe(300);
  });
});
