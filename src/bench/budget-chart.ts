/**
 * The PNG chart of `sarwatch bench budget`: per backend, average watts against
 * the 10 W line, and the seconds a 717 MP scene takes against the 60 s line.
 * Modelled rows are hatched and labelled MODELLED.
 */
import { Canvas, type Rgb } from '../util/canvas.js';
import { BUDGET_W, REFERENCE_SCENE_S, type BudgetReport } from './budget-bench.js';

const INK: Rgb = [30, 30, 30];
const GRID: Rgb = [200, 200, 200];
const LIMIT: Rgb = [200, 30, 30];
const MEASURED: Rgb = [40, 110, 190];
const MODELLED: Rgb = [150, 150, 150];

export function writeBudgetChart(r: BudgetReport, file: string): void {
  const rows = r.rows.filter((x) => x.available);
  const W = 960;
  const H = 140 + rows.length * 70;
  const c = new Canvas(W, H);
  c.text(20, 16, `sarwatch bench budget: ${r.megapixels} MP scene, budget ${r.budget_w} W`, INK, 2);
  const panels = [
    { title: 'AVERAGE POWER (W)', x: 200, w: 330, value: (i: number) => rows[i].avg_w ?? 0, limit: BUDGET_W, fmt: (v: number) => `${v.toFixed(1)} W` },
    { title: 'SECONDS PER 717 MP SCENE', x: 600, w: 330, value: (i: number) => rows[i].scene_717mp_s ?? 0, limit: REFERENCE_SCENE_S, fmt: (v: number) => `${v.toFixed(0)} S` },
  ];
  const top = 60;
  for (const p of panels) {
    const max = Math.max(p.limit * 1.25, ...rows.map((_, i) => p.value(i))) * 1.05;
    const sx = (v: number) => p.x + (v / max) * p.w;
    c.text(p.x, top, p.title, INK, 1);
    c.hline(p.x, p.x + p.w, top + 14, GRID);
    rows.forEach((row, i) => {
      const y = top + 24 + i * 70;
      const v = p.value(i);
      const colour = row.kind === 'modelled' ? MODELLED : MEASURED;
      c.rect(p.x, y, sx(v) - p.x, 30, colour);
      if (row.kind === 'modelled') for (let x = p.x; x < sx(v); x += 8) c.vline(x, y, y + 29, [255, 255, 255]);
      c.text(Math.min(sx(v) + 6, p.x + p.w - 60), y + 11, p.fmt(v), INK, 1);
    });
    const lx = sx(p.limit);
    c.vline(lx, top + 18, top + 24 + rows.length * 70, LIMIT, 2);
    c.text(lx + 4, top + 24 + rows.length * 70 - 10, `LIMIT ${p.limit}`, LIMIT, 1);
  }
  rows.forEach((row, i) => {
    const y = top + 24 + i * 70;
    c.text(20, y + 4, row.backend.replace(/\s*\(.*\)/, ''), INK, 2);
    c.text(20, y + 24, row.kind === 'modelled' ? 'MODELLED (KV260)' : row.power_measured ? 'MEASURED POWER' : 'MODELLED POWER', row.kind === 'modelled' ? MODELLED : INK, 1);
  });
  c.text(20, H - 20, 'power sources: ' + [...new Set(rows.map((x) => (x.power_source ?? '').split(':')[0]))].join(', '), INK, 1);
  c.write(file);
}
