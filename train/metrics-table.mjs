// Markdown tables of the model card from the JSON that train/evaluate-bundled.sh writes.
//   node train/metrics-table.mjs OUT
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'eval-results';
const read = (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
const f3 = (x) => (x === null || x === undefined ? '–' : Number(x).toFixed(3));
const lines = [];
const ci = (r) => (r.ap50_ci ? `${f3(r.ap50_ci.lo)}–${f3(r.ap50_ci.hi)}` : '–');
lines.push('| SSDD split | images | ships | backend | AP50 | 95 % interval | AP50:95 | precision | recall | F1 | conf |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const pm = (x) => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(3);
const diffs = ['', '| SSDD split | AP50 int8 − float | paired 95 % interval | int8 ahead in |', '| --- | --- | --- | --- |'];
for (const split of ['test', 'test_inshore', 'test_offshore']) {
  const f = `ssdd-${split}.json`;
  if (!existsSync(path.join(dir, f))) continue;
  const cpu = read(f); // the int8 program, with the float model's run under `against`
  for (const [b, r] of [['ort', cpu.against], ['cpu', cpu]]) {
    lines.push(`| ${split} | ${r.images} | ${r.ships} | ${b} | ${f3(r.ap50)} | ${ci(r)} | ${f3(r.ap50_95)} | ${f3(r.precision)} | ${f3(r.recall)} | ${f3(r.f1)} | ${r.conf} |`);
  }
  const d = cpu.against.ap50_diff_ci;
  diffs.push(`| ${split} | ${pm(cpu.against.ap50_diff)} | ${pm(d.lo)} to ${pm(d.hi)} | ${Math.round(100 * d.ahead)} % of ${d.resamples} |`);
}
lines.push(...diffs);
lines.push('', '| synthetic 6000 × 6000, seed | backend | labelled | TP | FP | FN | F1 detection | F1 close to shore | F1 vessel | F1 fishing | length accuracy | aggregate | land-masked |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const mean = {};
for (const seed of [9001, 9002, 9003]) {
  for (const b of ['ort', 'cpu']) {
    const f = `synthetic-${seed}-${b}-score.json`;
    if (!existsSync(path.join(dir, f))) continue;
    const s = read(f);
    const sum = read(`synthetic-${seed}-${b}-summary.json`);
    (mean[b] ??= []).push(s.f1_detection);
    lines.push(`| ${seed} | ${b} | ${s.tp + s.fn} | ${s.tp} | ${s.fp} | ${s.fn} | ${f3(s.f1_detection)} | ${f3(s.f1_close_to_shore)} | ${f3(s.f1_vessel)} | ${f3(s.f1_fishing)} | ${f3(s.length_accuracy)} | ${f3(s.aggregate)} | ${sum.land_masked ?? '–'} |`);
  }
}
for (const [b, v] of Object.entries(mean)) lines.push(`| mean | ${b} | | | | | ${f3(v.reduce((a, x) => a + x, 0) / v.length)} | | | | | | |`);
console.log(lines.join('\n'));
