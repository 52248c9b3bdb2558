/** Shared test helpers: paths, temp folders, the CLI, and the real data under ../shared/data. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../dist/src/backends/backend.js';
import type { DecodeOptions } from '../dist/src/model/decode.js';
import { detectScene } from '../dist/src/pipeline/detect-scene.js';
import type { SceneDetection } from '../dist/src/pipeline/detection.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(REPO, 'dist', 'src');
export const CLI = path.join(REPO, 'bin', 'sarwatch.js');
export const DATA = path.resolve(REPO, '..', 'shared', 'data');
export const SSDD = path.join(DATA, 'ssdd');
export const S1_LA = path.join(DATA, 's1-port-la', '2021-01-05.tif');
export const BUNDLED_MODEL = path.join(REPO, 'models', 'sarwatch-yolov8-sar.onnx');
export const BUNDLED_PROGRAM = path.join(REPO, 'models', 'sarwatch-yolov8-sar.swp');

export const hasSsdd = existsSync(path.join(SSDD, 'ImageSets', 'Main', 'test.txt'));
export const hasS1 = existsSync(S1_LA);
export const hasModel = existsSync(BUNDLED_MODEL);
export const hasProgram = existsSync(BUNDLED_PROGRAM);
/** The HLS kernel's C simulation builds with make and g++. */
export const hasMake = spawnSync('sh', ['-c', 'command -v make && command -v g++']).status === 0;

/** Say why a data-dependent test is skipped, once, where the runner shows it. */
export function skipNote(what: string, present: boolean): boolean {
  if (!present) process.stderr.write(`[skip] ${what} not found; the test that needs it is skipped\n`);
  return !present;
}

export function tmpDir(prefix = 'sarwatch-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rm(p: string): void {
  rmSync(p, { recursive: true, force: true });
}

export function listFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { timeout?: number; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: opts.timeout ?? 170_000, env: { ...process.env, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What `detect` wrote into GeoJSON for one detection (src/pipeline/sinks/geojson-sink.ts). */
export interface DetectedFeature {
  class_name: string;
  bbox_px: [number, number, number, number];
  vessel_length_m: number | null;
  [k: string]: unknown;
}

/**
 * `sarwatch detect SCENE --out OUT --no-quicklook --json ARGS...`: the run, and where it succeeded
 * its detections (the GeoJSON features' properties) and its printed summary.
 */
export function detectCli(scene: string, out: string, args: string[]): CliResult & { features: DetectedFeature[]; summary: Record<string, unknown> } {
  const r = runCli(['detect', scene, '--out', out, '--no-quicklook', '--json', ...args]);
  if (r.code !== 0) return { ...r, features: [], summary: {} };
  const geo = JSON.parse(readFileSync(path.join(out, 'detections.geojson'), 'utf8')) as { features: { properties: DetectedFeature }[] };
  return { ...r, features: geo.features.map((f) => f.properties), summary: JSON.parse(r.stdout) };
}

export async function lib<T = Record<string, unknown>>(rel: string): Promise<T> {
  return (await import(path.join(DIST, rel))) as T;
}

export type Box = { x1: number; y1: number; x2: number; y2: number };

/** Intersection over union of two boxes (x1, y1, x2, y2). */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? (w * h) / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - w * h) : 0;
}

/** The detections of one SSDD picture (`JPEGImages/<id>.jpg`) through an already loaded backend; no files written. */
export async function detectSsddImage(id: string, backend: Backend, modelPath: string, decode?: Partial<DecodeOptions>): Promise<SceneDetection[]> {
  const dets: SceneDetection[] = [];
  await detectScene({
    scene: path.join(SSDD, 'JPEGImages', `${id}.jpg`),
    outDir: null,
    modelPath,
    backend: backend.name,
    backendOptions: { threads: 2 },
    loadedBackend: backend,
    decode,
    observer: { detections: (_, ds) => dets.push(...ds) },
  });
  return dets;
}
