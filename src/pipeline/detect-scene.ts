/**
 * The orchestrator: scene → tiles → backend → merge → sinks, streaming.
 *
 * Everything that can refuse the input (model, scene header, tile plan) runs
 * before any output file exists. Tiles are produced into a bounded queue while
 * the backend works on earlier ones (the backend runs off the main thread), so
 * the accelerator does not wait on I/O and memory stays bounded.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Backend, BackendName, BackendOptions } from '../backends/backend.js';
import { resolveBackend, type Fallback } from '../backends/registry.js';
import { isSarwatchError, SarwatchError } from '../errors.js';
import { DEFAULT_DECODE, type DecodeOptions } from '../model/decode.js';
import { fishingGate, fishingSplit, loadModelInfo, modelOverlap, operatingConf, vesselFirstFor, type ClassRule, type ModelInfo } from '../model/model-info.js';
import { openScene } from '../scene/open-scene.js';
import type { Scene } from '../scene/types.js';
import { planTiles, type TilePlan } from '../tiling/plan.js';
import { TileStream, type Tile } from '../tiling/tile-stream.js';
import type { BudgetGuard } from '../telemetry/budget-guard.js';
import type { PowerSampler } from '../telemetry/power/sampler.js';
import { BoundedQueue } from '../util/bounded-queue.js';
import { enrich, type SceneDetection } from './detection.js';
import { LandMask } from './land-mask.js';
import { TileMerger } from './merge.js';
import type { PipelineObserver } from './observer.js';
import { CsvSink } from './sinks/csv-sink.js';
import { GeoJsonSink } from './sinks/geojson-sink.js';
import { QuicklookSink } from './sinks/quicklook-sink.js';
import { peakRssMb, type SceneSummary } from './summary.js';

export interface DetectOptions {
  scene: string;
  /** Output folder; null runs without writing files (benchmarks). */
  outDir: string | null;
  modelPath: string;
  backend: BackendName | 'auto';
  backendOptions: BackendOptions;
  decode?: Partial<DecodeOptions>;
  /** Fishing share in place of the model's metadata (model-info.fishingSplit). */
  fishingShare?: number;
  /** How a detection's class is decided (model-info.ClassRule); default: the model's, else `best`. */
  classRule?: ClassRule;
  /** Fishing length gate in metres in place of the model's metadata (model-info.fishingGate); 0: none. */
  fishingMaxLengthM?: number;
  /** Tile size; defaults to (and may not exceed) the model's input size. */
  tile?: number;
  overlap?: number;
  /** Tiles handed to the backend at once. */
  batch?: number;
  /** Ground pixel size for scenes without georeference (plain pictures). */
  pixelSpacingM?: number | null;
  dnCalibrationDb?: number;
  quicklook?: boolean;
  observer?: PipelineObserver;
  /** A backend already loaded (benchmarks reuse one across scenes). */
  loadedBackend?: Backend;
  /** Power sampling: energy and average/peak watts go into the summary. */
  power?: PowerSampler;
  /** Enforces a power budget by idle insertion and fewer threads (needs `power`). */
  budget?: BudgetGuard;
  /** Drop detections on land where the scene has a bathymetry band (default true). */
  landMask?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tilePlanFor(model: ModelInfo, width: number, height: number, tile?: number, overlap?: number): TilePlan {
  const tw = tile ?? model.width;
  const th = tile ?? model.height;
  if (tw > model.width || th > model.height) {
    throw new SarwatchError('E_ARG_RANGE', `Expected a tile of at most the model's input (${model.width} × ${model.height}) but received ${tw}`, {
      param: 'tile',
    });
  }
  const ov = overlap ?? modelOverlap(model);
  return planTiles(width, height, tw, th, ov);
}

/** Pads a tile smaller than the model input (a --tile below the model size) into the model's frame. */
function toModelFrame(t: Tile, plan: TilePlan, model: ModelInfo): Uint8Array {
  if (plan.tileWidth === model.width && plan.tileHeight === model.height) return t.data;
  const C = model.channels;
  const out = new Uint8Array(C * model.width * model.height);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < plan.tileHeight; y++) {
      const s = (c * plan.tileHeight + y) * plan.tileWidth;
      out.set(t.data.subarray(s, s + plan.tileWidth), (c * model.height + y) * model.width);
    }
  }
  return out;
}

interface Sinks {
  csv: CsvSink;
  geojson: GeoJsonSink;
  quicklook: QuicklookSink | null;
}

