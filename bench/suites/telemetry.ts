/**
 * Telemetry costs. (1) JSON against msgpack for the two frequent payloads
 * (`tile`, and `det` with 20 detections): encode speed and bytes, each the
 * other's peer. (2) Scene throughput with a stalled subscriber against the
 * same scene with no telemetry at all, interleaved: publishing must never
 * slow inference (issue 6), so the ratio should be 1 within noise.
 */
import os from 'node:os';
import * as zmq from 'zeromq';
import { Bench } from 'tinybench';
import { BUNDLED_MODEL } from '../../src/cli/defaults.js';
import { resolveBackend } from '../../src/backends/registry.js';
import { loadModelInfo } from '../../src/model/model-info.js';
import { detectScene } from '../../src/pipeline/detect-scene.js';
import { timeInRounds } from '../../src/bench/rounds.js';
import { encode } from '../../src/telemetry/codec.js';
import { SCHEMA_VERSION } from '../../src/telemetry/schema.js';
import { TelemetryPublisher } from '../../src/telemetry/publisher.js';
import { r2, type SuiteResult } from '../report.js';
import { syntheticScene } from '../../src/bench/scene-cache.js';

function sampleMessages() {
  const base = { v: SCHEMA_VERSION, scene_id: 'S1A_IW_GRDH_synthetic', seq: 1234, t_mono_ms: 81234.567, t_wall: new Date().toISOString() };
  const tile = { ...base, tile_id: 812, row: 20, col: 12, latency_ms: { read: 3.1, normalise: 1.2, infer: 52.4, decode_nms: 0.4, merge: 0.05 }, detections: 3, queue_depth: 2, energy_j: 1.93 };
  const det = {
    ...base,
    tile_id: 812,
    detections: Array.from({ length: 20 }, (_, i) => ({
      row: 14_000 + i * 7, col: 9_000 + i * 3, lat: 33.712345 + i * 1e-4, lon: -118.254321 - i * 1e-4, class_name: i % 3 ? 'vessel' : 'fishing',
      confidence: 0.5 + i / 50, length_m: 40 + i, is_vessel: true, is_fishing: i % 3 === 0, bbox: [9_000 + i, 14_000 + i, 9_010 + i, 14_012 + i] as [number, number, number, number],
    })),
  };
  return { tile, det };
}

async function encodings(): Promise<{ figures: SuiteResult['figures']; lines: string[] }> {
  const msgs = sampleMessages();
  const figures: SuiteResult['figures'] = {};
  const lines: string[] = [];
  for (const [name, msg] of Object.entries(msgs)) {
    const bench = new Bench({ time: 300 });
    bench.add('json', () => encode(msg, 'json')).add('msgpack', () => encode(msg, 'msgpack'));
    await bench.run();
    const [j, m] = bench.tasks.map((t) => (t.result.state === 'completed' ? t.result.latency.mean * 1000 : NaN));
    const jb = encode(msg, 'json').length;
    const mb = encode(msg, 'msgpack').length;
    Object.assign(figures, { [`${name}_json_us`]: r2(j), [`${name}_msgpack_us`]: r2(m), [`${name}_json_bytes`]: jb, [`${name}_msgpack_bytes`]: mb });
    lines.push(`${name.padEnd(4)} json ${r2(j)} us / ${jb} B, msgpack ${r2(m)} us / ${mb} B: msgpack is ${r2(j / m)}x the speed and ${r2((100 * mb) / jb)} % of the bytes`);
  }
  return { figures, lines };
}

async function stalledSubscriber(quick: boolean): Promise<{ figures: SuiteResult['figures']; lines: string[] }> {
  const side = quick ? 2272 : 3008; // 3 x 3 or 4 x 4 tiles
  const dir = syntheticScene(side, side, 17);
  const threads = os.availableParallelism();
  const model = await loadModelInfo(BUNDLED_MODEL);
  const { backend } = await resolveBackend('cpu', BUNDLED_MODEL, model, { threads });
  const endpoint = 'tcp://127.0.0.1:45791';
  const pub = await TelemetryPublisher.open({ endpoint, hwm: 4, statusEveryS: 3600 });
  const stalled = new zmq.Subscriber({ receiveHighWaterMark: 4 });
  stalled.connect(endpoint);
  stalled.subscribe();
  await new Promise((r) => setTimeout(r, 300)); // connected; it never reads
  const observer = pub.observer();
  // A burst of padding messages before each scene fills the queues, so the scene's own messages meet a full pipe.
  const fill = () => {
    for (let i = 0; i < 200; i++) pub.publish('health', { event: 'status', message: 'x'.repeat(4000), backend: 'cpu', dropped_total: pub.dropped, queue_depth: null, details: {} });
  };
  try {
    const t = await timeInRounds(
      [
        { name: 'no-telemetry', fn: () => detectScene({ scene: dir, outDir: null, modelPath: BUNDLED_MODEL, backend: 'cpu', backendOptions: { threads }, loadedBackend: backend }) },
        {
          name: 'stalled-subscriber',
          fn: async () => {
            fill();
            await detectScene({ scene: dir, outDir: null, modelPath: BUNDLED_MODEL, backend: 'cpu', backendOptions: { threads }, loadedBackend: backend, observer });
          },
        },
      ],
      { rounds: quick ? 2 : 3, timeMs: 1000, iterations: 2 },
    );
    const a = t.get('no-telemetry')!.ms;
    const b = t.get('stalled-subscriber')!.ms;
    const mp = (side * side) / 1e6;
    return {
      figures: { scene_mp: r2(mp), no_telemetry_mp_per_s: r2(mp / (a / 1000)), stalled_subscriber_mp_per_s: r2(mp / (b / 1000)), throughput_ratio: r2(a / b), dropped: pub.dropped, sent: pub.sent },
      lines: [
        `scene ${side} x ${side}: ${r2(mp / (a / 1000))} MP/s without telemetry, ${r2(mp / (b / 1000))} MP/s with a stalled subscriber (ratio ${r2(a / b)}; 1 = unaffected)`,
        `telemetry dropped ${pub.dropped} and sent ${pub.sent} messages; nothing waited for the subscriber`,
      ],
    };
  } finally {
    observer.dispose();
    stalled.close();
    await pub.close();
    await backend.dispose();
  }
}

export async function run(opts: { quick: boolean }): Promise<SuiteResult> {
  const e = await encodings();
  const s = await stalledSubscriber(opts.quick);
  return { suite: 'telemetry', what: 'telemetry encodings, and scene throughput with a stalled subscriber', figures: { ...e.figures, ...s.figures }, lines: [...e.lines, ...s.lines] };
}
