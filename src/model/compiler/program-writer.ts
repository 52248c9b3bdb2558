/**
 * Lays out feature-map memory and writes the program blob of
 * native/include/sarwatch/program.h (the constants below mirror that header;
 * test/model/program-format.test.ts checks they agree).
 */
import { createHash } from 'node:crypto';
import type { QuantizedGraph } from './quantize.js';

export const PROGRAM_MAGIC = 0x47505753;
export const PROGRAM_VERSION = 1;
export const NONE = 0xffffffff;
export const HEADER_WORDS = 16;
export const TENSOR_WORDS = 12;
export const LAYER_WORDS = 24;
export const OUTPUT_WORDS = 8;
export const H = { magic: 0, version: 1, totalBytes: 2, crc32: 3, numTensors: 4, numLayers: 5, numOutputs: 6, tensorTable: 7, layerTable: 8, outputTable: 9, dataOffset: 10, dataBytes: 11, arenaBytes: 12, metaOffset: 13, metaBytes: 14, inputTensor: 15 } as const;
export const T = { channels: 0, height: 1, width: 2, arenaOffset: 3, pixelStride: 4, channelOffset: 5, zeroPoint: 6, scaleBits: 7, parent: 8 } as const;
export const L = { op: 0, out: 1, numIn: 2, in0: 3, kernel: 7, groups: 8, weights: 9, bias: 10, mult: 11, shift: 12, lut: 13, preZp: 14, flags: 15 } as const;
export const O = { tensor: 0, kind: 1, level: 2, stride: 3, count: 4 } as const;
export const OP = { conv: 1, add: 2, concat: 3, maxpool: 4, upsample: 5, act: 6 } as const;

const ALIGN = 64;

let crcTable: Uint32Array | null = null;
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Arena offsets by lifetime: each buffer lives from the layer that writes it
 * to the last layer that reads it (head outputs to the end); buffers whose
 * lifetimes overlap never share bytes. Largest first, lowest free offset.
 */
export function planArena(g: QuantizedGraph): { offsets: Map<number, number>; bytes: number } {
  const { ir } = g;
  const owners = ir.tensors.filter((t) => t.parent === t.id);
  const birth = new Map<number, number>([[ir.input, -1]]);
  const death = new Map<number, number>();
  ir.layers.forEach((l, i) => {
    const outOwner = ir.tensors[l.out].parent;
    if (!birth.has(outOwner)) birth.set(outOwner, i);
    const ins = 'ins' in l ? l.ins : [l.in];
    for (const t of ins) death.set(ir.tensors[t].parent, i);
  });
  for (const o of ir.outputs) death.set(ir.tensors[o.tensor].parent, Infinity);
  const items = owners
    .map((t) => ({ id: t.id, size: Math.ceil((t.h * t.w * t.c) / ALIGN) * ALIGN, b: birth.get(t.id) ?? -1, d: death.get(t.id) ?? birth.get(t.id) ?? -1 }))
    .sort((a, b) => b.size - a.size || a.id - b.id);
  const placed: { off: number; end: number; b: number; d: number }[] = [];
  const offsets = new Map<number, number>();
  let bytes = 0;
  for (const it of items) {
    const conflicts = placed.filter((p) => p.b <= it.d && it.b <= p.d).sort((a, b) => a.off - b.off);
    let off = 0;
    for (const p of conflicts) {
      if (off + it.size <= p.off) break;
      off = Math.max(off, p.end);
    }
    placed.push({ off, end: off + it.size, b: it.b, d: it.d });
    offsets.set(it.id, off);
    bytes = Math.max(bytes, off + it.size);
  }
  return { offsets, bytes };
}

class DataSection {
  private chunks: Buffer[] = [];
  size = 0;

