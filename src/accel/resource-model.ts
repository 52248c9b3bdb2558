/**
 * MODELLED resource use of the sarwatch HLS kernel on the XCK26, from its
 * buffers and arithmetic units (hls/src/sarwatch_engine.cpp, sizes from
 * native/include/sarwatch/engine_config.h). These are estimates by component,
 * each with its assumption; Vivado's utilisation report after `make -C hls
 * xclbin` is the real figure.
 */
import { ENGINE_CONFIG } from './engine-config.js';
import { XCK26 } from './kv260-platform.js';

export interface ResourceItem {
  what: string;
  dsp: number;
  bram36: number;
  uram: number;
  lut: number;
}

const BRAM36_BITS = 36 * 1024;
const URAM_BITS = 72 * 4096;

/** BRAM36 for `banks` memories of `bytesEach` bytes (a bank is at least one BRAM18 = half a BRAM36). */
function bram(banks: number, bytesEach: number): number {
  return banks * Math.max(0.5, Math.ceil((bytesEach * 8) / (BRAM36_BITS / 2)) / 2);
}

export function resourceItems(): ResourceItem[] {
  const C = ENGINE_CONFIG;
  const macDsp = (C.peOc * C.peIc) / C.macsPerDsp;
  const rowCap = 16384 + 64;
  const lineBanks = 16;
  return [
    // Two int8 products per DSP48E2 (27x18 multiply), WP486-style.
    { what: `MAC array ${C.peOc}x${C.peIc}, ${C.macsPerDsp} MACs per DSP48E2`, dsp: macDsp, bram36: 0, uram: 0, lut: 0 },
    // Adder trees: per output lane, 32 products of ≤ 18 bits into one sum (31 adders of ~18 LUTs).
    { what: 'adder trees (32 lanes x 31 adders x 18 bits)', dsp: 0, bram36: 0, uram: 0, lut: C.peOc * 31 * 18 },
    // Unpacking two products from each DSP: sign extension and the +1 correction (~20 LUTs).
    { what: 'DSP packing correction', dsp: 0, bram36: 0, uram: 0, lut: macDsp * 20 },
    // Requantisation: 32 lanes of a 32x31-bit product (4 DSP48E2 each) and 64-bit round/shift/clamp (~150 LUTs).
    { what: 'conv requantisation (32 lanes)', dsp: C.peOc * 4, bram36: 0, uram: 0, lut: C.peOc * 150 },
    // Elementwise units, 16 lanes: add (two 9x32-bit products, 2 DSPs each), concat requant (2 DSPs), table lookup.
    { what: 'elementwise add/concat/pool/table (16 lanes)', dsp: 16 * 2 * 2 + 16 * 2, bram36: 0, uram: 0, lut: 16 * 250 },
    // Line buffer: kLineRows slots of kMaxRowBytes, each its own memory (the DATAFLOW stages read
    // and write different slots at once), cyclic over 16 banks for 32 bytes per cycle (two ports each).
    { what: `line buffer ${5} slots x ${rowCap} B, ${lineBanks} banks each`, dsp: 0, bram36: 5 * bram(lineBanks, rowCap / lineBanks), uram: 0, lut: 32 * 8 * 5 },
    // Partial sums: one 32-bit bank per output lane, kMaxOutWidth deep.
    { what: `partial sums ${C.peOc} x 1024 x 32 bit`, dsp: 0, bram36: bram(C.peOc, 1024 * 4), uram: 0, lut: 0 },
    // A view's raw row before its gather: cyclic over 8 banks for 16 bytes per cycle.
    { what: 'raw row buffer over 8 banks', dsp: 0, bram36: bram(8, rowCap / 8), uram: 0, lut: 0 },
    // Output rows, ping-pong: the last k-step writes 32 lanes per cycle, so 16 banks each.
    { what: '2 output rows over 16 banks', dsp: 0, bram36: 2 * bram(16, rowCap / 16), uram: 0, lut: 0 },
    { what: `weight staging (9 x ${C.maxChannels} B)`, dsp: 0, bram36: bram(1, 9 * C.maxChannels), uram: 0, lut: 0 },
    // Tap packing: a 3x3 window of 16-byte pixels in registers; each of the 32 input lanes
    // selects one of its 144 bytes (a 144:1 mux per bit, ~48 LUT6).
    { what: 'packed-tap window 3x3x16 B and 32-lane select', dsp: 0, bram36: 0, uram: 0, lut: C.peIc * 8 * 48 },
    // Double-buffered weight blocks: two banks of 32x32 bytes in registers, lane write enables and bank select.
    { what: 'weight block double buffer (2 x 32 x 32 B)', dsp: 0, bram36: 0, uram: 0, lut: 2 * C.peOc * C.peIc },
    // Weight buffer: 8192 vectors of 256 bits in URAM (72 bits x 4096 deep each).
    { what: 'weight buffer 256 KB', dsp: 0, bram36: 0, uram: Math.ceil(256 / 72) * Math.ceil((8192 * 256) / (Math.ceil(256 / 72) * URAM_BITS)), lut: 0 },
    // AXI masters: 5 ports with burst buffers (~2 BRAM36 and ~2,500 LUTs each, Vitis defaults).
    { what: '5 m_axi masters + s_axilite', dsp: 0, bram36: 10, uram: 0, lut: 5 * 2500 + 1500 },
    // Program decode, address generation, loop control, counters (estimate).
    { what: 'control and address generation', dsp: 16, bram36: 0, uram: 0, lut: 12000 },
  ];
}

export interface ResourceTotals {
  dsp: number;
  bram36: number;
  uram: number;
  lut: number;
  dsp_pct: number;
  bram_pct: number;
  uram_pct: number;
  lut_pct: number;
}

export function resourceTotals(items = resourceItems()): ResourceTotals {
  const sum = (k: 'dsp' | 'bram36' | 'uram' | 'lut') => items.reduce((s, i) => s + i[k], 0);
  const t = { dsp: sum('dsp'), bram36: sum('bram36'), uram: sum('uram'), lut: sum('lut') };
  const pct = (v: number, of: number) => Number(((100 * v) / of).toFixed(1));
  return { ...t, dsp_pct: pct(t.dsp, XCK26.dsp), bram_pct: pct(t.bram36, XCK26.bram36), uram_pct: pct(t.uram, XCK26.uram), lut_pct: pct(t.lut, XCK26.lut) };
}
