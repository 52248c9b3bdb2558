/**
 * MODELLED performance of the sarwatch HLS kernel on a KV260, derived from the
 * kernel's loop structure (hls/src/sarwatch_engine.cpp) rather than measured:
 * no board or Vitis run exists here. Every figure it prints is labelled
 * "modelled".
 *
 * Cycle counts follow the loops as written: every pipelined loop runs at II=1
 * and costs its trip count plus PIPE_DEPTH cycles of fill. Every layer but
 * max-pool runs its rows as a DATAFLOW of read / compute / store
 * (rowPipeline), so a row costs the slowest of its stages. Convolutions with few input channels pack
 * several kernel taps into the 32 input lanes (tapPacking), depthwise layers put 32 channels in one
 * output tile (block-diagonal weights), weight blocks load
 * during the pixel loop of the previous k-step, and the last k-step
 * requantises as it accumulates. A layer takes the longer of its cycles at the
 * kernel clock and its DDR traffic at the KV260's 19.2 GB/s peak times
 * KV260_DDR.efficiency.
 */
import type { Program, ProgramLayer, ProgramTensor } from '../model/program-reader.js';
import { ENGINE_CONFIG } from './engine-config.js';
import { KV260_DDR } from './kv260-platform.js';

/** Fill and drain of a pipelined loop (estimate: typical Vitis depth for these bodies). */
export const PIPE_DEPTH = 12;
/** Per-layer control: reading the layer and tensor records, dispatch (estimate). */
export const LAYER_OVERHEAD = 400;
const AXI = 16; // bytes per beat on the feature-map, tile and heads ports
const WBEAT = 64; // bytes per beat on the weight port
const VEC16 = 16; // elementwise channels per cycle

export interface LayerModel {
  index: number;
  op: string;
  cycles: number;
  ddrBytes: number;
  seconds: number;
  bound: 'compute' | 'memory';
  macs: number;
}

export interface TileModel {
  layers: LayerModel[];
  cycles: number;
  seconds: number;
  ddrBytes: number;
  macs: number;
  /** Useful MACs over the MAC array's capacity while it runs. */
  macUtilisation: number;
}

const ceil = (a: number, b: number) => Math.ceil(a / b);
const loop = (trips: number) => trips + PIPE_DEPTH;

/** read_owner_row: the whole row of a view's buffer, as it lies in memory (no gather). */
function ownerRowCycles(t: ProgramTensor): number {
  return loop(ceil(t.w * t.pixelStride, AXI));
}

/** One pass over a row's pixels, 16 channels per cycle (copy, gather, requantise, look up). */
function pixelPass(w: number, c: number): number {
  return loop(w * ceil(c, VEC16));
}

/** read_row: a whole buffer streams in dense; a channel view reads its owner's row, then gathers 16 channels per cycle. */
function readRowCycles(t: ProgramTensor): number {
  if (t.pixelStride === t.c && t.channelOffset === 0) return loop(ceil(t.w * t.c, AXI));
  return ownerRowCycles(t) + pixelPass(t.w, t.c);
}

/**
 * Rows as a DATAFLOW of stages (the kernel's *_row_step functions): step y
 * runs every stage on its own row at once, so a step costs the slowest stage;
 * `prime` cycles come before the first step and the last store drains after
 * the last one.
 */
function rowPipeline(rows: number, stages: number[], prime: number, drain: number): number {
  return LAYER_OVERHEAD + prime + rows * Math.max(...stages) + drain;
}

/** Buffers that a list of views reads, each once (consecutive views of one buffer share the read). */
function distinctOwners(ts: ProgramTensor[]): ProgramTensor[] {
  return ts.filter((t, i) => i === 0 || ts[i - 1].parent !== t.parent);
}

/** Taps side by side in the input lanes for layers with few channels (run_conv's `pack`). */
export function tapPacking(cinG: number, kh: number, kw: number): number {
  const C = ENGINE_CONFIG;
  return cinG <= C.peIc / 2 && kh <= 3 && kw <= 3 ? Math.floor(C.peIc / cinG) : 1;
}

function writeRowCycles(t: ProgramTensor): number {
  return loop(ceil(t.w * t.c, AXI));
}

