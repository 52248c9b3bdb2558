/**
 * `npm run bench:scene [-- --size 29400x24400] [--backend cpu] [--threads N]`:
 * the whole-scene run of issues 2 and 4. Synthesises (once, cached) a
 * Sentinel-1 scene of xView3 size, runs `sarwatch detect` on it in a child
 * process, and prints seconds, MP/s and the child's peak RSS (target
 * ≤ 1.5 GB), then scores the detections against the scene's labels.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticScene } from '../src/bench/scene-cache.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'bin', 'sarwatch.js');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const [w, h] = arg('--size', '29400x24400').split('x').map(Number);
const backend = arg('--backend', 'cpu');
const threads = arg('--threads', String(os.availableParallelism()));
let last = 0;
process.stderr.write(`scene ${w} x ${h} (${((w * h) / 1e6).toFixed(0)} MP): synthesising once into the bench cache\n`);
const t0 = performance.now();
const dir = syntheticScene(w, h, 29, (done, total) => {
  const pct = Math.floor((100 * done) / total);
  if (pct >= last + 10) {
    last = pct;
    process.stderr.write(`  synthesised ${pct} %\n`);
  }
});
process.stderr.write(`scene ready in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${dir}\n`);
const out = mkdtempSync(path.join(os.tmpdir(), 'sarwatch-scene-'));
try {
  const r = spawnSync(process.execPath, [CLI, 'detect', dir, '--out', out, '--backend', backend, '--threads', threads, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`detect exited with ${r.status}`);
  const s = JSON.parse(r.stdout);
  const score = spawnSync(process.execPath, [CLI, 'score', path.join(out, 'detections.csv'), path.join(dir, 'labels.csv'), '--json'], { encoding: 'utf8' });
  const sc = score.status === 0 ? JSON.parse(score.stdout) : null;
  const result = {
    size: [w, h], megapixels: s.megapixels, backend: s.backend, backend_description: s.backend_description, threads: Number(threads),
    tiles: s.tiles, tiles_skipped: s.tiles_skipped, seconds: s.seconds, mp_per_s: s.mp_per_s, peak_rss_mb: s.peak_rss_mb,
    rss_target_mb: 1536, rss_meets: s.peak_rss_mb <= 1536, detections: s.detections, stage_ms: s.stage_ms,
    score: sc && { f1_detection: sc.f1_detection, f1_close_to_shore: sc.f1_close_to_shore, length_accuracy: sc.length_accuracy, aggregate: sc.aggregate },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.stderr.write(
    `\n${w} x ${h} on ${s.backend} (${threads} threads): ${s.seconds} s, ${s.mp_per_s} MP/s, peak RSS ${s.peak_rss_mb} MB (target <= 1536 MB: ${result.rss_meets ? 'met' : 'MISSED'})` +
      (sc ? `; F1 ${sc.f1_detection.toFixed(3)} against the scene's labels\n` : '\n'),
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
