/**
 * The HLS kernel in C simulation, the whole bundled model, three real SSDD
 * tiles and one synthetic tile: every output byte equals the CPU engine's.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCsim } from '../../dist/harness/hls-csim.js';
import { BUNDLED_MODEL, BUNDLED_PROGRAM, hasMake, hasProgram, hasSsdd, skipNote } from '../helpers.js';

describe.skipIf(skipNote('make/g++ and models/sarwatch-yolov8-sar.swp', hasMake && hasProgram))('HLS kernel C simulation', () => {
  it('matches the CPU engine byte for byte on the whole model', async () => {
    skipNote('../shared/data/ssdd (the 3 real tiles; the synthetic one still runs)', hasSsdd);
    const r = await runCsim(BUNDLED_PROGRAM, BUNDLED_MODEL, path.join(os.tmpdir(), `sarwatch-csim-test-${process.pid}`));
    expect(r.output).toMatch(/fits the kernel/);
    expect(r.tiles.length).toBe(hasSsdd ? 4 : 1);
    expect(r.mismatchingBytes, r.output).toBe(0);
    expect(r.code).toBe(0);
  }, 300_000);
});
