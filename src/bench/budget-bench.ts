/**
 * `sarwatch bench budget`: one scene on every available backend, with power
 * sampled while it runs, against the 10 W budget and the "717 MP in 60 s"
 * target. Each figure names its power source and whether it was measured
 * (INA260, RAPL) or modelled. Where no FPGA is present, the KV260 row comes
 * from the accelerator model and says so.
 */
import { existsSync } from 'node:fs';
import { accelReport } from '../accel/accel-report.js';
import { KV260_POWER } from '../accel/kv260-platform.js';
import { loadOrCompile } from '../backends/cpu/program-cache.js';
import { resolveBackend } from '../backends/registry.js';
import type { BackendName } from '../backends/backend.js';
import { SarwatchError } from '../errors.js';
import { loadModelInfo } from '../model/model-info.js';
import { parseProgram } from '../model/program-reader.js';
import { detectScene } from '../pipeline/detect-scene.js';
import { openScene } from '../scene/open-scene.js';
import { PowerSampler } from '../telemetry/power/sampler.js';
import type { ModelSpec, SourceChoice } from '../telemetry/power/probe.js';
import { hostTileMs } from './host-tile-cost.js';

export const BUDGET_W = 10;
export const REFERENCE_SCENE_MP = 717;
export const REFERENCE_SCENE_S = 60;

export interface BudgetRow {
  backend: string;
  /** measured: this run; modelled: the KV260 accelerator model (no board here). */
  kind: 'measured' | 'modelled';
  available: boolean;
  reason?: string;
  description?: string;
  seconds: number | null;
  mp_per_s: number | null;
  avg_w: number | null;
  peak_w: number | null;
  energy_j: number | null;
  mp_per_j: number | null;
  power_source: string | null;
  power_measured: boolean | null;
  within_budget: boolean | null;
  /** Seconds a 717 MP scene would take at this rate, and whether that is ≤ 60 s. */
  scene_717mp_s: number | null;
  within_60s: boolean | null;
  detections: number | null;
}

export interface BudgetReport {
  scene: string;
  megapixels: number;
  budget_w: number;
  threads: number;
  rows: BudgetRow[];
}

export interface BudgetOptions {
  scene: string;
  model: string;
  backends: BackendName[];
  threads: number;
  powerSource: SourceChoice;
  powerModel: ModelSpec;
  rateHz?: number;
  onStatus?: (line: string) => void;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
// Seconds keep milliseconds: a small scene runs in a fraction of a second, and
// two decimals would make the reported time disagree with the rate derived from it.
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function derive(mp: number, seconds: number, avg: number | null, energy: number | null): Pick<BudgetRow, 'mp_per_s' | 'mp_per_j' | 'within_budget' | 'scene_717mp_s' | 'within_60s'> {
  const mps = mp / seconds;
  const full = REFERENCE_SCENE_MP / mps;
  return {
    mp_per_s: r2(mps),
    mp_per_j: energy ? r2(mp / energy) : null,
    within_budget: avg === null ? null : avg <= BUDGET_W,
    scene_717mp_s: r2(full),
    within_60s: full <= REFERENCE_SCENE_S,
  };
}

export async function benchBudget(o: BudgetOptions): Promise<BudgetReport> {
  const say = o.onStatus ?? (() => {});
  if (!existsSync(o.scene)) throw new SarwatchError('E_SCENE_NOT_FOUND', 'scene not found', { file: o.scene });
  const scene = await openScene(o.scene);
  const mp = (scene.info.width * scene.info.height) / 1e6;
  await scene.close();
  const model = await loadModelInfo(o.model);
  const rows: BudgetRow[] = [];
  for (const name of o.backends) {
    say(`${name}: loading`);
    let resolved;
    try {
      // No fallback here: a backend that cannot run is reported as such, not replaced.
      resolved = await resolveBackend(name, o.model, model, { threads: o.threads });
    } catch (e) {
      resolved = null;
      rows.push(unavailable(name, (e as Error).message));
    }
    if (resolved && resolved.fallback) {
      rows.push(unavailable(name, resolved.fallback.reason));
      await resolved.backend.dispose();
      resolved = null;
    }
    if (resolved) {
      const power = await PowerSampler.start({ source: { choice: o.powerSource, model: o.powerModel }, rateHz: o.rateHz ?? 10 });
      try {
        say(`${name}: running ${scene.info.id} (${r2(mp)} MP), power from ${power.kind} (${power.detail})`);
        const s = await detectScene({ scene: o.scene, outDir: null, modelPath: o.model, backend: name, backendOptions: { threads: o.threads }, loadedBackend: resolved.backend, power });
        rows.push({
          backend: name,
          kind: 'measured',
          available: true,
          description: resolved.backend.description,
          seconds: r3(s.seconds),
          avg_w: s.avg_w === null ? null : r2(s.avg_w),
          peak_w: s.peak_w === null ? null : r2(s.peak_w),
          energy_j: s.energy_j === null ? null : r2(s.energy_j),
          power_source: s.power_source,
          power_measured: s.power_measured,
          detections: s.detections,
          ...derive(mp, s.seconds, s.avg_w, s.energy_j),
        });
      } finally {
        await power.stop();
        await resolved.backend.dispose();
      }
    }
    if (name === 'fpga' && !rows.at(-1)!.available) {
      say('fpga: no device here; adding the MODELLED KV260 figures');
      rows.push(await kv260Modelled(o.model, mp));
    }
  }
  return { scene: o.scene, megapixels: r2(mp), budget_w: BUDGET_W, threads: o.threads, rows };
}

function unavailable(backend: string, reason: string): BudgetRow {
  return {
    backend, kind: 'measured', available: false, reason, seconds: null, mp_per_s: null, avg_w: null, peak_w: null, energy_j: null, mp_per_j: null,
    power_source: null, power_measured: null, within_budget: null, scene_717mp_s: null, within_60s: null, detections: null,
  };
}

/** The KV260 accelerator model (src/accel) for this scene's size, as a budget row. */
async function kv260Modelled(modelPath: string, mp: number): Promise<BudgetRow> {
  const src = await loadOrCompile(modelPath, {});
  const model = await loadModelInfo(modelPath);
  const host = await hostTileMs(src.program, model);
  const side = Math.round(Math.sqrt(mp * 1e6));
  const r = accelReport(parseProgram(src.program, src.path), host.total, [side, side]);
  const seconds = r.scene_seconds;
  return {
    backend: 'fpga (KV260, modelled)',
    kind: 'modelled',
    available: true,
    description: `MODELLED: ${r.clock_mhz} MHz engine, ${r.tile_ms} ms/tile accelerator, ${r.host_tile_ms} ms/tile A53 host, ${r.bound}-bound`,
    seconds,
    avg_w: r.board_watts,
    peak_w: r.board_watts,
    energy_j: r2(r.board_watts * seconds),
    power_source: `model: kv260 board (${KV260_POWER.source})`,
    power_measured: false,
    detections: null,
    ...derive(mp, seconds, r.board_watts, r.board_watts * seconds),
  };
}