export function convCycles(l: ProgramLayer, input: ProgramTensor, out: ProgramTensor): { cycles: number; ddrBytes: number; macs: number } {
  const C = ENGINE_CONFIG;
  const cinG = input.c / l.groups;
  const coutG = out.c / l.groups;
  // Tile groups (run_conv): a depthwise layer puts kDw of its groups in one output tile with
  // block-diagonal weights; any other layer has one convolution group per tile group.
  const dw = l.groups > 1 && cinG === 1 && coutG === 1;
  const kDw = Math.min(C.peOc, C.peIc);
  const cinT = dw ? kDw : cinG;
  const coutT = dw ? kDw : coutG;
  const taps = l.kh * l.kw;
  const ict = ceil(cinT, C.peIc);
  const oct = ceil(coutT, C.peOc);
  const pack = tapPacking(cinT, l.kh, l.kw);
  const ksteps = ceil(taps, pack) * ict;
  const tiles = (dw ? ceil(l.groups, kDw) : l.groups) * oct;
  const perChunk = Math.max(1, Math.floor(262144 / (C.peOc * C.peIc * ksteps)));
  const chunks = ceil(tiles, perChunk);
  // Weights: per output tile, each lane reads its taps × cin_g bytes, then writes ksteps vectors.
  const weightLoad = tiles * C.peOc * (loop(ceil(taps * cinG, WBEAT) + 1) + loop(ksteps));
  const requantParams = loop(out.c) + loop(C.peIc); // bias/mult/shift, and the lane tables
  // One row step: fetch the new input rows, compute all tiles of the chunk, store the row.
  const rowFetch = readRowCycles(input);
  // A k-step's pixel loop also loads the next weight block (one lane per cycle, double-buffered);
  // rows narrower than the lanes finish the block after it. Packed k-steps first map the lanes
  // (unrolled, ~2 cycles) and prime the window's shared columns.
  const fresh = Math.min(l.stride, l.kw);
  const prologue = pack > 1 ? 2 + l.kh * Math.max(0, l.kw - fresh) : 0;
  const finish = out.w < C.peOc ? loop(C.peOc - out.w) : 0;
  const step = prologue + loop(out.w) + finish;
  // First weight block and the lane biases, then the k-steps: the first one seeds the sums
  // with the biases, the last one requantises them into the output row as it goes.
  const tileCompute = loop(C.peOc) + ksteps * step;
  let cycles = LAYER_OVERHEAD + weightLoad + requantParams;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const tilesHere = Math.min(perChunk, tiles - chunk * perChunk);
    const compute = tilesHere * tileCompute;
    const store = writeRowCycles(out);
    // The first step fetches the kernel's rows; every later one `stride` new rows.
    cycles += l.kh * rowFetch;
    for (let y = 0; y < out.h; y++) cycles += Math.max(Math.min(l.stride, l.kh) * rowFetch, compute, store);
    cycles += store; // the drain step
  }
  const inputBytes = input.h * input.w * input.pixelStride;
  const ddrBytes = chunks * inputBytes + out.h * out.w * out.c + out.c * taps * cinG + 12 * out.c;
  const macs = out.h * out.w * out.c * taps * cinG;
  return { cycles, ddrBytes, macs };
}

