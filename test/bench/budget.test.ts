/**
 * `sarwatch bench budget` end to end on a small synthetic scene: the fpga
 * backend cannot run here and is reported as unavailable (not replaced), the
 * KV260 row is labelled modelled, the cpu row is measured with a named power
 * source, and the derived figures follow from the measured ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, rm, tmpDir } from '../helpers.js';

const dir = tmpDir();

/** `rate` (rounded to 0.01) is `amount / x` for some x within `half` of the rounded `x`. */
function expectRateWithin(rate: number, amount: number, x: number, half: number): void {
  expect(x).toBeGreaterThan(half);
  expect(rate).toBeGreaterThanOrEqual(amount / (x + half) - 0.0051);
  expect(rate).toBeLessThanOrEqual(amount / (x - half) + 0.0051);
}
afterAll(() => rm(dir));

describe('bench budget', () => {
  it('reports each backend against 10 W and 717 MP in 60 s, naming the power source, and writes JSON and a PNG chart', () => {
    const out = path.join(dir, 'report');
    const r = runCli(['bench', 'budget', '--synthetic', '1500x1500', '--backends', 'fpga,cpu', '--power-source', 'model', '--out', out, '--json'], {
      env: { SARWATCH_BENCH_DIR: path.join(dir, 'scenes') },
    });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toEqual(JSON.parse(readFileSync(path.join(out, 'budget.json'), 'utf8')));
    expect(report.megapixels).toBeCloseTo(2.25, 2);
    const [fpga, kv260, cpu] = report.rows;
    expect(fpga).toMatchObject({ backend: 'fpga', available: false });
    expect(fpga.reason).toMatch(/xclbin|XRT|device/);
    expect(kv260).toMatchObject({ kind: 'modelled', available: true, power_measured: false });
    expect(kv260.backend).toMatch(/modelled/i);
    expect(cpu).toMatchObject({ backend: 'cpu', kind: 'measured', available: true, power_measured: false });
    expect(cpu.power_source).toMatch(/^model: host-cpu/);
    for (const row of [kv260, cpu]) {
      expect(row.seconds).toBeGreaterThan(0);
      // The report rounds seconds and energy; the rates are derived before rounding,
      // so they must lie within the range that the rounded figures allow.
      expectRateWithin(row.mp_per_s, report.megapixels, row.seconds, row.kind === 'measured' ? 0.0005 : 0.005);
      expectRateWithin(row.mp_per_j, report.megapixels, row.energy_j, 0.005);
      expect(row.within_budget).toBe(row.avg_w <= 10);
      expectRateWithin(row.scene_717mp_s, 717, row.mp_per_s, 0.005);
      expect(row.within_60s).toBe(row.scene_717mp_s <= 60);
      expect(row.peak_w).toBeGreaterThanOrEqual(row.avg_w - 1e-9);
    }
    const png = PNG.sync.read(readFileSync(path.join(out, 'budget.png')));
    expect(png.width).toBe(960);
    expect(png.height).toBeGreaterThan(200);
  });
});
