/** `sarwatch bench accel|engine|budget`: benchmarks and the modelled accelerator report. */
import os from 'node:os';
import type { Command } from 'commander';
import { accelReport } from '../../accel/accel-report.js';
import { loadOrCompile } from '../../backends/cpu/program-cache.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchBudget, type BudgetReport } from '../../bench/budget-bench.js';
import { writeBudgetChart } from '../../bench/budget-chart.js';
import { benchEngine, type EngineBenchResult } from '../../bench/engine-bench.js';
import { syntheticScene } from '../../bench/scene-cache.js';
import { DEFAULT_HOST_MODEL, parseHostModel } from '../../telemetry/power/model.js';
import type { SourceChoice } from '../../telemetry/power/probe.js';
import { ENGINE_CONFIG } from '../../accel/engine-config.js';
import { onKria } from '../runtime-options.js';
import { hostTileMs } from '../../bench/host-tile-cost.js';
import { loadModelInfo } from '../../model/model-info.js';
import { parseProgram } from '../../model/program-reader.js';
import { integer, oneOf, size2 } from '../../util/check.js';
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
  registerBudget(bench);
  bench
    .command('engine')
    .description('onnxruntime fp32, onnxruntime int8 (QDQ) and the sarwatch int8 engine on the same tiles and threads')
    .option('-m, --model <file>', 'YOLOv8 ONNX (or a .swp with its .onnx beside it)', BUNDLED_MODEL)
    .option('-t, --threads <n>', 'threads for every engine', String(os.availableParallelism()))
    .option('--tiles <n>', 'distinct tiles to cycle through', '4')
    .option('--rounds <n>', 'interleaved timing rounds', '3')
    .option('--simd <paths>', 'native SIMD paths to time, comma-separated (default: all but scalar)')
    .option('--calib <source>', CALIB_HELP)
    .option('--layers', 'also profile the native engine layer by layer')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const r = await benchEngine({
        layers: Boolean(o.layers),
        model: o.model,
        threads: integer('--threads', o.threads, 1, 256),
        tiles: integer('--tiles', o.tiles, 1, 64),
        rounds: integer('--rounds', o.rounds, 1, 50),
        simd: o.simd ? String(o.simd).split(',').map((s) => oneOf('--simd', s.trim(), ['scalar', 'avx2', 'avx512vnni', 'neon'] as const)) : undefined,
        calib: o.calib ? { source: o.calib } : {},
        onStatus: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatEngineBench(r));
    });
}

export function registerBudget(bench: Command): void {
  bench
    .command('budget')
    .description('a scene on each backend with power sampled: seconds, MP/s, average and peak W, J, MP/J, against 10 W and 717 MP in 60 s')
    .option('--scene <dir>', 'scene to run (GeoTIFF, xView3 folder or image)')
    .option('--synthetic <WxH>', 'synthesise a Sentinel-1 scene of this size (cached in the temp folder)', '3008x3008')
    .option('--backends <list>', 'comma-separated backends', 'fpga,cpu,ort')
    .option('-m, --model <file>', 'YOLOv8 ONNX', BUNDLED_MODEL)
    .option('-t, --threads <n>', 'threads per backend', String(os.availableParallelism()))
    .option('--power-source <s>', 'auto (INA260, then RAPL, then model), ina260, rapl or model', 'auto')
    .option('--power-model <spec>', `host CPU model coefficients, idle=W,core=W (default idle=${DEFAULT_HOST_MODEL.idleW},core=${DEFAULT_HOST_MODEL.coreW})`)
    .option('-o, --out <dir>', 'where budget.json and budget.png go', 'budget-report')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const backends = String(o.backends)
        .split(',')
        .map((b) => oneOf('--backends', b.trim(), ['fpga', 'cpu', 'ort'] as const));
      let scene = o.scene as string | undefined;
      if (!scene) {
        const [w, h] = size2('--synthetic', o.synthetic, 30_000);
        process.stderr.write(`synthesising a ${w} x ${h} Sentinel-1 scene (once; cached)\n`);
        scene = syntheticScene(w, h, 21);
      }
      const r = await benchBudget({
        scene,
        model: o.model,
        backends,
        threads: integer('--threads', o.threads, 1, 256),
        powerSource: oneOf('--power-source', o.powerSource, ['auto', 'ina260', 'rapl', 'model'] as const) as SourceChoice,
        powerModel: onKria()
          ? { kind: 'kv260', macsPerCycle: ENGINE_CONFIG.macsPerCycle, clockMhz: ENGINE_CONFIG.clockMhz }
          : { kind: 'host', params: o.powerModel ? parseHostModel(o.powerModel) : DEFAULT_HOST_MODEL },
        onStatus: (l) => process.stderr.write(`${l}\n`),
      });
      mkdirSync(o.out, { recursive: true });
      writeFileSync(path.join(o.out, 'budget.json'), JSON.stringify(r, null, 2) + '\n');
      writeBudgetChart(r, path.join(o.out, 'budget.png'));
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatBudget(r) + `wrote ${path.join(o.out, 'budget.json')} and budget.png\n`);
    });
}

