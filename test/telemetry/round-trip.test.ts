/** Every message type, published and received over tcp and ipc, validated against the schema. */
import path from 'node:path';
import * as zmq from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { decode, encode } from '../../dist/src/telemetry/codec.js';
import { TelemetryPublisher } from '../../dist/src/telemetry/publisher.js';
import { TelemetrySubscriber } from '../../dist/src/telemetry/subscriber.js';
import { TOPICS } from '../../dist/src/telemetry/schema.js';
import { rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

const BODIES = {
  scene: { phase: 'start', backend: 'cpu', model: 'm', width: 100, height: 80, megapixels: 0.008, tiles_planned: 1, power_source: 'model: x' },
  tile: { tile_id: 3, row: 0, col: 3, latency_ms: { read: 1, normalise: 2, infer: 30, decode_nms: 0.5, merge: 0.1 }, detections: 1, queue_depth: 2, energy_j: 0.3 },
  det: { tile_id: 3, detections: [{ row: 10, col: 20, lat: 51.9, lon: 3.1, class_name: 'vessel', confidence: 0.9, length_m: 120, is_vessel: true, is_fishing: false, bbox: [15, 8, 25, 12] }] },
  power: { watts: 8.5, source: 'ina260', source_detail: 'hwmon2 (ina260_u14)', measured: true, energy_j: 12.5, window_avg_w: 8.4, budget_w: 10, volts: 12.01, amps: 0.71 },
  health: { event: 'fallback', message: 'backend fpga unavailable', backend: 'cpu', dropped_total: 0, queue_depth: null, details: { requested: 'fpga' } },
} as const;

async function roundTrip(endpoint: string, encoding: 'json' | 'msgpack') {
  const pub = await TelemetryPublisher.open({ endpoint, encoding, statusEveryS: 3600 });
  const sub = new TelemetrySubscriber(endpoint);
  const got: Record<string, unknown> = {};
  const reader = (async () => {
    for await (const m of sub) {
      expect(m.error).toBeUndefined();
      if (m.error === undefined) got[m.topic] = m.message;
      if (Object.keys(got).length === TOPICS.length) break;
    }
  })();
  // PUB/SUB "slow joiner": publish until the subscriber sees everything.
  pub.sceneId = 'scene-1';
  for (let i = 0; i < 100 && Object.keys(got).length < TOPICS.length; i++) {
    for (const t of TOPICS) pub.publish(t, BODIES[t] as never);
    await new Promise((r) => setTimeout(r, 20));
  }
  await reader;
  sub.close();
  await pub.close();
  for (const t of TOPICS) {
    expect(got[t]).toMatchObject({ v: 1, scene_id: 'scene-1', ...BODIES[t] });
    expect(typeof (got[t] as { t_wall: string }).t_wall).toBe('string');
  }
}

describe('telemetry round trip', () => {
  it('over tcp, JSON', () => roundTrip('tcp://127.0.0.1:45611', 'json'));
  it('over ipc, JSON', () => roundTrip(`ipc://${path.join(dir, 'tel.ipc')}`, 'json'));
  it('over tcp, MessagePack', () => roundTrip('tcp://127.0.0.1:45612', 'msgpack'));

  it('reports a message of another schema version clearly, and keeps reading', async () => {
    const old = { ...BODIES.tile, v: 0, scene_id: 's', seq: 0, t_mono_ms: 1, t_wall: 'x' };
    expect(() => decode(Buffer.from('tile'), encode(old, 'json'))).toThrow(/schema version 0, this subscriber reads version 1 \(an older publisher\)/);
    const endpoint = 'tcp://127.0.0.1:45613';
    const raw = new zmq.Publisher();
    await raw.bind(endpoint);
    const sub = new TelemetrySubscriber(endpoint);
    const seen: string[] = [];
    const reader = (async () => {
      for await (const m of sub) {
        seen.push(m.error !== undefined ? `error:${m.code}` : `ok:${m.topic}`);
        if (seen.includes('ok:tile')) break;
      }
    })();
    const good = { ...old, v: 1 };
    for (let i = 0; i < 100 && !seen.includes('ok:tile'); i++) {
      await raw.send(['tile', JSON.stringify(old)]);
      await raw.send(['tile', '{not json']);
      await raw.send(['nonsense', '{}']);
      await raw.send(['tile', JSON.stringify(good)]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await reader;
    expect(seen).toContain('error:E_SCHEMA_VERSION');
    expect(seen).toContain('error:E_TELEMETRY');
    expect(sub.malformed).toBeGreaterThanOrEqual(3);
    sub.close();
    raw.close();
  });
});
