/** The accelerator's modelled performance, against a layer worked out by hand. */
import { describe, expect, it } from 'vitest';
import { accelReport } from '../../dist/src/accel/accel-report.js';
import { ENGINE_CONFIG } from '../../dist/src/accel/engine-config.js';
import { convCycles, LAYER_OVERHEAD, layerCycles, PIPE_DEPTH } from '../../dist/src/accel/perf-model.js';
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
    //            compute 2 tiles x [first block (32+12) + 9 k-steps x (100+12)] = 2 x 1,052 = 2,104
    //            (the last k-step requantises as it accumulates: no separate pass)
    //            store 100x64/16 + 12 = 412  → the row costs max(212, 2,104, 412) = 2,104
    //  first fetch 3 rows = 636; 100 rows = 210,400; drain store 412; control 400
    expect(r.cycles).toBe(400 + 2496 + 120 + 636 + 210_400 + 412);
    expect(r.macs).toBe(100 * 100 * 64 * 9 * 32);
  });

  it('packs taps for a layer with few input channels: the first 3x3/2 convolution, 2 → 16 channels, 800 → 400 px', () => {
    const layer = { op: 'conv' as const, out: 1, ins: [0], kh: 3, kw: 3, stride: 2, pad: 1, groups: 1, factor: 1, hasLut: true };
    const r = convCycles(layer, T(2, 800, 800), T(16, 400, 400));
    // By hand: pack = 32 / 2 = 16 taps per k-step, so the 9 taps take 1 k-step; 1 output tile.
    //  weight load:  1 tile x 32 lanes x [(ceil(18/64)=1 + 1 + 12) + (1 + 12)] = 32 x 27 = 864
    //  requant and lane tables: (16 + 12) + (32 + 12) = 72
    //  per row:  fetch = 800x2/16 + 12 = 112, two new rows (stride 2) = 224
    //            compute = first block 44 + 1 k-step x (window prologue 2 + 3 x (3 - 2) + (400+12)) = 461
    //            store = 400x16/16 + 12 = 412 → the row costs 461
    //  first fetch 3 rows = 336; 400 rows = 184,400; drain 412; control 400
    expect(r.cycles).toBe(400 + 864 + 72 + 336 + 184_400 + 412);
  });

  it('puts 32 depthwise channels in one output tile: a 3x3 depthwise convolution, 48 channels on 100 x 100', () => {
    const layer = { op: 'conv' as const, out: 1, ins: [0], kh: 3, kw: 3, stride: 1, pad: 1, groups: 48, factor: 1, hasLut: true };
    const r = convCycles(layer, T(48, 100, 100), T(48, 100, 100));
    // By hand: tile groups of 32 channels with block-diagonal weights, so 2 output tiles (32 + 16 channels),
    // each 9 k-steps of one tap (32 channels fill the lanes, so no tap packing).
    //  weight load:  2 tiles x 32 lanes x [(ceil(9/64)=1 + 1 + 12) + (9 + 12)] = 2 x 32 x 35 = 2,240
    //  requant and lane tables: (48 + 12) + (32 + 12) = 104
    //  per row:  fetch 100x48/16 + 12 = 312; compute 2 x [44 + 9 x 112] = 2,104; store 312 → 2,104
    //  first fetch 3 rows = 936; 100 rows = 210,400; drain 312; control 400
    // (One group per tile, as before: 48 tiles of one packed k-step, 48 x 164 = 7,872 cycles a row.)
    expect(r.cycles).toBe(400 + 2240 + 104 + 936 + 210_400 + 312);
    expect(r.macs).toBe(100 * 100 * 48 * 9);
  });

  it("counts a C2f concatenation as its row pipeline runs: a split's two halves and a bottleneck's output", () => {
    // Tensors: 0 = the split buffer (32 channels), 1 and 2 = its halves (views), 3 = the bottleneck output, 4 = the concat.
    const V = (id: number, c: number, ps: number, off: number, parent: number) => ({ ...T(c, 200, 200), id, pixelStride: ps, channelOffset: off, parent });
    const tensors = [V(0, 32, 32, 0, 0), V(1, 16, 32, 0, 0), V(2, 16, 32, 16, 0), V(3, 16, 16, 0, 3), V(4, 48, 48, 0, 4)];
    const layer = { op: 'concat' as const, out: 4, ins: [1, 2, 3], kh: 0, kw: 0, stride: 0, pad: 0, groups: 0, factor: 1, hasLut: false };
    const r = layerCycles({ tensors }, layer);
    // By hand, per row (200 px):
    //  read:  the split buffer's row once for both halves, 200x32/16 + 12 = 412; the bottleneck row 200x16/16 + 12 = 212 → 624
    //  copy:  3 inputs x (200 px x 1 vector of 16 channels + 12) = 636
    //  store: 200x48/16 + 12 = 612  → the row costs max(624, 636, 612) = 636
    //  control 400; the first read 624; 200 rows = 127,200; drain store 612
    expect(r.cycles).toBe(400 + 624 + 127_200 + 612);
    expect(r.ddrBytes).toBe(200 * (200 * 32 + 200 * 16 + 200 * 48));
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
