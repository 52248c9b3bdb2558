/** `sarwatch bench accel|engine|budget`: benchmarks and the modelled accelerator report. */
import type { Command } from 'commander';
import { accelReport } from '../../accel/accel-report.js';
import { loadOrCompile } from '../../backends/cpu/program-cache.js';
import { hostTileMs } from '../../bench/host-tile-cost.js';
import { loadModelInfo } from '../../model/model-info.js';
import { parseProgram } from '../../model/program-reader.js';
import { size2 } from '../../util/check.js';
import { BUNDLED_MODEL } from '../defaults.js';
import { CALIB_HELP } from './compile.js';

export function register(program: Command): void {
  const bench = program.command('bench').description('benchmarks: accel (modelled KV260 figures), engine (int8 vs onnxruntime), budget (10 W)');
  bench
    .command('accel')
    .description('MODELLED KV260 accelerator figures for a model: tile and scene time, board watts, resources')
    .option('-m, --model <file>', 'YOLOv8 ONNX or compiled .swp', BUNDLED_MODEL)
    .option('--calib <source>', CALIB_HELP)
    .option('--scene <WxH>', 'scene size', '29400x24400')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const model = await loadModelInfo(o.model);
      const src = await loadOrCompile(o.model, o.calib ? { source: o.calib } : {});
      const host = await hostTileMs(src.program, model);
      const r = accelReport(parseProgram(src.program, src.path), host.total, size2('--scene', o.scene, 200_000));
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const lines = [
        'MODELLED (no board or Vitis run here; see assumptions)',
        `tile          ${r.tile_ms} ms on the accelerator at ${r.clock_mhz} MHz, ${r.gmac_per_tile} GMAC, MAC utilisation ${(100 * r.mac_utilisation).toFixed(0)} %, ${r.ddr_mb_per_tile} MB DDR`,
        `host          ${r.host_tile_ms} ms per tile on the A53s (from ${r.host_tile_ms_measured_here} ms here); ${r.bound}-bound`,
        `scene         ${r.scene_size[0]} x ${r.scene_size[1]} px, ${r.scene_tiles} tiles: ${r.scene_seconds} s`,
        `board power   ${r.board_watts} W, ${r.scene_energy_j} J per scene`,
        `resources     DSP ${r.dsp_pct} %, BRAM ${r.bram_pct} %, URAM ${r.uram_pct} %, LUT ${r.lut_pct} % of the XCK26`,
        'slowest layers:',
        ...r.layers.slice(0, 6).map((l) => `  #${l.index} ${l.op.padEnd(8)} ${l.ms} ms (${l.bound})`),
        'assumptions:',
        ...r.assumptions.map((a) => `  - ${a}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
