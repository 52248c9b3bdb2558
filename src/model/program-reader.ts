/**
 * Reads a compiled program (native/include/sarwatch/program.h) in TypeScript:
 * its tables and metadata, for the accelerator performance model and for
 * running a `.swp` without its ONNX. Integrity (CRC, bounds) is the native
 * validator's job; this reader trusts a program that the engine has loaded or
 * that the compiler just wrote, and checks only the header.
 */
import { readFileSync } from 'node:fs';
import { SarwatchError } from '../errors.js';
import { H, HEADER_WORDS, L, LAYER_WORDS, O, OP, OUTPUT_WORDS, PROGRAM_MAGIC, PROGRAM_VERSION, T, TENSOR_WORDS } from './compiler/program-writer.js';
import type { ClassRule, InputSpec, ModelInfo } from './model-info.js';

export type ProgramOp = keyof typeof OP;

export interface ProgramTensor {
  id: number;
  c: number;
  h: number;
  w: number;
  arenaOffset: number;
  pixelStride: number;
  channelOffset: number;
  zp: number;
  scale: number;
  parent: number;
}

export interface ProgramLayer {
  op: ProgramOp;
  out: number;
  ins: number[];
  kh: number;
  kw: number;
  stride: number;
  pad: number;
  groups: number;
  /** Upsampling factor. */
  factor: number;
  hasLut: boolean;
}

export interface ProgramOutput {
  tensor: number;
  kind: 'box' | 'cls';
  level: number;
  stride: number;
}

export interface ProgramMeta {
  names: string[];
  input: InputSpec;
  inputShape: [number, number, number];
  strides: number[];
  regMax: number;
  numClasses: number;
  vesselClasses: number[];
  fishingClasses: number[];
  /**
   * The ONNX's `sarwatch_*` metadata, carried whole (compiler 1.3.0 on), so a key the exporter adds
   * reaches a `.swp` without a change here. Read through programMetadata(), which also reads the
   * typed fields below that older programs carry instead.
   */
  metadata?: Record<string, string>;
  /** Older programs (compiler < 1.3.0): `sarwatch_overlap`. */
  overlap?: number | null;
  /** Older programs: `sarwatch_conf`. */
  conf?: number | null;
  /** Older programs: `sarwatch_fishing_share`. */
  fishingShare?: number | null;
  /** Older programs: `sarwatch_class_rule`. */
  classRule?: ClassRule | null;
  /** Older programs: `sarwatch_fishing_max_length_m`. */
  fishingMaxLengthM?: number | null;
  source?: { file: string; sha256: string };
  [k: string]: unknown;
}

export interface Program {
  bytes: number;
  arenaBytes: number;
  input: number;
  tensors: ProgramTensor[];
  layers: ProgramLayer[];
  outputs: ProgramOutput[];
  meta: ProgramMeta;
}

const OPS = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k])) as Record<number, ProgramOp>;

