/**
 * `sarwatch bench accel`: the MODELLED KV260 figures for a program — tile
 * latency, a 29,400 × 24,400 scene, board power, resources — with every
 * assumption named. Nothing here was measured on a board.
 *
 * A scene is a stream of tiles; the accelerator and the A53 host (read,
 * normalise, decode, merge) work on different tiles at once, so a tile costs
 * the slower of the two. Host time on the A53 is this machine's measured host
 * time per tile times A53_SLOWDOWN, spread over HOST_THREADS cores.
 */
import { modelOverlap } from '../model/model-info.js';
import { modelInfoFromProgram, type Program } from '../model/program-reader.js';
import { planTiles } from '../tiling/plan.js';
import { ENGINE_CONFIG } from './engine-config.js';
import { kv260BoardWatts, KV260_DDR, KV260_POWER } from './kv260-platform.js';
import { modelTile, type TileModel } from './perf-model.js';
import { resourceItems, resourceTotals } from './resource-model.js';

/** Cortex-A53 at 1.33 GHz against this host's core (estimate: in-order, narrower SIMD, lower clock). */
export const A53_SLOWDOWN = 5;
/** Host pipeline threads on the board's four A53s (reader/normaliser, decoder/merger). */
export const HOST_THREADS = 2;
export const XVIEW3_SCENE: [number, number] = [29_400, 24_400];

export interface AccelReport {
  modelled: true;
  clock_mhz: number;
  tile_ms: number;
  scene_seconds: number;
  scene_size: [number, number];
  scene_tiles: number;
  board_watts: number;
  scene_energy_j: number;
  dsp_pct: number;
  bram_pct: number;
  uram_pct: number;
  lut_pct: number;
  bound: 'accelerator' | 'host';
  host_tile_ms: number;
  host_tile_ms_measured_here: number;
  mac_utilisation: number;
  gmac_per_tile: number;
  ddr_mb_per_tile: number;
  resources: { dsp: number; bram36: number; uram: number; lut: number };
  layers: { index: number; op: string; ms: number; bound: string }[];
  assumptions: string[];
}

export function accelReport(p: Program, hostTileMsHere: number, scene: [number, number] = XVIEW3_SCENE): AccelReport {
  const tile: TileModel = modelTile(p);
  const [c, h, w] = p.meta.inputShape;
  void c;
  const plan = planTiles(scene[0], scene[1], w, h, modelOverlap(modelInfoFromProgram(p, 'program')));
  const accelMs = tile.seconds * 1000;
  const hostMs = (hostTileMsHere * A53_SLOWDOWN) / HOST_THREADS;
  const periodMs = Math.max(accelMs, hostMs);
  const res = resourceTotals();
  const watts = kv260BoardWatts({
    macsPerCycle: ENGINE_CONFIG.macsPerCycle,
    clockMhz: ENGINE_CONFIG.clockMhz,
    accelBusy: accelMs / periodMs,
    hostBusyCores: (hostMs * HOST_THREADS) / periodMs,
  });
  const sceneSeconds = (plan.count * periodMs) / 1000 + accelMs / 1000;
  return {
    modelled: true,
    clock_mhz: ENGINE_CONFIG.clockMhz,
    tile_ms: Number(accelMs.toFixed(3)),
    scene_seconds: Number(sceneSeconds.toFixed(2)),
    scene_size: scene,
    scene_tiles: plan.count,
    board_watts: Number(watts.toFixed(2)),
    scene_energy_j: Number((watts * sceneSeconds).toFixed(1)),
    dsp_pct: res.dsp_pct,
    bram_pct: res.bram_pct,
    uram_pct: res.uram_pct,
    lut_pct: res.lut_pct,
    bound: accelMs >= hostMs ? 'accelerator' : 'host',
    host_tile_ms: Number(hostMs.toFixed(2)),
    host_tile_ms_measured_here: Number(hostTileMsHere.toFixed(2)),
    mac_utilisation: Number(tile.macUtilisation.toFixed(3)),
    gmac_per_tile: Number((tile.macs / 1e9).toFixed(3)),
    ddr_mb_per_tile: Number((tile.ddrBytes / 1e6).toFixed(1)),
    resources: { dsp: res.dsp, bram36: res.bram36, uram: res.uram, lut: res.lut },
    layers: tile.layers
      .map((l) => ({ index: l.index, op: l.op, ms: Number((l.seconds * 1000).toFixed(3)), bound: l.bound }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 12),
    assumptions: [
      `kernel clock ${ENGINE_CONFIG.clockMhz} MHz, MAC array ${ENGINE_CONFIG.peOc}x${ENGINE_CONFIG.peIc} (native/include/sarwatch/engine_config.h)`,
      'cycles from the kernel loops: II=1 pipelines plus 12 cycles of fill each, 400 cycles of control per layer, rows of every layer but max-pool as a read/compute/store DATAFLOW, requantisation inside the last k-step',
      `DDR: ${KV260_DDR.peakGBs} GB/s peak x ${KV260_DDR.efficiency} efficiency; a layer takes the longer of compute and DDR time`,
      `host on the board: this machine's ${hostTileMsHere.toFixed(2)} ms per tile x ${A53_SLOWDOWN} (A53 slowdown, estimate) / ${HOST_THREADS} threads, overlapped with the accelerator`,
      `board power: ${KV260_POWER.source}`,
      'resources: component estimates (src/accel/resource-model.ts); Vivado reports the real figures after `make -C hls xclbin`',
    ],
  };
}

export { resourceItems };
