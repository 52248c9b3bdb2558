/**
 * A small, read-only graph view of an ONNX model: nodes with attributes,
 * constant tensors (initializers and Constant nodes) decoded to typed arrays,
 * and who consumes what.
 */
import type onnxProto from 'onnx-proto';
import { SarwatchError } from '../../errors.js';
import { dimsOf, type ModelProto } from '../onnx-file.js';

type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

export interface Constant {
  dims: number[];
  /** float tensors as Float32Array, integer tensors as numbers. */
  data: Float32Array | number[];
}

export interface GNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttributeProto>;
}

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const DOUBLE = 11;

function decodeTensor(t: TensorProto, file: string): Constant {
  const dims = (t.dims ?? []).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? Buffer.from(t.rawData) : null;
  switch (t.dataType) {
    case FLOAT: {
      if (raw) {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = raw.readFloatLE(4 * i);
        return { dims, data: out };
      }
      return { dims, data: Float32Array.from(t.floatData ?? []) };
    }
    case DOUBLE:
      return { dims, data: Float32Array.from(raw ? Array.from({ length: n }, (_, i) => raw.readDoubleLE(8 * i)) : (t.doubleData ?? []).map(Number)) };
    case INT64:
      return { dims, data: raw ? Array.from({ length: n }, (_, i) => Number(raw.readBigInt64LE(8 * i))) : (t.int64Data ?? []).map(Number) };
    case INT32:
      return { dims, data: raw ? Array.from({ length: n }, (_, i) => raw.readInt32LE(4 * i)) : (t.int32Data ?? []).map(Number) };
    default:
      throw new SarwatchError('E_MODEL_INVALID', `constant ${t.name} has ONNX data type ${t.dataType}, which the compiler does not read`, { file });
  }
}

export class OnnxGraph {
  readonly file: string;
  readonly nodes: GNode[];
  readonly constants = new Map<string, Constant>();
  readonly producer = new Map<string, GNode>();
  readonly consumers = new Map<string, GNode[]>();
  readonly inputName: string;
  readonly inputDims: number[];
  readonly outputNames: string[];

  constructor(model: ModelProto, file: string) {
    this.file = file;
    const g = model.graph!;
    for (const t of g.initializer ?? []) this.constants.set(t.name!, decodeTensor(t, file));
    this.nodes = [];
    (g.node ?? []).forEach((n, i) => {
      const node: GNode = {
        name: n.name || `${n.opType}_${i}`,
        op: n.opType!,
        inputs: n.input ?? [],
        outputs: n.output ?? [],
        attrs: new Map((n.attribute ?? []).map((a) => [a.name!, a])),
      };
      if (node.op === 'Constant') {
        const v = node.attrs.get('value');
        if (v?.t) this.constants.set(node.outputs[0], decodeTensor(v.t, file));
        else if (v?.floats?.length || node.attrs.get('value_floats')) this.constants.set(node.outputs[0], { dims: [], data: Float32Array.from(node.attrs.get('value_floats')?.floats ?? []) });
        else if (node.attrs.get('value_ints')) this.constants.set(node.outputs[0], { dims: [], data: (node.attrs.get('value_ints')!.ints ?? []).map(Number) });
        return;
      }
      this.nodes.push(node);
      for (const o of node.outputs) this.producer.set(o, node);
      for (const inp of node.inputs) if (inp) (this.consumers.get(inp) ?? this.consumers.set(inp, []).get(inp)!).push(node);
    });
    const inputs = (g.input ?? []).filter((i) => !this.constants.has(i.name!));
    this.inputName = inputs[0].name!;
    this.inputDims = dimsOf(inputs[0]);
    this.outputNames = (g.output ?? []).map((o) => o.name!);
  }

  attrInt(n: GNode, name: string, dflt: number): number {
    const a = n.attrs.get(name);
    return a?.i !== undefined && a.i !== null ? Number(a.i) : dflt;
  }

  attrFloat(n: GNode, name: string, dflt: number): number {
    const a = n.attrs.get(name);
    return a?.f !== undefined && a.f !== null ? Number(a.f) : dflt;
  }

  attrInts(n: GNode, name: string): number[] | null {
    const a = n.attrs.get(name);
    return a?.ints?.length ? a.ints.map(Number) : null;
  }

  attrString(n: GNode, name: string, dflt: string): string {
    const a = n.attrs.get(name);
    return a?.s?.length ? Buffer.from(a.s).toString('utf8') : dflt;
  }

  producerOf(t: string): GNode | undefined {
    return this.producer.get(t);
  }

  users(t: string): GNode[] {
    return this.consumers.get(t) ?? [];
  }

  constant(name: string): Constant | undefined {
    return this.constants.get(name);
  }
}
