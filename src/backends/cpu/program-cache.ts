/**
 * Compiled programs for the cpu and fpga backends. A `.swp` file is used as
 * it is; an ONNX is compiled on first use and cached under the cache folder,
 * keyed by the ONNX's content and the calibration settings, so a second run
 * (or the other backend) loads in milliseconds.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CALIB, type CalibOptions } from '../../model/compiler/calibrate.js';
import { compileModel, COMPILER_VERSION } from '../../model/compiler/compile.js';
import { parseProgram } from '../../model/program-reader.js';

export function defaultCacheDir(): string {
  return process.env.SARWATCH_CACHE ?? path.join(os.homedir(), '.cache', 'sarwatch');
}

/** A sarwatch program starts with the magic "SWPG" (program.h). */
export function isProgramFile(file: string): boolean {
  if (!existsSync(file)) return false;
  const b = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32LE(0) === 0x47505753;
  } finally {
    closeSync(fd);
  }
}

export interface ProgramSource {
  program: Buffer;
  /** Where it came from: the .swp file, or the cache entry and whether it was just compiled. */
  path: string;
  compiled: boolean;
}

/**
 * The program shipped beside an ONNX (`model.swp` next to `model.onnx`), if it
 * was compiled from exactly that ONNX (its metadata records the ONNX's SHA-256).
 */
export function siblingProgram(modelPath: string): string | null {
  const swp = modelPath.replace(/\.onnx$/, '.swp');
  if (swp === modelPath || !isProgramFile(swp)) return null;
  try {
    const meta = parseProgram(readFileSync(swp), swp).meta;
    const sha = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
    return meta.source?.sha256 === sha ? swp : null;
  } catch {
    return null;
  }
}

export async function loadOrCompile(modelPath: string, calib: Partial<CalibOptions>, cacheDir = defaultCacheDir()): Promise<ProgramSource> {
  if (isProgramFile(modelPath)) return { program: readFileSync(modelPath), path: modelPath, compiled: false };
  const shipped = calib.source === undefined ? siblingProgram(modelPath) : null;
  if (shipped) return { program: readFileSync(shipped), path: shipped, compiled: false };
  const c = { ...DEFAULT_CALIB, ...calib };
  const key = createHash('sha256')
    .update(readFileSync(modelPath))
    .update(JSON.stringify({ v: COMPILER_VERSION, source: c.source === 'synthetic' ? 'synthetic' : path.resolve(c.source), count: c.count, method: c.method, percentile: c.percentile, seed: c.seed }))
    .digest('hex')
    .slice(0, 24);
  const file = path.join(cacheDir, `${path.basename(modelPath, '.onnx')}-${key}.swp`);
  if (existsSync(file)) return { program: readFileSync(file), path: file, compiled: false };
  const { program } = await compileModel(modelPath, c);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(`${file}.partial`, program);
  renameSync(`${file}.partial`, file);
  return { program, path: file, compiled: true };
}
