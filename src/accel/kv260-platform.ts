/**
 * The Kria KV260 (XCK26-SFVC784-2LV-C) as the performance and power models see it.
 * Every coefficient names its source; figures marked "estimate" are ours.
 */
export const XCK26 = {
  part: 'xck26-sfvc784-2LV-c',
  dsp: 1248,
  bram36: 144,
  uram: 64,
  lut: 117_120,
  ff: 234_240,
} as const;

export const KV260_DDR = {
  /** 64-bit DDR4-2400 on the K26 SOM: 19.2 GB/s peak (K26 SOM data sheet, DS987). */
  peakGBs: 19.2,
  /** Share of peak an HLS m_axi burst engine sustains; estimate (typical 60–75 % for long bursts on ZynqMP HP ports). */
  efficiency: 0.65,
} as const;

/**
 * Board power at the KV260's 12 V input.
 * - idle with a PL bitstream loaded: 9.15 W, and +0.98 W with the DPUCZDX8G
 *   B4096 (2048 int8 MAC/cycle at 300 MHz) fully busy — measured at the 12 V
 *   rail by Simfero for the dAIEDGE project (2026, "What one inference costs in watts").
 * - PL dynamic power is taken to scale with MACs per cycle × clock × busy
 *   fraction from that B4096 figure (estimate: same DSP-dominated fabric).
 * - Cortex-A53 host work: 0.25 W per fully busy core (estimate, within Xilinx
 *   Power Design Manager's range for the A53 cluster at 1.33 GHz).
 */
export const KV260_POWER = {
  idleW: 9.15,
  b4096LoadW: 0.98,
  b4096MacsPerCycle: 2048,
  b4096ClockMhz: 300,
  a53CoreW: 0.25,
  source: 'Simfero/dAIEDGE 2026 12 V-rail measurement (idle 9.15 W, DPU B4096 +0.98 W); A53 0.25 W/core estimate',
} as const;

export interface Kv260Load {
  macsPerCycle: number;
  clockMhz: number;
  /** Fraction of time the PL engine computes. */
  accelBusy: number;
  /** Busy A53 cores (0–4). */
  hostBusyCores: number;
}

export function kv260BoardWatts(l: Kv260Load): number {
  const p = KV260_POWER;
  const pl = p.b4096LoadW * (l.macsPerCycle / p.b4096MacsPerCycle) * (l.clockMhz / p.b4096ClockMhz) * Math.min(1, Math.max(0, l.accelBusy));
  return p.idleW + pl + p.a53CoreW * Math.min(4, Math.max(0, l.hostBusyCores));
}