export function layerCycles(p: Pick<Program, 'tensors'>, l: ProgramLayer): { cycles: number; ddrBytes: number; macs: number } {
  const out = p.tensors[l.out];
  const ins = l.ins.map((i) => p.tensors[i]);
  const rowBytes = (t: ProgramTensor) => t.w * t.pixelStride;
  const store = writeRowCycles(out);
  switch (l.op) {
    case 'conv':
      return convCycles(l, ins[0], out);
    case 'add':
    case 'act': {
      // ew_row_step: read the inputs' buffer rows (once when both are views of one buffer) | compute | store.
      const owners = distinctOwners(ins);
      const read = owners.reduce((s, t) => s + ownerRowCycles(t), 0);
      return {
        cycles: rowPipeline(out.h, [read, pixelPass(out.w, out.c), store], read + (l.op === 'act' ? loop(64) : 0), store),
        ddrBytes: out.h * (owners.reduce((s, t) => s + rowBytes(t), 0) + out.w * out.c),
        macs: 0,
      };
    }
    case 'concat': {
      // concat_row_step: read each buffer row once | copy every view's channels into place | store.
      const owners = distinctOwners(ins);
      const read = owners.reduce((s, t) => s + ownerRowCycles(t), 0);
      const copy = ins.reduce((s, t) => s + pixelPass(t.w, t.c), 0);
      return {
        cycles: rowPipeline(out.h, [read, copy, store], read, store),
        ddrBytes: out.h * (owners.reduce((s, t) => s + rowBytes(t), 0) + out.w * out.c),
        macs: 0,
      };
    }
    case 'maxpool':
      return {
        cycles: LAYER_OVERHEAD + ins[0].h * readRowCycles(ins[0]) + out.h * (pixelPass(out.w, out.c) + store),
        ddrBytes: ins[0].h * rowBytes(ins[0]) + out.h * out.w * out.c,
        macs: 0,
      };
    case 'upsample': {
      // up_row_step: widen the input row into the output row (reading it first on every
      // factor-th row) | store. Steps with a read cost more than the others.
      const readRows = ins[0].h;
      const widen = pixelPass(out.w, out.c);
      return {
        cycles: rowPipeline(readRows, [ownerRowCycles(ins[0]) + widen, store], 0, 0) + (out.h - readRows) * Math.max(widen, store) + store,
        ddrBytes: ins[0].h * rowBytes(ins[0]) + out.h * out.w * out.c,
        macs: 0,
      };
    }
  }
}

/** Modelled time of one tile: input conversion, every layer, head copy-out. */
export function modelTile(p: Program): TileModel {
  const f = ENGINE_CONFIG.clockMhz * 1e6;
  const ddr = KV260_DDR.peakGBs * 1e9 * KV260_DDR.efficiency;
  const input = p.tensors[p.input];
  const layers: LayerModel[] = [];
  const push = (index: number, op: string, cycles: number, ddrBytes: number, macs: number) => {
    const compute = cycles / f;
    const memory = ddrBytes / ddr;
    layers.push({ index, op, cycles, ddrBytes, seconds: Math.max(compute, memory), bound: compute >= memory ? 'compute' : 'memory', macs });
  };
  const inputBytes = input.c * input.h * input.w;
  // in_row_step: read the row of every plane | interleave 16 codes per cycle | store.
  const planes = input.c * loop(ceil(input.w, AXI));
  push(-1, 'input', rowPipeline(input.h, [planes, loop(ceil(input.w * input.c, AXI)), writeRowCycles(input)], planes, writeRowCycles(input)) - LAYER_OVERHEAD, 2 * inputBytes, 0);
  p.layers.forEach((l, i) => {
    const r = layerCycles(p, l);
    push(i, l.op, r.cycles, r.ddrBytes, r.macs);
  });
  const headBytes = p.outputs.reduce((s, o) => s + p.tensors[o.tensor].h * p.tensors[o.tensor].w * p.tensors[o.tensor].c, 0);
  // heads_row_step: read a head row | write it to the heads port.
  const headCycles = p.outputs.reduce((s, o) => {
    const t = p.tensors[o.tensor];
    return s + rowPipeline(t.h, [readRowCycles(t), writeRowCycles(t)], 0, writeRowCycles(t)) - LAYER_OVERHEAD;
  }, 0);
  push(p.layers.length, 'heads', headCycles, 2 * headBytes, 0);
  const seconds = layers.reduce((s, l) => s + l.seconds, 0);
  const macs = layers.reduce((s, l) => s + l.macs, 0);
  const convSeconds = layers.filter((l) => l.op === 'conv').reduce((s, l) => s + l.seconds, 0);
  return {
    layers,
    cycles: layers.reduce((s, l) => s + l.cycles, 0),
    seconds,
    ddrBytes: layers.reduce((s, l) => s + l.ddrBytes, 0),
    macs,
    macUtilisation: convSeconds > 0 ? macs / (convSeconds * f * ENGINE_CONFIG.macsPerCycle) : 0,
  };
}
