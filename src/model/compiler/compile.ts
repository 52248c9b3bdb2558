/**
 * `sarwatch compile`: YOLOv8 ONNX + calibration tiles → int8 program.
 * lower (IR) → calibrate (onnxruntime) → quantize → lay out and write.
 */
import path from 'node:path';
import { classRuleOf, modelInfoFrom, type ModelInfo } from '../model-info.js';
import { readOnnx } from '../onnx-file.js';
import { calibrate, DEFAULT_CALIB, type CalibOptions } from './calibrate.js';
import { lower, type IrGraph } from './lower.js';
import { OnnxGraph } from './onnx-graph.js';
import { sha256, writeProgram } from './program-writer.js';
import { exportQdq } from './qdq-export.js';
import { quantize, tensorsToCalibrate } from './quantize.js';

export const COMPILER_VERSION = '1.3.0';

export interface CompileResult {
  program: Buffer;
  /** The same quantisation as an ONNX QDQ model (for onnxruntime's int8 kernels). */
  qdq: () => Uint8Array;
  ir: IrGraph;
  info: ModelInfo;
  layers: number;
  macs: number;
  sourceSha256: string;
}

export function macsOf(ir: IrGraph): number {
  let macs = 0;
  for (const l of ir.layers) {
    if (l.op !== 'conv') continue;
    const o = ir.tensors[l.out];
    macs += o.h * o.w * o.c * l.kh * l.kw * l.cinPerGroup;
  }
  return macs;
}

/**
 * The model's own `sarwatch_*` metadata, carried whole into the program (its conf, overlap, class
 * rule, fishing share and gate). Checked here as the runtime would read it, so a bad value is
 * refused at compile time naming the ONNX, not later naming the program.
 */
function sarwatchMetadata(info: ModelInfo): Record<string, string> {
  classRuleOf(info);
  return Object.fromEntries(Object.entries(info.metadata).filter(([k]) => k.startsWith('sarwatch_')).sort(([a], [b]) => a.localeCompare(b)));
}

export async function compileModel(file: string, calib: Partial<CalibOptions> = {}): Promise<CompileResult> {
  const { bytes, model } = await readOnnx(file);
  const info = modelInfoFrom(model, file);
  const ir = lower(new OnnxGraph(model, file));
  const opts = { ...DEFAULT_CALIB, ...calib };
  const heads = ir.outputs
    .filter((o) => o.kind === 'box')
    .map((o) => ({ box: ir.tensors[o.tensor].name, cls: ir.tensors[ir.outputs.find((c) => c.kind === 'cls' && c.level === o.level)!.tensor].name, regMax: ir.regMax, numClasses: ir.numClasses }));
  const ranges = await calibrate(model, info, tensorsToCalibrate(ir), opts, heads);
  const q = quantize(ir, ranges, file);
  const sourceSha256 = sha256(bytes);
  const program = writeProgram(q, {
    format: 'sarwatch-program',
    compiler: COMPILER_VERSION,
    source: { file: path.basename(file), sha256: sourceSha256 },
    names: info.names,
    input: info.input,
    inputShape: ir.inputShape,
    strides: [...new Set(ir.outputs.map((o) => o.stride))],
    regMax: ir.regMax,
    numClasses: ir.numClasses,
    vesselClasses: info.vesselClasses,
    fishingClasses: info.fishingClasses,
    metadata: sarwatchMetadata(info),
    calibration: { source: opts.source === 'synthetic' ? 'synthetic' : path.basename(path.resolve(opts.source)), count: opts.count, method: opts.method, percentile: opts.method === 'percentile' ? opts.percentile : null, seed: opts.seed },
  });
  return { program, qdq: () => exportQdq(model, q), ir, info, layers: q.layers.length, macs: macsOf(ir), sourceSha256 };
}
