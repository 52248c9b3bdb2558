/** ONNX → accelerator IR: what is fused, folded, viewed, and what is refused. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOnnx } from '../../dist/src/model/onnx-file.js';
import { OnnxGraph } from '../../dist/src/model/compiler/onnx-graph.js';
import { lower } from '../../dist/src/model/compiler/lower.js';
import { quantizeMultiplier } from '../../dist/src/model/compiler/quantize.js';
import { buildModel, floatTensor, int64Tensor, weights } from '../fixtures/onnx.js';
import { rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

/** A one-level "detector": conv(+BN)+SiLU → split → box and class convs → the Ultralytics head concat/reshape/concat. */
function tinyDetector(extra: { bn?: boolean; badOp?: boolean } = {}) {
  const nodes = [
    { op: 'Conv', inputs: ['images', 'w0', 'b0'], outputs: ['c0'], name: '/stem/conv', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  ] as Parameters<typeof buildModel>[0];
  let x = 'c0';
  if (extra.bn) {
    nodes.push({ op: 'BatchNormalization', inputs: ['c0', 'g', 'beta', 'mean', 'var'], outputs: ['bn0'], name: '/stem/bn', attrs: { epsilon: 0.001 } });
    x = 'bn0';
  }
  nodes.push({ op: 'Sigmoid', inputs: [x], outputs: ['s0'] }, { op: 'Mul', inputs: [x, 's0'], outputs: ['a0'] });
  nodes.push({ op: 'Split', inputs: ['a0', 'split'], outputs: ['p0', 'p1'], attrs: { axis: 1 } });
  let boxIn = 'p0';
  if (extra.badOp) {
    nodes.push({ op: 'LpNormalization', inputs: ['p0'], outputs: ['n0'], name: '/odd/norm' }, { op: 'Mul', inputs: ['n0', 'k'], outputs: ['m0'], name: '/odd/scale' });
    boxIn = 'm0';
  }
  nodes.push(
    { op: 'Conv', inputs: [boxIn, 'wb', 'bb'], outputs: ['box'], name: '/head/box', attrs: { kernel_shape: [1, 1] } },
    { op: 'Conv', inputs: ['p1', 'wc', 'bc'], outputs: ['cls'], name: '/head/cls', attrs: { kernel_shape: [1, 1] } },
    { op: 'Concat', inputs: ['box', 'cls'], outputs: ['lvl'], attrs: { axis: 1 } },
    { op: 'Reshape', inputs: ['lvl', 'shape'], outputs: ['flat'] },
    { op: 'Concat', inputs: ['flat', 'flat'], outputs: ['all'], attrs: { axis: 2 } },
    { op: 'Identity', inputs: ['all'], outputs: ['output0'] },
  );
  const inits = [
    floatTensor('w0', [16, 2, 3, 3], weights(16 * 18, 1)),
    floatTensor('b0', [16], weights(16, 2)),
    floatTensor('wb', [64, 8, 1, 1], weights(64 * 8, 3)),
    floatTensor('bb', [64], weights(64, 4)),
    floatTensor('wc', [3, 8, 1, 1], weights(24, 5)),
    floatTensor('bc', [3], weights(3, 6)),
    floatTensor('g', [16], weights(16, 7, 1).map((v) => 1 + v)),
    floatTensor('beta', [16], weights(16, 8)),
    floatTensor('mean', [16], weights(16, 9)),
    floatTensor('var', [16], weights(16, 10, 0.5).map((v) => 1 + Math.abs(v))),
    floatTensor('k', [1], [2]),
    int64Tensor('split', [2], [8, 8]),
    int64Tensor('shape', [3], [1, 67, -1]),
  ];
  return buildModel(nodes, inits, ['images', [1, 2, 32, 32]], ['output0', [1, 67, 512]]);
}

async function lowerBytes(bytes: Uint8Array, name: string) {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  const { model } = await readOnnx(f);
  return lower(new OnnxGraph(model, f));
}

describe('lowering to the accelerator IR', () => {
  it('cuts at the head convolutions, fuses SiLU into the convolution and turns Split into views', async () => {
    const ir = await lowerBytes(tinyDetector(), 'tiny.onnx');
    // The toy head lists one level twice (the Ultralytics shape needs ≥ 2 levels).
    expect(ir.outputs.slice(0, 2).map((o) => [o.kind, o.count, o.stride])).toEqual([
      ['box', 64, 2],
      ['cls', 3, 2],
    ]);
    expect(ir.regMax).toBe(16);
    expect(ir.layers.map((l) => l.op)).toEqual(['conv', 'conv', 'conv']);
    const stem = ir.layers[0] as { act: string; preName: string };
    expect(stem.act).toBe('silu');
    expect(stem.preName).toBe('c0');
    const views = ir.tensors.filter((t) => t.parent !== t.id);
    expect(views.map((t) => [t.name, t.channelOffset, t.c])).toEqual([
      ['p0', 0, 8],
      ['p1', 8, 8],
    ]);
  });

  it('folds BatchNormalization into the convolution before it', async () => {
    const plain = await lowerBytes(tinyDetector(), 'plain.onnx');
    const bn = await lowerBytes(tinyDetector({ bn: true }), 'bn.onnx');
    const w0 = (plain.layers[0] as { weight: Float32Array }).weight;
    const w1 = (bn.layers[0] as { weight: Float32Array; bias: Float32Array }).weight;
    const g = weights(16, 7, 1).map((v) => 1 + v);
    const v = weights(16, 10, 0.5).map((x) => 1 + Math.abs(x));
    for (let c = 0; c < 16; c++) {
      const f = g[c] / Math.sqrt(v[c] + 0.001);
      expect(w1[c * 18 + 5]).toBeCloseTo(w0[c * 18 + 5] * f, 5);
    }
    expect(bn.layers).toHaveLength(3); // no separate batch-norm layer
  });

  it('refuses unsupported operations in one error that names every node', async () => {
    const err = await lowerBytes(tinyDetector({ badOp: true }), 'bad.onnx').catch((e) => e);
    expect(err.code).toBe('E_MODEL_UNSUPPORTED_OP');
    expect(err.message).toMatch(/cannot map 2 nodes/);
    expect(err.message).toMatch(/LpNormalization \(\/odd\/norm\)/);
    expect(err.message).toMatch(/Mul \(\/odd\/scale\): multiplication other than/);
  });

  it('turns requantisation factors into int32 multipliers and shifts within the spec', () => {
    for (const M of [1e-6, 0.00371, 0.25, 0.5, 0.999, 1.7, 300]) {
      const { m, n } = quantizeMultiplier(M);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(62);
      expect(m).toBeLessThan(2 ** 31);
      if (M > 1e-4) expect(m).toBeGreaterThanOrEqual(2 ** 30);
      expect(Math.abs(m / 2 ** n - M) / M).toBeLessThan(2 ** -29);
    }
    expect(quantizeMultiplier(0)).toEqual({ m: 0, n: 1 });
  });
});
