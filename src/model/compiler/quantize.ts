/**
 * Quantisation: calibrated ranges and float weights → the integer parameters
 * of native/include/sarwatch/quant.h.
 *
 * - Activations: asymmetric int8, scale = (max − min)/255 over a range that
 *   contains 0, zero point rounded so 0 is exact. The input is pixel/255, so
 *   its code is exactly pixel − 128 (scale 1/255, zero point −128).
 * - Weights: symmetric int8 per output channel, scale = max|w|/127.
 * - Bias: round(b / (s_in · s_w)), with −zp_in · Σw folded in (the engines
 *   pad with zp_in, which keeps the fold exact at the borders).
 * - Requantisation: M = s_in · s_w / s_out ≈ M0 · 2^−n with M0 ∈ [2^30, 2^31).
 * - Activations fused into a convolution: the convolution first requantises
 *   to the pre-activation code, a 256-entry table maps that to the output code.
 * - Max-pool and upsampling keep their input's code; channel views share
 *   their buffer's code.
 */
import { SarwatchError } from '../../errors.js';
import type { Ranges } from './calibrate.js';
import { activation, type IrGraph, type IrLayer } from './lower.js';

export interface QParams {
  scale: number;
  zp: number;
}

export interface Requant {
  m: number;
  n: number;
}

export type QLayer =
  | { op: 'conv'; layer: Extract<IrLayer, { op: 'conv' }>; weights: Int8Array; bias: Int32Array; mult: Int32Array; shift: Int32Array; lut: Int8Array | null; preZp: number }
  | { op: 'add' | 'concat'; layer: IrLayer; mult: Int32Array; shift: Int32Array }
  | { op: 'maxpool' | 'upsample'; layer: IrLayer }
  | { op: 'act'; layer: Extract<IrLayer, { op: 'act' }>; lut: Int8Array };

export interface QuantizedGraph {
  ir: IrGraph;
  q: QParams[];
  layers: QLayer[];
  /** Every quantised tensor by ONNX name, pre-activation values included (for the QDQ export). */
  byName: Map<string, QParams>;
}

export const INPUT_Q: QParams = { scale: 1 / 255, zp: -128 };

export function qparamsFromRange(lo: number, hi: number): QParams {
  let min = Math.min(lo, 0);
  let max = Math.max(hi, 0);
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`non-finite calibration range [${lo}, ${hi}]`);
  if (max - min < 1e-8) max = min + 1e-8;
  const scale = (max - min) / 255;
  const zp = Math.max(-128, Math.min(127, Math.round(-128 - min / scale)));
  return { scale, zp };
}

/** M ≈ m · 2^−n with m ∈ [2^30, 2^31) and n ∈ [1, 62] (m shrinks below 2^30 only for tiny M). */
export function quantizeMultiplier(M: number): Requant {
  if (!(M > 0)) return { m: 0, n: 1 };
  let n = 30 - Math.floor(Math.log2(M));
  let m = Math.round(M * 2 ** n);
  if (m >= 2 ** 31) {
    n -= 1;
    m = Math.round(M * 2 ** n);
  }
  if (n > 62) {
    n = 62;
    m = Math.round(M * 2 ** 62);
  }
  if (n < 1) throw new RangeError(`requantisation multiplier ${M} is too large for the int8 spec`);
  return { m, n };
}

/**
 * The part of a pre-activation range worth codes: where the function still
 * changes by more than about one output step. SiLU is within 0.015 of 0 below
 * −6, HardSwish and ReLU are 0 below −3 and 0, sigmoid within 3·10⁻⁴ of 0 or 1
 * beyond ±8. Narrowing the range there gives the rest finer steps.
 */
export function usefulPreRange(act: string, lo: number, hi: number): [number, number] {
  switch (act) {
    case 'silu':
      return [Math.max(lo, -6), hi];
    case 'hardswish':
      return [Math.max(lo, -3), hi];
    case 'relu':
    case 'relu6':
      return [Math.max(lo, 0), act === 'relu6' ? Math.min(hi, 6) : hi];
    case 'sigmoid':
      return [Math.max(lo, -8), Math.min(hi, 8)];
    default:
      return [lo, hi];
  }
}

function lutFor(f: (x: number) => number, pre: QParams, out: QParams): Int8Array {
  const lut = new Int8Array(256);
  for (let q = -128; q <= 127; q++) {
    const y = f(pre.scale * (q - pre.zp));
    lut[q + 128] = Math.max(-128, Math.min(127, Math.round(y / out.scale) + out.zp));
  }
  return lut;
}

