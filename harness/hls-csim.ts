/**
 * `npm run hls:csim`: C simulation of the HLS kernel on the whole bundled
 * model, against the CPU engine, byte for byte.
 *
 * Tiles are cut exactly as the runtime cuts them: three real SSDD test images
 * (when ../shared/data is present) and one synthetic Sentinel-1 tile (always),
 * written as planar u8 files. The test bench (hls/tb/csim_tb.cpp, built by
 * `make -C hls csim`) runs the kernel as C++ and the CPU engine on each and
 * prints the number of mismatching output bytes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelInfo, type ModelInfo } from '../src/model/model-info.js';
import { openScene } from '../src/scene/open-scene.js';
import { writeXview3Scene } from '../src/synth/write-scene.js';
import { planTiles } from '../src/tiling/plan.js';
import { TileStream } from '../src/tiling/tile-stream.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SSDD = path.resolve(REPO, '..', 'shared', 'data', 'ssdd', 'JPEGImages');
/** SSDD test ids (ending in 1 or 9): an inshore, an offshore and a multi-ship picture. */
const SSDD_IDS = ['000011', '000019', '000101'];

async function firstTile(scenePath: string, model: ModelInfo): Promise<Uint8Array> {
  const scene = await openScene(scenePath);
  try {
    const stream = new TileStream(scene, planTiles(scene.info.width, scene.info.height, model.width, model.height, 64), model.input);
    for await (const t of stream.tiles()) return t.data;
    throw new Error(`${scenePath}: no tile with data`);
  } finally {
    await scene.close();
  }
}

export interface CsimResult {
  mismatchingBytes: number;
  tiles: string[];
  output: string;
  code: number | null;
}

export async function runCsim(programPath: string, modelPath: string, workDir: string): Promise<CsimResult> {
  const model = await loadModelInfo(modelPath);
  mkdirSync(workDir, { recursive: true });
  const tiles: string[] = [];
  for (const id of SSDD_IDS) {
    const img = path.join(SSDD, `${id}.jpg`);
    if (!existsSync(img)) continue;
    const f = path.join(workDir, `ssdd-${id}.u8`);
    writeFileSync(f, await firstTile(img, model));
    tiles.push(f);
  }
  const synthDir = path.join(workDir, 'synthetic-scene');
  writeXview3Scene(synthDir, { width: model.width, height: model.height, seed: 2024, targets: 12, bathymetry: false });
  const syn = path.join(workDir, 'synthetic.u8');
  writeFileSync(syn, await firstTile(synthDir, model));
  tiles.push(syn);
  const make = spawnSync('make', ['-s', '-C', path.join(REPO, 'hls'), 'csim'], { encoding: 'utf8' });
  if (make.status !== 0) return { mismatchingBytes: -1, tiles, output: `${make.stdout}${make.stderr}`, code: make.status };
  const r = spawnSync(path.join(REPO, 'build', 'hls', 'csim_tb'), [programPath, ...tiles], { encoding: 'utf8', timeout: 600_000 });
  const output = `${r.stdout}${r.stderr}`;
  const m = /mismatching bytes: (\d+)/.exec(output);
  return { mismatchingBytes: m ? Number(m[1]) : -1, tiles, output, code: r.status };
}

async function main(): Promise<void> {
  const program = process.argv[2] ?? path.join(REPO, 'models', 'sarwatch-yolov8-sar.swp');
  const model = process.argv[3] ?? path.join(REPO, 'models', 'sarwatch-yolov8-sar.onnx');
  if (!existsSync(SSDD)) process.stderr.write(`[hls:csim] ${SSDD} not found: running the synthetic tile only\n`);
  const r = await runCsim(program, model, path.join(os.tmpdir(), 'sarwatch-csim'));
  process.stdout.write(r.output);
  process.exitCode = r.code === 0 && r.mismatchingBytes === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(`hls:csim: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
