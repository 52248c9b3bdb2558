/**
 * Lowering: ONNX graph → the accelerator's layer IR.
 *
 * The program ends at the detection head's raw convolutions (box DFL logits
 * and class logits per level); DFL, box decode and sigmoid run on the host.
 * The head is found by its Ultralytics shape: per level, Concat(axis 1) of a
 * box conv and a class conv, reshaped to [1, no, −1] and concatenated on axis
 * 2. Only what those head tensors depend on is lowered, so the decode part of
 * the graph never needs to be supported.
 *
 * BatchNormalization folds into the convolution before it; SiLU (x·sigmoid x),
 * HardSwish, ReLU, ReLU6, LeakyReLU and sigmoid fuse into the convolution
 * before them as a lookup table when that convolution feeds nothing else,
 * and stand alone otherwise; channel Split/Slice become views that share their
 * parent's buffer. Anything else is collected and refused in one error that
 * names every unsupported node.
 */
import { SarwatchError } from '../../errors.js';
import type { GNode, OnnxGraph } from './onnx-graph.js';

export type Act = 'none' | 'silu' | 'relu' | 'relu6' | 'hardswish' | 'sigmoid' | 'leakyrelu';

export interface IrTensor {
  id: number;
  /** ONNX tensor holding these values (what calibration reads). */
  name: string;
  c: number;
  h: number;
  w: number;
  /** Buffer owner (itself unless a view) and first channel within the owner. */
  parent: number;
  channelOffset: number;
}

interface Base {
  node: string;
  out: number;
}

export type IrLayer =
  | (Base & {
      op: 'conv';
      in: number;
      /** [cout][cin/groups][kh][kw], BN folded. */
      weight: Float32Array;
      bias: Float32Array;
      cout: number;
      cinPerGroup: number;
      kh: number;
      kw: number;
      stride: number;
      pad: number;
      groups: number;
      act: Act;
      alpha: number;
      /** ONNX name of the pre-activation values (== out's name when act is none). */
      preName: string;
    })
  | (Base & { op: 'add'; ins: [number, number] })
  | (Base & { op: 'concat'; ins: number[] })
  | (Base & { op: 'maxpool'; in: number; k: number; stride: number; pad: number })
  | (Base & { op: 'upsample'; in: number; factor: number })
  | (Base & { op: 'act'; in: number; act: Act; alpha: number });

export interface IrOutput {
  tensor: number;
  kind: 'box' | 'cls';
  level: number;
  stride: number;
  count: number;
}

export interface IrGraph {
  tensors: IrTensor[];
  layers: IrLayer[];
  input: number;
  outputs: IrOutput[];
  regMax: number;
  numClasses: number;
  inputShape: [number, number, number];
}

