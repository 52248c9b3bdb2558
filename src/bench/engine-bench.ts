/**
 * `sarwatch bench engine`: onnxruntime fp32, onnxruntime int8 (a QDQ model of
 * the same quantisation, fused by onnxruntime into QLinearConv) and the
 * sarwatch int8 engine on the same tiles and thread count, in one run.
 *
 * Each engine is timed from a u8 tile to its detections: onnxruntime's run
 * (its graph includes the DFL decode) plus sarwatch's TypeScript threshold and
 * NMS, against the native engine's run (network, int8-domain threshold, DFL
 * and NMS in native code). The network time alone is reported beside it.
 */
import os from 'node:os';
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { openEngine } from '../backends/cpu/cpu-backend.js';
import { SarwatchError } from '../errors.js';
import { compileModel } from '../model/compiler/compile.js';
import type { CalibOptions } from '../model/compiler/calibrate.js';
import { decodeExport, type DecodeOptions } from '../model/decode.js';
import { loadModelInfo, type ModelInfo } from '../model/model-info.js';
import { native, type NativeEngine, type SimdPath } from '../native.js';
import { parseProgram } from '../model/program-reader.js';
import { syntheticTiles } from './bench-tiles.js';
import { timeInRounds, type TaskSpec } from './rounds.js';

export interface EngineBenchOptions {
  model: string;
  threads?: number;
  tiles?: number;
  rounds?: number;
  /** SIMD paths of the native engine to time; default every supported path but scalar. */
  simd?: SimdPath[];
  calib?: Partial<CalibOptions>;
  /** Also profile the fastest native path layer by layer. */
  layers?: boolean;
  onStatus?: (line: string) => void;
}

export interface EngineRow {
  engine: string;
  /** Tile in, detections out, ms (median). */
  ms_per_tile: number;
  /** Network alone, ms (median). */
  infer_ms: number;
  gmac_per_s: number;
  pct_of_int8_peak: number;
  spread: number;
}

export interface LayerProfileRow {
  index: number;
  op: string;
  shape: string;
  mmac: number;
  ms: number;
  gmac_per_s: number | null;
  pct_of_tile: number;
}

export interface EngineBenchResult {
  model: string;
  threads: number;
  tiles: number;
  tile_shape: [number, number, number];
  gmac_per_tile: number;
  cpu: string;
  int8_peak_gmac_per_s: number;
  int8_peak_simd: SimdPath;
  onnxruntime: string;
  engines: EngineRow[];
  /** The best native path against onnxruntime, tile to detections. */
  native_simd: SimdPath;
  ms_per_tile: { ort_fp32: number; ort_int8: number | null; native_int8: number };
  speedup_vs_ort_fp32: number;
  speedup_vs_ort_int8: number | null;
  ort_int8_unavailable?: string;
  targets: { speedup_vs_ort_fp32_min: 1.5; speedup_vs_ort_int8_min: 1.0; met: boolean };
  /** With `layers`: where the fastest native path spends a tile, slowest layers first. */
  layer_profile?: LayerProfileRow[];
}

const DECODE: DecodeOptions = { conf: 0.25, iou: 0.5, maxDet: 300 };

/** The ONNX behind a model argument (a .swp needs its .onnx beside it: onnxruntime runs the ONNX). */
function onnxOf(model: string): string {
  if (model.endsWith('.onnx')) return model;
  const sib = model.replace(/\.swp$/, '.onnx');
  if (sib !== model && existsSync(sib)) return sib;
  throw new SarwatchError('E_ARG', 'bench engine compares against onnxruntime, so it needs the ONNX model (or a .swp with its .onnx beside it)', { file: model });
}

async function ortSession(model: string | Uint8Array, threads: number): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3, intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'] };
  return typeof model === 'string' ? ort.InferenceSession.create(model, opts) : ort.InferenceSession.create(model, opts);
}

function ortTask(name: string, session: ort.InferenceSession, info: ModelInfo, inputs: ort.Tensor[], network: number[]): TaskSpec {
  let i = 0;
  return {
    name,
    fn: async () => {
      const t0 = performance.now();
      const res = await session.run({ [info.inputName]: inputs[i++ % inputs.length] });
      network.push(performance.now() - t0);
      decodeExport(res[info.outputName].data as Float32Array, info.numClasses, info.anchors, DECODE);
    },
  };
}

