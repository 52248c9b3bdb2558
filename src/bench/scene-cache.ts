/**
 * Synthetic Sentinel-1 scenes for benchmarks, written once per size and seed
 * under the OS temp folder and reused by later runs (a 29,400 × 24,400 scene
 * is 5.7 GB of float32 VV/VH and takes minutes to synthesise).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeXview3Scene } from '../synth/write-scene.js';

export function benchSceneDir(width: number, height: number, seed: number): string {
  return path.join(process.env.SARWATCH_BENCH_DIR ?? path.join(os.tmpdir(), 'sarwatch-bench'), `synthetic-${width}x${height}-s${seed}`);
}

export function syntheticScene(width: number, height: number, seed = 7, onProgress?: (done: number, total: number) => void): string {
  const dir = benchSceneDir(width, height, seed);
  const marker = path.join(dir, '.complete');
  if (existsSync(marker)) return dir;
  rmSync(dir, { recursive: true, force: true });
  writeXview3Scene(dir, { width, height, seed, bathymetry: true }, onProgress);
  writeFileSync(marker, new Date().toISOString());
  return dir;
}