export function formatBudget(r: BudgetReport): string {
  const f = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));
  const yn = (v: boolean | null) => (v === null ? '-' : v ? 'yes' : 'NO');
  const lines = [
    `scene ${r.scene}: ${r.megapixels} MP, ${r.threads} thread(s), budget ${r.budget_w} W`,
    'backend                     s/scene    MP/s  avg W  peak W   J/scene   MP/J  <=10W  717MP<=60s  power',
  ];
  for (const x of r.rows) {
    if (!x.available) {
      lines.push(`${x.backend.padEnd(26)}  unavailable: ${x.reason}`);
      continue;
    }
    lines.push(
      `${x.backend.padEnd(26)} ${f(x.seconds, 2).padStart(8)} ${f(x.mp_per_s).padStart(7)} ${f(x.avg_w).padStart(6)} ${f(x.peak_w).padStart(7)} ${f(x.energy_j).padStart(9)} ${f(x.mp_per_j, 2).padStart(6)} ${yn(x.within_budget).padStart(6)} ${`${yn(x.within_60s)} (${f(x.scene_717mp_s, 0)} s)`.padStart(11)}  ${x.kind === 'modelled' ? 'MODELLED' : x.power_measured ? 'measured' : 'modelled'}: ${x.power_source}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function formatEngineBench(r: EngineBenchResult): string {
  const lines = [
    `model ${r.model}: ${r.gmac_per_tile} GMAC per ${r.tile_shape.join('x')} tile; ${r.threads} thread(s); ${r.tiles} tiles; ${r.cpu}`,
    `int8 peak of this CPU (measured, ${r.int8_peak_simd}): ${r.int8_peak_gmac_per_s} GMAC/s; onnxruntime ${r.onnxruntime}`,
    'engine              ms/tile  network ms   GMAC/s  % int8 peak  spread',
    ...r.engines.map(
      (e) =>
        `${e.engine.padEnd(18)} ${e.ms_per_tile.toFixed(1).padStart(8)} ${e.infer_ms.toFixed(1).padStart(11)} ${e.gmac_per_s.toFixed(1).padStart(8)} ${e.pct_of_int8_peak.toFixed(1).padStart(12)} ${(100 * e.spread).toFixed(0).padStart(6)} %`,
    ),
    `sarwatch (${r.native_simd}) vs ort fp32: ${r.speedup_vs_ort_fp32}x (target >= 1.5x)`,
    r.speedup_vs_ort_int8 === null ? `vs ort int8: n/a (${r.ort_int8_unavailable})` : `sarwatch (${r.native_simd}) vs ort int8: ${r.speedup_vs_ort_int8}x (target >= 1.0x)`,
    `targets ${r.targets.met ? 'met' : 'NOT met'}`,
    ...(r.layer_profile
      ? [
          `slowest layers of sarwatch-${r.native_simd}:`,
          ...r.layer_profile
            .slice(0, 15)
            .map((l) => `  #${String(l.index).padEnd(3)} ${l.op.padEnd(9)} ${l.shape.padEnd(28)} ${l.ms.toFixed(2).padStart(7)} ms ${l.pct_of_tile.toFixed(1).padStart(5)} %${l.gmac_per_s ? `  ${l.gmac_per_s} GMAC/s` : ''}`),
        ]
      : []),
  ];
  return lines.join('\n') + '\n';
}
