/**
 * ONNX files parsed with onnx-proto (protobufjs), once, for metadata and for the int8 compiler.
 */
import { promises as fsp } from 'node:fs';
import onnxProto from 'onnx-proto';
import { SarwatchError } from '../errors.js';

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;

export async function readOnnx(file: string): Promise<{ bytes: Buffer; model: ModelProto }> {
  const bytes = await fsp.readFile(file).catch(() => {
    throw new SarwatchError('E_MODEL_NOT_FOUND', 'no such model file', { file });
  });
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new SarwatchError('E_MODEL_INVALID', `not an ONNX model (${(e as Error).message})`, { file, cause: e });
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw new SarwatchError('E_MODEL_INVALID', 'ONNX file has no graph', { file });
  }
  return { bytes, model };
}

export function metadataOf(model: ModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) out[p.key] = p.value ?? '';
  return out;
}

/** Static dims of a value info ([1, 2, 800, 800]); symbolic dims become -1. */
export function dimsOf(v: onnxProto.onnx.IValueInfoProto): number[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && !d.dimParam ? Number(d.dimValue) : -1));
}
