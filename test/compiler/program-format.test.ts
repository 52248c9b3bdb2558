/** The TypeScript writer and the C++ header describe the same program format. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { H, HEADER_WORDS, L, LAYER_WORDS, O, OP, OUTPUT_WORDS, PROGRAM_MAGIC, PROGRAM_VERSION, T, TENSOR_WORDS } from '../../dist/src/model/compiler/program-writer.js';
import { REPO } from '../helpers.js';

const header = readFileSync(path.join(REPO, 'native/include/sarwatch/program.h'), 'utf8');

/** Values of an `enum Name : type { a = 0, b, c, ... }` in program.h. */
function enumValues(name: string): Record<string, number> {
  const m = new RegExp(`enum ${name}\\s*:\\s*\\w+\\s*\\{([^}]*)\\}`).exec(header);
  if (!m) throw new Error(`enum ${name} not found`);
  const out: Record<string, number> = {};
  let next = 0;
  for (const part of m[1].split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = part.split('=').map((x) => x.trim());
    next = v === undefined ? next : Number(v);
    out[k] = next++;
  }
  return out;
}

describe('program format', () => {
  it('has the same magic and version', () => {
    expect(/kMagic = 0x([0-9A-Fa-f]+)u/.exec(header)![1].toLowerCase()).toBe(PROGRAM_MAGIC.toString(16));
    expect(Number(/kVersion = (\d+)/.exec(header)![1])).toBe(PROGRAM_VERSION);
  });

  it('lays out header, tensor, layer and output records identically', () => {
    const h = enumValues('Header');
    expect(h.kHeaderWords).toBe(HEADER_WORDS);
    expect([h.kHMagic, h.kHVersion, h.kHTotalBytes, h.kHCrc32, h.kHNumTensors, h.kHNumLayers, h.kHNumOutputs, h.kHTensorTable, h.kHLayerTable, h.kHOutputTable, h.kHDataOffset, h.kHDataBytes, h.kHArenaBytes, h.kHMetaOffset, h.kHMetaBytes, h.kHInputTensor]).toEqual([
      H.magic, H.version, H.totalBytes, H.crc32, H.numTensors, H.numLayers, H.numOutputs, H.tensorTable, H.layerTable, H.outputTable, H.dataOffset, H.dataBytes, H.arenaBytes, H.metaOffset, H.metaBytes, H.inputTensor,
    ]);
    const t = enumValues('Tensor');
    expect(t.kTensorWords).toBe(TENSOR_WORDS);
    expect([t.kTChannels, t.kTHeight, t.kTWidth, t.kTArenaOffset, t.kTPixelStride, t.kTChannelOffset, t.kTZeroPoint, t.kTScaleBits, t.kTParent]).toEqual([
      T.channels, T.height, T.width, T.arenaOffset, T.pixelStride, T.channelOffset, T.zeroPoint, T.scaleBits, T.parent,
    ]);
    const l = enumValues('Layer');
    expect(l.kLayerWords).toBe(LAYER_WORDS);
    expect([l.kLOp, l.kLOut, l.kLNumIn, l.kLIn0, l.kLKernel, l.kLGroups, l.kLWeights, l.kLBias, l.kLMult, l.kLShift, l.kLLut, l.kLPreZp, l.kLFlags]).toEqual([
      L.op, L.out, L.numIn, L.in0, L.kernel, L.groups, L.weights, L.bias, L.mult, L.shift, L.lut, L.preZp, L.flags,
    ]);
    const o = enumValues('Output');
    expect(o.kOutputWords).toBe(OUTPUT_WORDS);
    expect([o.kOTensor, o.kOKind, o.kOLevel, o.kOStride, o.kOCount]).toEqual([O.tensor, O.kind, O.level, O.stride, O.count]);
    const ops = enumValues('Op');
    expect([ops.kOpConv, ops.kOpAdd, ops.kOpConcat, ops.kOpMaxPool, ops.kOpUpsample, ops.kOpLut]).toEqual([OP.conv, OP.add, OP.concat, OP.maxpool, OP.upsample, OP.act]);
  });
});
