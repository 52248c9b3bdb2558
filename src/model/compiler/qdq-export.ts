/**
 * The same int8 quantisation as an ONNX QDQ model, so that onnxruntime's own
 * int8 kernels can be benchmarked against the sarwatch engine on an equal
 * footing (`sarwatch bench engine`): per-output-channel int8 weights and int32
 * biases behind DequantizeLinear, and a QuantizeLinear/DequantizeLinear pair on
 * the input and on every tensor the compiler calibrated, with the compiler's
 * scales (activation codes shifted to uint8, as onnxruntime's x86 int8 kernels
 * take them). onnxruntime fuses these into QLinearConv and friends.
 */
import type onnxProto from 'onnx-proto';
import { onnx, type ModelProto } from '../onnx-file.js';
import type { QuantizedGraph } from './quantize.js';

type TensorProto = onnxProto.onnx.ITensorProto;
type NodeProto = onnxProto.onnx.INodeProto;

const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const FLOAT = 1;

function tensor(name: string, dataType: number, dims: number[], raw: Uint8Array): TensorProto {
  return { name, dataType, dims, rawData: raw };
}

function floats(name: string, values: number[]): TensorProto {
  return tensor(name, FLOAT, values.length === 1 ? [] : [values.length], new Uint8Array(Float32Array.from(values).buffer));
}

function int8s(name: string, dims: number[], values: Int8Array | number[]): TensorProto {
  const a = Int8Array.from(values);
  return tensor(name, INT8, dims, new Uint8Array(a.buffer));
}

export function exportQdq(model: ModelProto, qg: QuantizedGraph): Uint8Array {
  const ir = qg.ir;
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = m.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const newNodes: NodeProto[] = [];
  const addInit = (t: TensorProto) => {
    g.initializer!.push(t);
    inits.set(t.name!, t);
  };

  // Activations: a Q/DQ pair after each calibrated tensor (and the input); consumers read the DQ output.
  const qdq = qg.byName;
  const renamed = new Map<string, string>();
  for (const [name, q] of qdq) {
    const sName = `${name}__scale`;
    const zName = `${name}__zp`;
    addInit(floats(sName, [q.scale]));
    // uint8 codes (int8 code + 128, same scale): onnxruntime's x86 int8 kernels are u8s8.
    addInit(tensor(zName, UINT8, [], Uint8Array.from([q.zp + 128])));
    newNodes.push(
      { opType: 'QuantizeLinear', name: `${name}__Q`, input: [name, sName, zName], output: [`${name}__q`] },
      { opType: 'DequantizeLinear', name: `${name}__DQ`, input: [`${name}__q`, sName, zName], output: [`${name}__dq`] },
    );
    renamed.set(name, `${name}__dq`);
  }

  // Convolution weights and biases: int8 per output channel, int32 bias at s_in · s_w.
  const convs = new Map(ir.layers.filter((l) => l.op === 'conv').map((l) => [l.node, l]));
  for (const node of g.node ?? []) {
    if (node.opType !== 'Conv' || !convs.has(node.name!)) continue;
    const w = inits.get(node.input![1]);
    if (!w) continue;
    const dims = (w.dims ?? []).map(Number);
    const data = w.rawData && w.rawData.length ? new Float32Array(Uint8Array.from(w.rawData).buffer) : Float32Array.from(w.floatData ?? []);
    const cout = dims[0];
    const k = data.length / cout;
    const scales: number[] = [];
    const q = new Int8Array(data.length);
    for (let c = 0; c < cout; c++) {
      let amax = 0;
      for (let i = 0; i < k; i++) amax = Math.max(amax, Math.abs(data[c * k + i]));
      const s = amax > 0 ? amax / 127 : 1;
      scales.push(s);
      for (let i = 0; i < k; i++) q[c * k + i] = Math.max(-127, Math.min(127, Math.round(data[c * k + i] / s)));
    }
    const base = node.name!.replace(/[^\w]/g, '_');
    addInit(int8s(`${base}__wq`, dims, q));
    addInit(floats(`${base}__ws`, scales));
    addInit(int8s(`${base}__wz`, [cout], new Array(cout).fill(0)));
    newNodes.push({ opType: 'DequantizeLinear', name: `${base}__wDQ`, input: [`${base}__wq`, `${base}__ws`, `${base}__wz`], output: [`${base}__w`], attribute: [{ name: 'axis', type: 2, i: 0 }] });
    const inName = node.input![0];
    const sIn = qdq.get(inName)?.scale;
    if (node.input![2] && sIn) {
      const b = inits.get(node.input![2])!;
      const bd = b.rawData && b.rawData.length ? new Float32Array(Uint8Array.from(b.rawData).buffer) : Float32Array.from(b.floatData ?? []);
      const bq = Int32Array.from(bd, (v, c) => Math.round(v / (sIn * scales[c])));
      addInit(tensor(`${base}__bq`, INT32, [cout], new Uint8Array(bq.buffer)));
      addInit(floats(`${base}__bs`, scales.map((s) => s * sIn)));
      addInit(tensor(`${base}__bz`, INT32, [cout], new Uint8Array(new Int32Array(cout).buffer)));
      newNodes.push({ opType: 'DequantizeLinear', name: `${base}__bDQ`, input: [`${base}__bq`, `${base}__bs`, `${base}__bz`], output: [`${base}__b`], attribute: [{ name: 'axis', type: 2, i: 0 }] });
      node.input![2] = `${base}__b`;
    }
    node.input![1] = `${base}__w`;
  }
  // Rewire consumers to the dequantised activations (the Q nodes keep reading the originals).
  for (const node of g.node ?? []) node.input = (node.input ?? []).map((i) => renamed.get(i) ?? i);
  g.node = [...newNodes, ...(g.node ?? [])];
  // Topological order: Q/DQ nodes must follow their producers. Kahn's algorithm over tensor names.
  g.node = topoSort(g.node, new Set([g.input![0].name!, ...inits.keys()]));
  g.initializer = [...inits.values()];
  return onnx.ModelProto.encode(m).finish();
}

function topoSort(nodes: NodeProto[], available: Set<string>): NodeProto[] {
  const out: NodeProto[] = [];
  const pending = [...nodes];
  const have = new Set(available);
  while (pending.length) {
    const i = pending.findIndex((n) => (n.input ?? []).every((x) => !x || have.has(x)));
    if (i < 0) throw new Error('QDQ export: graph has a cycle or a missing input');
    const [n] = pending.splice(i, 1);
    out.push(n);
    for (const o of n.output ?? []) have.add(o);
  }
  return out;
}
