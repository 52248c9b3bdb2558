/** Shared test helpers: paths, temp folders, the CLI, and the real data under ../shared/data. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

export async function lib<T = Record<string, unknown>>(rel: string): Promise<T> {
  return (await import(path.join(DIST, rel))) as T;
}