  add(bytes: Uint8Array): number {
    const pad = (16 - (this.size % 16)) % 16;
    if (pad) this.push(Buffer.alloc(pad));
    const off = this.size;
    this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return off;
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function writeProgram(g: QuantizedGraph, meta: Record<string, unknown>): Buffer {
  const { ir } = g;
  const { offsets, bytes: arenaBytes } = planArena(g);
  const data = new DataSection();
  const layerWords = new Uint32Array(LAYER_WORDS * g.layers.length);
  g.layers.forEach((ql, i) => {
    const w = layerWords.subarray(i * LAYER_WORDS, (i + 1) * LAYER_WORDS);
    w.fill(0);
    w[L.lut] = NONE;
    w[L.weights] = NONE;
    w[L.bias] = NONE;
    w[L.mult] = NONE;
    w[L.shift] = NONE;
    const l = ql.layer;
    const ins = 'ins' in l ? l.ins : [l.in];
    w[L.op] = OP[l.op];
    w[L.out] = l.out;
    w[L.numIn] = ins.length;
    ins.forEach((t, k) => (w[L.in0 + k] = t));
    if (ql.op === 'conv') {
      const c = ql.layer;
      w[L.kernel] = c.kh | (c.kw << 8) | (c.stride << 16) | (c.pad << 24);
      w[L.groups] = c.groups;
      w[L.weights] = data.add(new Uint8Array(ql.weights.buffer, ql.weights.byteOffset, ql.weights.byteLength));
      w[L.bias] = data.add(new Uint8Array(ql.bias.buffer));
      w[L.mult] = data.add(new Uint8Array(ql.mult.buffer));
      w[L.shift] = data.add(new Uint8Array(ql.shift.buffer));
      if (ql.lut) w[L.lut] = data.add(new Uint8Array(ql.lut.buffer));
      w[L.preZp] = ql.preZp >>> 0;
    } else if (ql.op === 'add' || ql.op === 'concat') {
      w[L.mult] = data.add(new Uint8Array(ql.mult.buffer));
      w[L.shift] = data.add(new Uint8Array(ql.shift.buffer));
    } else if (ql.op === 'maxpool') {
      const m = ql.layer as Extract<typeof ql.layer, { op: 'maxpool' }>;
      w[L.kernel] = m.k | (m.k << 8) | (m.stride << 16) | (m.pad << 24);
    } else if (ql.op === 'upsample') {
      w[L.kernel] = (ql.layer as Extract<typeof ql.layer, { op: 'upsample' }>).factor;
    } else if (ql.op === 'act') {
      w[L.lut] = data.add(new Uint8Array(ql.lut.buffer));
    }
  });
  const tensorWords = new Uint32Array(TENSOR_WORDS * ir.tensors.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  ir.tensors.forEach((t, i) => {
    const w = tensorWords.subarray(i * TENSOR_WORDS, (i + 1) * TENSOR_WORDS);
    const owner = ir.tensors[t.parent];
    w[T.channels] = t.c;
    w[T.height] = t.h;
    w[T.width] = t.w;
    w[T.arenaOffset] = offsets.get(owner.id)!;
    w[T.pixelStride] = owner.c;
    w[T.channelOffset] = t.channelOffset;
    w[T.zeroPoint] = g.q[i].zp >>> 0;
    f32[0] = g.q[i].scale;
    w[T.scaleBits] = u32[0];
    w[T.parent] = t.parent;
  });
  const outputWords = new Uint32Array(OUTPUT_WORDS * ir.outputs.length);
  ir.outputs.forEach((o, i) => {
    const w = outputWords.subarray(i * OUTPUT_WORDS, (i + 1) * OUTPUT_WORDS);
    w[O.tensor] = o.tensor;
    w[O.kind] = o.kind === 'box' ? 0 : 1;
    w[O.level] = o.level;
    w[O.stride] = o.stride;
    w[O.count] = o.count;
  });
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
  const dataBytes = data.bytes();
  const header = new Uint32Array(HEADER_WORDS);
  let off = HEADER_WORDS * 4;
  header[H.tensorTable] = off;
  off += tensorWords.byteLength;
  header[H.layerTable] = off;
  off += layerWords.byteLength;
  header[H.outputTable] = off;
  off += outputWords.byteLength;
  off = Math.ceil(off / 16) * 16;
  header[H.dataOffset] = off;
  header[H.dataBytes] = dataBytes.length;
  off += dataBytes.length;
  header[H.metaOffset] = off;
  header[H.metaBytes] = metaBytes.length;
  off += metaBytes.length;
  header[H.magic] = PROGRAM_MAGIC;
  header[H.version] = PROGRAM_VERSION;
  header[H.totalBytes] = off;
  header[H.numTensors] = ir.tensors.length;
  header[H.numLayers] = g.layers.length;
  header[H.numOutputs] = ir.outputs.length;
  header[H.arenaBytes] = arenaBytes;
  header[H.inputTensor] = ir.input;
  const out = Buffer.alloc(off);
  const put = (words: Uint32Array, at: number) => Buffer.from(words.buffer, words.byteOffset, words.byteLength).copy(out, at);
  put(header, 0);
  put(tensorWords, header[H.tensorTable]);
  put(layerWords, header[H.layerTable]);
  put(outputWords, header[H.outputTable]);
  dataBytes.copy(out, header[H.dataOffset]);
  metaBytes.copy(out, header[H.metaOffset]);
  out.writeUInt32LE(crc32(out, 16), 12);
  return out;
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