function nativeTask(name: string, engine: NativeEngine, tiles: Buffer[], network: number[]): TaskSpec {
  let i = 0;
  return {
    name,
    fn: async () => {
      const [r] = await engine.run([tiles[i++ % tiles.length]], DECODE.conf, DECODE.iou, DECODE.maxDet);
      network.push(r.inferMs);
    },
  };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export async function benchEngine(o: EngineBenchOptions): Promise<EngineBenchResult> {
  const say = o.onStatus ?? (() => {});
  const threads = o.threads ?? os.availableParallelism();
  const file = onnxOf(o.model);
  const info = await loadModelInfo(file);
  say(`compiling ${file} (calibration ${o.calib?.source ?? 'synthetic'})`);
  const compiled = await compileModel(file, o.calib ?? {});
  const gmac = compiled.macs / 1e9;
  say('cutting benchmark tiles from a synthetic Sentinel-1 scene');
  const { tiles } = await syntheticTiles(info, o.tiles ?? 4);
  const inputs = tiles.map((t) => new ort.Tensor('float32', Float32Array.from(t, (v) => v / 255), [1, info.channels, info.height, info.width]));

  const addon = native();
  const paths = (o.simd ?? addon.simdPaths().filter((s) => s !== 'scalar')).filter((s) => addon.simdPaths().includes(s));
  if (!paths.length) paths.push('scalar');
  const best = addon.bestSimd();
  say(`measuring this CPU's int8 peak (${best}, ${threads} threads)`);
  const peak = addon.int8PeakGmacs(best, threads, 0.5);

  const tasks: TaskSpec[] = [];
  const network = new Map<string, number[]>();
  const track = (name: string) => {
    network.set(name, []);
    return network.get(name)!;
  };
  tasks.push(ortTask('ort-fp32', await ortSession(file, threads), info, inputs, track('ort-fp32')));
  let int8Unavailable: string | undefined;
  try {
    tasks.push(ortTask('ort-int8', await ortSession(compiled.qdq(), threads), info, inputs, track('ort-int8')));
  } catch (e) {
    int8Unavailable = `onnxruntime could not run the QDQ model: ${(e as Error).message.split('\n')[0]}`;
  }
  const engines = new Map<string, NativeEngine>();
  for (const s of paths) {
    engines.set(`sarwatch-${s}`, openEngine(compiled.program, threads, s, file));
    tasks.push(nativeTask(`sarwatch-${s}`, engines.get(`sarwatch-${s}`)!, tiles, track(`sarwatch-${s}`)));
  }

  say(`timing ${tasks.map((t) => t.name).join(', ')} in interleaved rounds`);
  const timing = await timeInRounds(tasks, { rounds: o.rounds ?? 3, timeMs: 1500, iterations: 3 });
  const rows: EngineRow[] = tasks.map((t) => {
    const ms = timing.get(t.name)!.ms;
    const net = median(network.get(t.name)!);
    const gmacs = gmac / (net / 1000);
    return { engine: t.name, ms_per_tile: r2(ms), infer_ms: r2(net), gmac_per_s: r2(gmacs), pct_of_int8_peak: r2((100 * gmacs) / peak), spread: r2(timing.get(t.name)!.spread) };
  });
  const row = (n: string) => rows.find((e) => e.engine === n);
  const nativeRows = rows.filter((e) => e.engine.startsWith('sarwatch-'));
  const fastest = nativeRows.reduce((a, b) => (b.ms_per_tile < a.ms_per_tile ? b : a));
  const fp32 = row('ort-fp32')!.ms_per_tile;
  const int8 = row('ort-int8')?.ms_per_tile ?? null;
  const sFp32 = r2(fp32 / fastest.ms_per_tile);
  const sInt8 = int8 === null ? null : r2(int8 / fastest.ms_per_tile);
  return {
    model: file,
    threads,
    tiles: tiles.length,
    tile_shape: [info.channels, info.height, info.width],
    gmac_per_tile: r2(gmac),
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} (${os.availableParallelism()} logical cores)`,
    int8_peak_gmac_per_s: r2(peak),
    int8_peak_simd: best,
    onnxruntime: ort.env.versions?.common ?? 'unknown',
    engines: rows,
    native_simd: fastest.engine.replace('sarwatch-', '') as SimdPath,
    ms_per_tile: { ort_fp32: fp32, ort_int8: int8, native_int8: fastest.ms_per_tile },
    speedup_vs_ort_fp32: sFp32,
    speedup_vs_ort_int8: sInt8,
    ...(int8Unavailable ? { ort_int8_unavailable: int8Unavailable } : {}),
    targets: { speedup_vs_ort_fp32_min: 1.5, speedup_vs_ort_int8_min: 1.0, met: sFp32 >= 1.5 && (sInt8 === null || sInt8 >= 1.0) },
    ...(o.layers ? { layer_profile: await layerProfile(engines.get(fastest.engine)!, compiled.program, tiles) } : {}),
  };
}

/** Median per-layer time over a few runs of each tile, slowest first. */
async function layerProfile(engine: NativeEngine, program: Buffer, tiles: Buffer[]): Promise<LayerProfileRow[]> {
  const p = parseProgram(program, 'bench');
  const samples: number[][] = p.layers.map(() => []);
  for (let r = 0; r < 3; r++) {
    for (const t of tiles) {
      await engine.run([t], DECODE.conf, DECODE.iou, DECODE.maxDet);
      engine.layerMs().forEach((ms, i) => samples[i].push(ms));
    }
  }
  const perLayer = samples.map(median);
  const total = perLayer.reduce((a, b) => a + b, 0);
  return p.layers
    .map((l, i) => {
      const out = p.tensors[l.out];
      const inp = p.tensors[l.ins[0]];
      const mmac = l.op === 'conv' ? (out.h * out.w * out.c * l.kh * l.kw * (inp.c / l.groups)) / 1e6 : 0;
      const shape =
        l.op === 'conv'
          ? `${inp.c}->${out.c} k${l.kh} s${l.stride}${l.groups > 1 ? ` g${l.groups}` : ''} ${out.h}x${out.w}`
          : `${l.ins.map((t) => p.tensors[t].c).join('+')}->${out.c} ${out.h}x${out.w}`;
      return { index: i, op: l.op, shape, mmac: r2(mmac), ms: r2(perLayer[i]), gmac_per_s: mmac ? r2(mmac / 1e3 / (perLayer[i] / 1e3)) : null, pct_of_tile: r2((100 * perLayer[i]) / total) };
    })
    .sort((a, b) => b.ms - a.ms);
}
