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
    // By hand: 2 output tiles, 9 k-steps (1 input tile x 9 taps; 32 channels fill the lanes, so no tap packing).
    //  weight load:  2 tiles x 32 lanes x [(ceil(288/64)=5 + 1 + 12) + (9 + 12)] = 2 x 32 x 39 = 2,496
    //  requant and lane tables: (64 + 12) + (32 + 12) = 120
    //  per row:  fetch one dense input row = 100x32/16 + 12 = 212
    //            compute 2 tiles x [first block (32+12) + 9 k-steps x (100+12) + requant (100+12)] = 2 x 1,164 = 2,328
    //            store 100x64/16 + 12 = 412  → the row costs max(212, 2,328, 412) = 2,328
    //  first fetch 3 rows = 636; 100 rows = 232,800; drain store 412; control 400
    expect(r.cycles).toBe(400 + 2496 + 120 + 636 + 232_800 + 412);
    expect(r.macs).toBe(100 * 100 * 64 * 9 * 32);
  });

  it('packs taps for a layer with few input channels: the first 3x3/2 convolution, 2 → 16 channels, 800 → 400 px', () => {
    const layer = { op: 'conv' as const, out: 1, ins: [0], kh: 3, kw: 3, stride: 2, pad: 1, groups: 1, factor: 1, hasLut: true };
    const r = convCycles(layer, T(2, 800, 800), T(16, 400, 400));
    // By hand: pack = 32 / 2 = 16 taps per k-step, so the 9 taps take 1 k-step; 1 output tile.
    //  weight load:  1 tile x 32 lanes x [(ceil(18/64)=1 + 1 + 12) + (1 + 12)] = 32 x 27 = 864
    //  requant and lane tables: (16 + 12) + (32 + 12) = 72
    //  per row:  fetch = 800x2/16 + 12 = 112, two new rows (stride 2) = 224
    //            compute = first block 44 + 1 k-step x (window prologue 2 + 3 x (3 - 2) + (400+12)) + requant 412 = 873
    //            store = 400x16/16 + 12 = 412 → the row costs 873
    //  first fetch 3 rows = 336; 400 rows = 349,200; drain 412; control 400
    expect(r.cycles).toBe(400 + 864 + 72 + 336 + 349_200 + 412);
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