export function parseProgram(buf: Buffer, file = 'program'): Program {
  if (buf.length < HEADER_WORDS * 4 || buf.readUInt32LE(0) !== PROGRAM_MAGIC) {
    throw new SarwatchError('E_PROGRAM_INVALID', 'not a sarwatch program', { file });
  }
  if (buf.readUInt32LE(4) !== PROGRAM_VERSION) {
    throw new SarwatchError('E_PROGRAM_VERSION', `program format version ${buf.readUInt32LE(4)}, this sarwatch reads version ${PROGRAM_VERSION}`, { file });
  }
  const h = (w: number) => buf.readUInt32LE(4 * w);
  const tw = (t: number, w: number) => buf.readUInt32LE(h(H.tensorTable) + 4 * (t * TENSOR_WORDS + w));
  const lw = (l: number, w: number) => buf.readUInt32LE(h(H.layerTable) + 4 * (l * LAYER_WORDS + w));
  const ow = (o: number, w: number) => buf.readUInt32LE(h(H.outputTable) + 4 * (o * OUTPUT_WORDS + w));
  const tensors = Array.from({ length: h(H.numTensors) }, (_, t) => ({
    id: t,
    c: tw(t, T.channels),
    h: tw(t, T.height),
    w: tw(t, T.width),
    arenaOffset: tw(t, T.arenaOffset),
    pixelStride: tw(t, T.pixelStride),
    channelOffset: tw(t, T.channelOffset),
    zp: tw(t, T.zeroPoint) | 0,
    scale: buf.readFloatLE(h(H.tensorTable) + 4 * (t * TENSOR_WORDS + T.scaleBits)),
    parent: tw(t, T.parent),
  }));
  const layers = Array.from({ length: h(H.numLayers) }, (_, l) => {
    const k = lw(l, L.kernel);
    const op = OPS[lw(l, L.op)];
    return {
      op,
      out: lw(l, L.out),
      ins: Array.from({ length: lw(l, L.numIn) }, (_, i) => lw(l, L.in0 + i)),
      kh: k & 0xff,
      kw: (k >> 8) & 0xff,
      stride: (k >> 16) & 0xff,
      pad: (k >>> 24) & 0xff,
      groups: lw(l, L.groups),
      factor: op === 'upsample' ? k : 1,
      hasLut: lw(l, L.lut) !== 0xffffffff,
    };
  });
  const outputs = Array.from({ length: h(H.numOutputs) }, (_, o) => ({
    tensor: ow(o, O.tensor),
    kind: ow(o, O.kind) === 0 ? ('box' as const) : ('cls' as const),
    level: ow(o, O.level),
    stride: ow(o, O.stride),
  }));
  let meta: ProgramMeta;
  try {
    meta = JSON.parse(buf.subarray(h(H.metaOffset), h(H.metaOffset) + h(H.metaBytes)).toString('utf8'));
  } catch {
    throw new SarwatchError('E_PROGRAM_INVALID', 'program metadata is not JSON', { file });
  }
  return { bytes: buf.length, arenaBytes: h(H.arenaBytes), input: h(H.inputTensor), tensors, layers, outputs, meta };
}

export function readProgram(file: string): Program {
  return parseProgram(readFileSync(file), file);
}

/** ModelInfo of a program, so a `.swp` runs on cpu/fpga without its ONNX. */
export function modelInfoFromProgram(p: Program, file: string): ModelInfo {
  const [channels, height, width] = p.meta.inputShape;
  const anchors = p.meta.strides.reduce((n, s) => n + Math.ceil(height / s) * Math.ceil(width / s), 0);
  return {
    path: file,
    name: file.replace(/^.*\//, '').replace(/\.swp$/, ''),
    inputName: 'images',
    outputName: 'output0',
    channels,
    height,
    width,
    numClasses: p.meta.numClasses,
    names: p.meta.names,
    strides: p.meta.strides,
    anchors,
    input: p.meta.input,
    vesselClasses: p.meta.vesselClasses,
    fishingClasses: p.meta.fishingClasses,
    metadata: programMetadata(p),
  };
}

/** Older programs' typed fields and the metadata keys they stand for. */
const LEGACY_KEYS: [keyof ProgramMeta, string][] = [
  ['overlap', 'sarwatch_overlap'],
  ['conf', 'sarwatch_conf'],
  ['fishingShare', 'sarwatch_fishing_share'],
  ['classRule', 'sarwatch_class_rule'],
  ['fishingMaxLengthM', 'sarwatch_fishing_max_length_m'],
];

/** The model's `sarwatch_*` metadata as its ONNX had it: carried whole, or rebuilt from an older program's typed fields. */
export function programMetadata(p: Program): Record<string, string> {
  if (p.meta.metadata) return p.meta.metadata;
  const out: Record<string, string> = {};
  for (const [field, key] of LEGACY_KEYS) {
    const v = p.meta[field];
    if (v !== null && v !== undefined && v !== '' && v !== 0) out[key] = String(v);
  }
  return out;
}