export async function detectScene(opts: DetectOptions): Promise<SceneSummary> {
  const t0 = performance.now();
  const obs = opts.observer ?? {};

  // 1. Everything that can refuse the input, before any output exists.
  const model = opts.loadedBackend?.model ?? (await loadModelInfo(opts.modelPath));
  const decode: DecodeOptions = {
    ...DEFAULT_DECODE,
    conf: operatingConf(model),
    fishing: fishingSplit(model, opts.fishingShare),
    vesselFirst: vesselFirstFor(model, opts.classRule),
    ...opts.decode,
  };
  const gate = fishingGate(model, opts.fishingMaxLengthM);
  const scene: Scene = await openScene(opts.scene, { imageMode: model.input.kind === 'image8' && model.channels === 3 ? 'rgb' : 'gray' });
  let backend: Backend | null = null;
  let sinks: Sinks | null = null;
  let createdDir: string | null = null;
  let unlisten: (() => void) | undefined;
  try {
    const plan = tilePlanFor(model, scene.info.width, scene.info.height, opts.tile, opts.overlap);
    const stream = new TileStream(scene, plan, model.input, {
      dnCalibrationDb: opts.dnCalibrationDb,
      onRows: (y0, y1, plane, mask) => sinks?.quicklook?.addRows(y0, y1, plane, mask),
    });
    if (stream.channels !== model.channels) {
      throw new SarwatchError('E_MODEL_INVALID', `model input spec has ${stream.channels} channels but the graph takes ${model.channels}`, {
        file: opts.modelPath,
      });
    }
    let fallback: Fallback | null = null;
    if (opts.loadedBackend) {
      backend = opts.loadedBackend;
    } else {
      const r = await resolveBackend(opts.backend, opts.modelPath, model, { ...opts.backendOptions, onHealth: (e) => obs.health?.(e) });
      backend = r.backend;
      fallback = r.fallback;
    }
    if (fallback) {
      process.stderr.write(`sarwatch: backend ${fallback.requested} unavailable (${fallback.reason}); running on ${backend.name}\n`);
      obs.health?.({ kind: 'fallback', requested: fallback.requested, actual: backend.name, reason: fallback.reason });
    }

    // 2. Outputs.
    const sceneId = scene.info.id;
    if (opts.outDir) {
      if (!existsSync(opts.outDir)) {
        mkdirSync(opts.outDir, { recursive: true });
        createdDir = opts.outDir;
      }
      sinks = {
        csv: new CsvSink(path.join(opts.outDir, 'detections.csv'), sceneId),
        geojson: new GeoJsonSink(path.join(opts.outDir, 'detections.geojson'), sceneId),
        quicklook: opts.quicklook === false ? null : new QuicklookSink(scene.info.width, scene.info.height),
      };
    }
    obs.sceneStart?.({
      sceneId,
      width: scene.info.width,
      height: scene.info.height,
      tilesPlanned: plan.count,
      backend: backend.name,
      model: model.name,
    });

    // 3. Stream.
    const energy0 = opts.power?.energyAt() ?? 0;
    const peak0 = opts.power ? opts.power.latest().watts : 0;
    let peakW = peak0;
    unlisten = opts.power?.onSample((s) => (peakW = Math.max(peakW, s.watts)));
    const merger = new TileMerger(plan);
    const landMask = opts.landMask === false ? null : LandMask.forScene(scene);
    const all: SceneDetection[] = [];
    const stage = { read: 0, normalise: 0, infer: 0, decode: 0, merge: 0 };
    const release = async (released: ReturnType<TileMerger['releaseAll']>) => {
      const boxes = landMask ? await landMask.filter(released) : released;
      if (!boxes.length) return;
      const dets = boxes.map((b) => enrich(b, model, scene.info.georef, opts.pixelSpacingM ?? null, gate));
      dets.sort((a, b) => a.tile - b.tile || b.score - a.score);
      all.push(...dets);
      sinks?.csv.write(dets);
      sinks?.geojson.write(dets);
      let i = 0;
      while (i < dets.length) {
        let j = i;
        while (j < dets.length && dets[j].tile === dets[i].tile) j++;
        obs.detections?.(dets[i].tile, dets.slice(i, j));
        i = j;
      }
    };

    const batchSize = Math.max(1, opts.batch ?? 1);
    const queue = new BoundedQueue<Tile>(batchSize * 2);
    const producer = (async () => {
      try {
        for await (const tile of stream.tiles()) await queue.push(tile);
        queue.close();
      } catch (e) {
        queue.close(e);
      }
    })();

    let processed = 0;
    for (;;) {
      const first = await queue.pull();
      if (!first) break;
      const batch = [first, ...queue.drain(batchSize - 1)];
      const outs = await backend.infer(
        batch.map((t) => ({ data: toModelFrame(t, plan, model) })),
        decode,
      );
      for (let k = 0; k < batch.length; k++) {
        const t = batch[k];
        const o = outs[k];
        const tm = performance.now();
        await release(merger.releaseBefore(t.row));
        merger.add(t, o.detections);
        const mergeMs = performance.now() - tm;
        stage.read += t.readMs;
        stage.normalise += t.normaliseMs;
        stage.infer += o.inferMs;
        stage.decode += o.decodeMs;
        stage.merge += mergeMs;
        processed++;
        obs.tile?.({
          tileId: t.id,
          row: t.row,
          col: t.col,
          readMs: t.readMs,
          normaliseMs: t.normaliseMs,
          inferMs: o.inferMs,
          decodeMs: o.decodeMs,
          mergeMs,
          detections: o.detections.length,
          queueDepth: queue.size,
        });
        obs.progress?.(processed + stream.stats.skipped, plan.count);
        stream.release(t);
      }
      if (opts.budget && opts.power) {
        const action = opts.budget.update(performance.now(), opts.power.windowAvg(opts.budget.cfg.windowS));
        if (action) {
          obs.health?.({ kind: 'budget', ...action });
          if (action.action === 'threads') backend.setThreads?.(action.threads);
        }
        const idle = opts.budget.idleAfter(outs.reduce((a, o) => a + o.inferMs + o.decodeMs, 0));
        if (idle > 0) await sleep(idle);
      }
    }
    await producer;
    await release(merger.releaseAll());
    obs.progress?.(plan.count, plan.count);

    // 4. Close outputs.
    const seconds = (performance.now() - t0) / 1000;
    const mp = (scene.info.width * scene.info.height) / 1e6;
    const energy = opts.power ? Math.max(0, opts.power.energyAt() - energy0) : null;
    const summary: SceneSummary = {
      scene_id: sceneId,
      scene: opts.scene,
      model: model.path,
      backend: backend.name,
      backend_description: backend.description,
      fallback: fallback ? { requested: fallback.requested, reason: fallback.reason } : null,
      tiles: stream.stats.tiles,
      tiles_skipped: stream.stats.skipped,
      megapixels: Number(mp.toFixed(3)),
      seconds: Number(seconds.toFixed(3)),
      mp_per_s: Number((mp / seconds).toFixed(3)),
      detections: all.length,
      land_masked: landMask ? landMask.dropped : null,
      peak_rss_mb: peakRssMb(),
      energy_j: energy === null ? null : Number(energy.toFixed(3)),
      avg_w: energy === null ? null : Number((energy / seconds).toFixed(3)),
      peak_w: opts.power ? Number(Math.max(peakW, opts.power.latest().watts).toFixed(3)) : null,
      power_source: opts.power ? `${opts.power.kind}: ${opts.power.detail}` : null,
      power_measured: opts.power ? opts.power.measured : null,
      tile_size: [plan.tileWidth, plan.tileHeight],
      overlap: plan.overlap,
      conf: decode.conf,
      fishing_share: decode.fishing?.share ?? null,
      class_rule: decode.vesselFirst ? 'vessel-first' : 'best',
      fishing_max_length_m: gate?.maxLengthM ?? null,
      stage_ms: {
        read: Math.round(stage.read),
        normalise: Math.round(stage.normalise),
        infer: Math.round(stage.infer),
        decode: Math.round(stage.decode),
        merge: Math.round(stage.merge),
      },
    };
    if (sinks && opts.outDir) {
      sinks.csv.commit();
      sinks.geojson.commit();
      sinks.quicklook?.write(path.join(opts.outDir, 'quicklook.png'), all);
      const summaryPath = path.join(opts.outDir, 'summary.json');
      writeFileSync(summaryPath + '.partial', JSON.stringify(summary, null, 2) + '\n');
      renameSync(summaryPath + '.partial', summaryPath);
    }
    obs.sceneEnd?.(summary);
    return summary;
  } catch (e) {
    obs.health?.({ kind: 'error', message: (e as Error).message, code: isSarwatchError(e) ? e.code : undefined });
    if (sinks) {
      if (isSarwatchError(e)) {
        // The input was refused mid-scene: leave no partial or corrupted output behind.
        sinks.csv.discard();
        sinks.geojson.discard();
        if (createdDir && readdirSync(createdDir).length === 0) rmdirSync(createdDir);
      } else {
        // Anything else: keep the .partial files; the detections found so far are not lost.
        sinks.csv.abandon();
        sinks.geojson.abandon();
      }
    }
    throw e;
  } finally {
    unlisten?.();
    if (backend && !opts.loadedBackend) await backend.dispose();
    await scene.close();
  }
}