export function quantize(ir: IrGraph, ranges: Ranges, file: string): QuantizedGraph {
  const q: (QParams | undefined)[] = new Array(ir.tensors.length);
  const rangeOf = (name: string): QParams => {
    const r = ranges.get(name);
    if (!r) throw new SarwatchError('E_MODEL_INVALID', `no calibration range for tensor ${name}`, { file });
    return qparamsFromRange(r[0], r[1]);
  };
  const preRangeOf = (name: string, act: string): QParams => {
    const r = ranges.get(name);
    if (!r) throw new SarwatchError('E_MODEL_INVALID', `no calibration range for tensor ${name}`, { file });
    const [lo, hi] = usefulPreRange(act, r[0], r[1]);
    return qparamsFromRange(lo, hi);
  };
  const qOf = (t: number): QParams => {
    const p = ir.tensors[t].parent;
    const v = q[p];
    if (!v) throw new Error(`tensor ${ir.tensors[t].name} has no code yet`);
    return v;
  };
  q[ir.input] = INPUT_Q;
  const layers: QLayer[] = [];
  for (const l of ir.layers) {
    switch (l.op) {
      case 'conv': {
        const sIn = qOf(l.in);
        const out = (q[l.out] = rangeOf(ir.tensors[l.out].name));
        const pre = l.act === 'none' ? out : preRangeOf(l.preName, l.act);
        const kArea = l.kh * l.kw * l.cinPerGroup;
        const weights = new Int8Array(l.cout * kArea);
        const bias = new Int32Array(l.cout);
        const mult = new Int32Array(l.cout);
        const shift = new Int32Array(l.cout);
        for (let c = 0; c < l.cout; c++) {
          let amax = 0;
          for (let i = 0; i < kArea; i++) amax = Math.max(amax, Math.abs(l.weight[c * kArea + i]));
          const sw = amax > 0 ? amax / 127 : 1;
          let sum = 0;
          // ONNX [cout][cin][kh][kw] → program [cout][kh][kw][cin] (channels last, like the feature maps).
          for (let ci = 0; ci < l.cinPerGroup; ci++) {
            for (let ky = 0; ky < l.kh; ky++) {
              for (let kx = 0; kx < l.kw; kx++) {
                const v = Math.max(-127, Math.min(127, Math.round(l.weight[((c * l.cinPerGroup + ci) * l.kh + ky) * l.kw + kx] / sw)));
                weights[c * kArea + (ky * l.kw + kx) * l.cinPerGroup + ci] = v;
                sum += v;
              }
            }
          }
          const b = Math.round(l.bias[c] / (sIn.scale * sw)) - sIn.zp * sum;
          if (Math.abs(b) >= 2 ** 31) throw new SarwatchError('E_MODEL_INVALID', `layer ${l.node}: bias of channel ${c} overflows int32`, { file });
          bias[c] = b;
          const r = quantizeMultiplier((sIn.scale * sw) / pre.scale);
          mult[c] = r.m;
          shift[c] = r.n;
        }
        const lut = l.act === 'none' ? null : lutFor(activation(l.act, l.alpha), pre, out);
        layers.push({ op: 'conv', layer: l, weights, bias, mult, shift, lut, preZp: pre.zp });
        break;
      }
      case 'add': {
        const out = (q[l.out] = rangeOf(ir.tensors[l.out].name));
        const [a, b] = l.ins.map(qOf);
        const big = quantizeMultiplier(Math.max(a.scale, b.scale) / out.scale);
        const m = (s: number) => Math.round((s / out.scale) * 2 ** big.n);
        layers.push({ op: 'add', layer: l, mult: Int32Array.from([m(a.scale), m(b.scale)]), shift: Int32Array.from([big.n, big.n]) });
        break;
      }
      case 'concat': {
        const out = (q[l.out] = rangeOf(ir.tensors[l.out].name));
        const mult = new Int32Array(l.ins.length);
        const shift = new Int32Array(l.ins.length);
        l.ins.forEach((t, i) => {
          const s = qOf(t);
          if (s.scale === out.scale && s.zp === out.zp) {
            mult[i] = 0; // copy
            shift[i] = 0;
          } else {
            const r = quantizeMultiplier(s.scale / out.scale);
            mult[i] = r.m;
            shift[i] = r.n;
          }
        });
        layers.push({ op: 'concat', layer: l, mult, shift });
        break;
      }
      case 'maxpool':
      case 'upsample':
        q[l.out] = qOf(l.in);
        layers.push({ op: l.op, layer: l });
        break;
      case 'act': {
        const out = (q[l.out] = rangeOf(ir.tensors[l.out].name));
        layers.push({ op: 'act', layer: l, lut: lutFor(activation(l.act, l.alpha), qOf(l.in), out) });
        break;
      }
    }
  }
  const all = ir.tensors.map((t) => q[t.parent] ?? INPUT_Q);
  const byName = new Map<string, QParams>();
  ir.tensors.forEach((t, i) => byName.set(t.name, all[i]));
  for (const ql of layers) if (ql.op === 'conv' && ql.layer.act !== 'none') byName.set(ql.layer.preName, { ...preRangeOf(ql.layer.preName, ql.layer.act), zp: ql.preZp });
  return { ir, q: all, layers, byName };
}

/** The ONNX tensors whose ranges quantisation needs. */
export function tensorsToCalibrate(ir: IrGraph): string[] {
  const names = new Set<string>();
  for (const l of ir.layers) {
    if (l.op === 'conv') {
      names.add(ir.tensors[l.out].name);
      if (l.act !== 'none') names.add(l.preName);
    } else if (l.op === 'add' || l.op === 'concat' || l.op === 'act') names.add(ir.tensors[l.out].name);
  }
  return [...names];
}