export function activation(act: Act, alpha: number): (x: number) => number {
  switch (act) {
    case 'silu':
      return (x) => x / (1 + Math.exp(-x));
    case 'relu':
      return (x) => Math.max(0, x);
    case 'relu6':
      return (x) => Math.min(6, Math.max(0, x));
    case 'hardswish':
      return (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6;
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'leakyrelu':
      return (x) => (x >= 0 ? x : alpha * x);
    case 'none':
      return (x) => x;
  }
}

const PASS_THROUGH = new Set(['Identity', 'Dropout']);

export function lower(g: OnnxGraph): IrGraph {
  const file = g.file;
  const tensors: IrTensor[] = [];
  const layers: IrLayer[] = [];
  const memo = new Map<string, number>();
  const unsupported: string[] = [];
  const [, C0, H0, W0] = g.inputDims;

  const newTensor = (name: string, c: number, h: number, w: number, view?: { of: IrTensor; offset: number }): number => {
    const id = tensors.length;
    tensors.push({ id, name, c, h, w, parent: view ? view.of.parent : id, channelOffset: view ? view.of.channelOffset + view.offset : 0 });
    return id;
  };
  const input = newTensor(g.inputName, C0, H0, W0);
  memo.set(g.inputName, input);

  // Tensors whose shape is unknown because something upstream was refused:
  // checks on them are skipped so that one unsupported node is reported once,
  // not again as a shape mismatch in every consumer.
  const poisoned = new Set<number>();
  const refuse = (n: GNode, why: string): number => {
    unsupported.push(`${n.op} (${n.name}): ${why}`);
    // Keep walking upstream so that every unsupported node is found in one pass.
    for (const i of n.inputs) if (i && !g.constant(i)) lowerTensor(i);
    const t = tensors[input];
    const id = newTensor(`${n.name}:refused`, t.c, t.h, t.w);
    poisoned.add(id);
    return id;
  };
  /** A shape check that stays silent downstream of a refusal. */
  const mismatch = (n: GNode, ids: number[], why: string): number => {
    if (ids.some((i) => poisoned.has(i))) {
      const id = newTensor(`${n.name}:after-refused`, 1, 1, 1);
      poisoned.add(id);
      return id;
    }
    return refuse(n, why);
  };

  /** A node output used only by `allowed` consumers (for fusion). */
  const onlyUsedBy = (t: string, allowed: GNode[]) => g.users(t).every((u) => allowed.includes(u)) && !g.outputNames.includes(t);

  const lowerConv = (n: GNode, outName: string, bn: GNode | null, act: Act, alpha: number, preName: string): number => {
    const x = tensors[lowerTensor(n.inputs[0])];
    const w = g.constant(n.inputs[1]);
    if (!w || !(w.data instanceof Float32Array)) return refuse(n, 'weights are not a float constant (quantized or computed weights are not compiled)');
    const [cout, cinPerGroup, kh, kw] = w.dims;
    const groups = g.attrInt(n, 'group', 1);
    const strides = g.attrInts(n, 'strides') ?? [1, 1];
    const pads = g.attrInts(n, 'pads') ?? [0, 0, 0, 0];
    const dil = g.attrInts(n, 'dilations') ?? [1, 1];
    if (strides[0] !== strides[1]) return refuse(n, `strides ${strides} are not square`);
    if (new Set(pads).size !== 1) return refuse(n, `pads ${pads} are not symmetric`);
    if (dil.some((d) => d !== 1)) return refuse(n, 'dilated convolution');
    if (kh !== kw || ![1, 3, 5, 7].includes(kh)) return refuse(n, `${kh}x${kw} kernel`);
    if (cinPerGroup * groups !== x.c) return mismatch(n, [x.id], `weights expect ${cinPerGroup * groups} input channels, input has ${x.c}`);
    const weight = Float32Array.from(w.data);
    const b = n.inputs[2] ? g.constant(n.inputs[2]) : undefined;
    const bias = b ? Float32Array.from(b.data as Float32Array) : new Float32Array(cout);
    if (bn) {
      const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((i) => g.constant(i)?.data as Float32Array | undefined);
      if (!gamma || !beta || !mean || !variance) return refuse(bn, 'batch-norm parameters are not constants');
      const eps = g.attrFloat(bn, 'epsilon', 1e-5);
      const k = weight.length / cout;
      for (let c = 0; c < cout; c++) {
        const f = gamma[c] / Math.sqrt(variance[c] + eps);
        for (let i = 0; i < k; i++) weight[c * k + i] *= f;
        bias[c] = (bias[c] - mean[c]) * f + beta[c];
      }
    }
    const stride = strides[0];
    const pad = pads[0];
    const h = Math.floor((x.h + 2 * pad - kh) / stride) + 1;
    const wd = Math.floor((x.w + 2 * pad - kw) / stride) + 1;
    const out = newTensor(outName, cout, h, wd);
    layers.push({ op: 'conv', node: n.name, in: x.id, out, weight, bias, cout, cinPerGroup, kh, kw, stride, pad, groups, act, alpha, preName });
    return out;
  };

  /** Lower `t` (the input of an activation) with the activation fused when possible. */
  const lowerActivated = (actNode: GNode, xName: string, outName: string, act: Act, alpha: number, users: GNode[]): number => {
    let p = g.producerOf(xName);
    let bn: GNode | null = null;
    if (p?.op === 'BatchNormalization' && onlyUsedBy(xName, users)) {
      const b: GNode = p;
      bn = b;
      p = g.producerOf(b.inputs[0]);
      if (!p || p.op !== 'Conv' || !onlyUsedBy(b.inputs[0], [b])) p = undefined;
    }
    if (p?.op === 'Conv' && onlyUsedBy(xName, users)) return lowerConv(p, outName, bn, act, alpha, xName);
    const x = tensors[lowerTensor(xName)];
    const out = newTensor(outName, x.c, x.h, x.w);
    layers.push({ op: 'act', node: actNode.name, in: x.id, out, act, alpha });
    return out;
  };

  const lowerTensor = (name: string): number => {
    const hit = memo.get(name);
    if (hit !== undefined) return hit;
    const n = g.producerOf(name);
    if (!n) {
      unsupported.push(`tensor ${name}: neither a node output nor the graph input`);
      return input;
    }
    const id = lowerNode(n, name);
    memo.set(name, id);
    return id;
  };

  const lowerNode = (n: GNode, name: string): number => {
    if (PASS_THROUGH.has(n.op)) return lowerTensor(n.inputs[0]);
    switch (n.op) {
      case 'Conv':
        return lowerConv(n, name, null, 'none', 0, name);
      case 'BatchNormalization': {
        const p = g.producerOf(n.inputs[0]);
        if (p?.op !== 'Conv' || !onlyUsedBy(n.inputs[0], [n])) return refuse(n, 'batch-norm not directly after a convolution');
        return lowerConv(p, name, n, 'none', 0, name);
      }
      case 'Mul': {
        const [a, b] = n.inputs;
        for (const [x, s] of [
          [a, b],
          [b, a],
        ]) {
          const sp = g.producerOf(s);
          if (sp?.op === 'Sigmoid' && sp.inputs[0] === x) return lowerActivated(n, x, name, 'silu', 0, [sp, n]);
          if (sp?.op === 'HardSigmoid' && sp.inputs[0] === x && Math.abs(g.attrFloat(sp, 'alpha', 0.2) - 1 / 6) < 1e-6 && Math.abs(g.attrFloat(sp, 'beta', 0.5) - 0.5) < 1e-6) {
            return lowerActivated(n, x, name, 'hardswish', 0, [sp, n]);
          }
        }
        return refuse(n, 'multiplication other than x·sigmoid(x) or x·hardsigmoid(x)');
      }
      case 'Sigmoid':
        return lowerActivated(n, n.inputs[0], name, 'sigmoid', 0, [n]);
      case 'Relu':
        return lowerActivated(n, n.inputs[0], name, 'relu', 0, [n]);
      case 'HardSwish':
        return lowerActivated(n, n.inputs[0], name, 'hardswish', 0, [n]);
      case 'LeakyRelu':
        return lowerActivated(n, n.inputs[0], name, 'leakyrelu', g.attrFloat(n, 'alpha', 0.01), [n]);
      case 'Clip': {
        const lo = n.inputs[1] ? (g.constant(n.inputs[1])?.data as Float32Array | undefined)?.[0] : g.attrFloat(n, 'min', -Infinity);
        const hi = n.inputs[2] ? (g.constant(n.inputs[2])?.data as Float32Array | undefined)?.[0] : g.attrFloat(n, 'max', Infinity);
        if (lo === 0 && hi === 6) return lowerActivated(n, n.inputs[0], name, 'relu6', 0, [n]);
        return refuse(n, `clip to [${lo}, ${hi}]`);
      }
      case 'Add': {
        if (n.inputs.some((i) => g.constant(i))) return refuse(n, 'adding a constant');
        const a = tensors[lowerTensor(n.inputs[0])];
        const b = tensors[lowerTensor(n.inputs[1])];
        if (a.c !== b.c || a.h !== b.h || a.w !== b.w) return mismatch(n, [a.id, b.id], `shapes ${a.c}x${a.h}x${a.w} and ${b.c}x${b.h}x${b.w} differ (no broadcasting)`);
        const out = newTensor(name, a.c, a.h, a.w);
        layers.push({ op: 'add', node: n.name, ins: [a.id, b.id], out });
        return out;
      }
      case 'Concat': {
        const axis = g.attrInt(n, 'axis', 1);
        if (axis !== 1 && axis !== -3) return refuse(n, `concatenation on axis ${axis} (only channels)`);
        const ins = n.inputs.map((i) => tensors[lowerTensor(i)]);
        if (ins.some((t) => t.h !== ins[0].h || t.w !== ins[0].w)) return mismatch(n, ins.map((t) => t.id), 'inputs of different sizes');
        if (ins.length > 4) return refuse(n, `${ins.length} inputs (at most 4)`);
        const out = newTensor(name, ins.reduce((s, t) => s + t.c, 0), ins[0].h, ins[0].w);
        layers.push({ op: 'concat', node: n.name, ins: ins.map((t) => t.id), out });
        return out;
      }
      case 'Split': {
        const axis = g.attrInt(n, 'axis', 0);
        const x = tensors[lowerTensor(n.inputs[0])];
        if (axis !== 1 && axis !== -3) return refuse(n, `split on axis ${axis} (only channels)`);
        const sizes = (n.inputs[1] ? (g.constant(n.inputs[1])?.data as number[] | undefined) : undefined) ?? g.attrInts(n, 'split') ?? n.outputs.map(() => x.c / n.outputs.length);
        const k = n.outputs.indexOf(name);
        const offset = sizes.slice(0, k).reduce((a, b) => a + b, 0);
        return newTensor(name, sizes[k], x.h, x.w, { of: x, offset });
      }
      case 'Slice': {
        const x = tensors[lowerTensor(n.inputs[0])];
        const get = (i: number) => (n.inputs[i] ? (g.constant(n.inputs[i])?.data as number[] | undefined) : undefined);
        const [starts, ends, axes, steps] = [get(1), get(2), get(3) ?? [0], get(4) ?? [1]];
        if (!starts || !ends || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -3) || steps[0] !== 1) return refuse(n, 'slice other than a constant channel range');
        const s = Math.max(0, starts[0] < 0 ? x.c + starts[0] : starts[0]);
        const e = Math.min(x.c, ends[0] < 0 ? x.c + ends[0] : ends[0]);
        return newTensor(name, e - s, x.h, x.w, { of: x, offset: s });
      }
      case 'MaxPool': {
        const x = tensors[lowerTensor(n.inputs[0])];
        const ks = g.attrInts(n, 'kernel_shape') ?? [1, 1];
        const st = g.attrInts(n, 'strides') ?? [1, 1];
        const pads = g.attrInts(n, 'pads') ?? [0, 0, 0, 0];
        if (ks[0] !== ks[1] || st[0] !== st[1] || new Set(pads).size !== 1 || g.attrInt(n, 'ceil_mode', 0) !== 0) return refuse(n, 'non-square or ceil-mode pooling');
        const [k, s, p] = [ks[0], st[0], pads[0]];
        const out = newTensor(name, x.c, Math.floor((x.h + 2 * p - k) / s) + 1, Math.floor((x.w + 2 * p - k) / s) + 1);
        layers.push({ op: 'maxpool', node: n.name, in: x.id, out, k, stride: s, pad: p });
        return out;
      }
      case 'Resize':
      case 'Upsample': {
        const x = tensors[lowerTensor(n.inputs[0])];
        const mode = g.attrString(n, 'mode', 'nearest');
        if (mode !== 'nearest') return refuse(n, `${mode} resize (only nearest)`);
        const scales = (g.constant(n.op === 'Upsample' ? n.inputs[1] : n.inputs[2] ?? '')?.data as Float32Array | undefined) ?? undefined;
        const sizes = n.op === 'Resize' && n.inputs[3] ? (g.constant(n.inputs[3])?.data as number[] | undefined) : undefined;
        const f = scales && scales.length === 4 ? scales[2] : sizes ? sizes[2] / x.h : NaN;
        const fw = scales && scales.length === 4 ? scales[3] : sizes ? sizes[3] / x.w : NaN;
        if (!(Number.isInteger(f) && f === fw && f >= 2 && f <= 4)) return refuse(n, `scale ${f}x${fw} (only integer 2-4x, equal on both axes)`);
        const out = newTensor(name, x.c, x.h * f, x.w * f);
        layers.push({ op: 'upsample', node: n.name, in: x.id, out, factor: f });
        return out;
      }
      default:
        return refuse(n, 'operation not supported by the int8 engine');
    }
  };

  const head = findHead(g);
  const outputs: IrOutput[] = [];
  head.levels.forEach((lv, level) => {
    for (const [kind, t] of [
      ['box', lv.box],
      ['cls', lv.cls],
    ] as const) {
      const id = lowerTensor(t);
      const tt = tensors[id];
      outputs.push({ tensor: id, kind, level, stride: H0 / tt.h, count: tt.c });
    }
  });
  if (unsupported.length) {
    throw new SarwatchError(
      'E_MODEL_UNSUPPORTED_OP',
      `the int8 compiler cannot map ${unsupported.length} node${unsupported.length > 1 ? 's' : ''} onto the accelerator:\n  ${unsupported.join('\n  ')}`,
      { file },
    );
  }
  const box0 = tensors[outputs[0].tensor];
  return {
    tensors,
    layers,
    input,
    outputs,
    regMax: box0.c / 4,
    numClasses: tensors[outputs[1].tensor].c,
    inputShape: [C0, H0, W0],
  };
}

/** The Ultralytics Detect head: per level, Concat(axis 1)[box conv, cls conv] → Reshape → Concat(axis 2). */
function findHead(g: OnnxGraph): { levels: { box: string; cls: string }[] } {
  for (const n of g.nodes) {
    if (n.op !== 'Concat' || ![2, -1].includes(g.attrInt(n, 'axis', 0)) || n.inputs.length < 2) continue;
    const levels: { box: string; cls: string }[] = [];
    for (const inp of n.inputs) {
      const r = g.producerOf(inp);
      const c = r?.op === 'Reshape' ? g.producerOf(r.inputs[0]) : undefined;
      if (!c || c.op !== 'Concat' || ![1, -3].includes(g.attrInt(c, 'axis', 1)) || c.inputs.length !== 2) break;
      levels.push({ box: c.inputs[0], cls: c.inputs[1] });
    }
    if (levels.length === n.inputs.length && levels.length >= 2) return { levels };
  }
  throw new SarwatchError(
    'E_MODEL_UNSUPPORTED_OP',
    'no YOLOv8 detection head found (per level: Concat of a box and a class convolution, reshaped and concatenated on axis 2)',
    { file: g.file },
  );
}
