/**
 * A subscriber that stops reading must cost dropped telemetry, never a stalled
 * publisher or unbounded memory.
 */
import * as zmq from 'zeromq';
import { describe, expect, it } from 'vitest';
import { TelemetryPublisher } from '../../dist/src/telemetry/publisher.js';

describe('slow subscriber', () => {
  it('drops and counts messages beyond the high-water mark; publishing never waits; memory stays bounded', async () => {
    const endpoint = 'tcp://127.0.0.1:45621';
    const pub = await TelemetryPublisher.open({ endpoint, hwm: 50, statusEveryS: 3600 });
    const stalled = new zmq.Subscriber({ receiveHighWaterMark: 50 });
    stalled.connect(endpoint);
    stalled.subscribe();
    await new Promise((r) => setTimeout(r, 300)); // connected, and never read from again
    const body = {
      tile_id: 1, row: 0, col: 1, latency_ms: { read: 1, normalise: 1, infer: 1, decode_nms: 1, merge: 1 }, detections: 0, queue_depth: 0, energy_j: 0,
      pad: 'x'.repeat(2000),
    };
    const burst = async () => {
      let worst = 0;
      for (let i = 0; i < 20_000; i++) {
        const t = performance.now();
        pub.publish('tile', body as never);
        worst = Math.max(worst, performance.now() - t);
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 150));
      return worst;
    };
    await burst(); // warm-up: the heap settles
    const rss0 = process.memoryUsage().rss;
    let worst = 0;
    for (let k = 0; k < 4; k++) worst = Math.max(worst, await burst());
    const grown = (process.memoryUsage().rss - rss0) / 1e6;
    // 80,000 more messages × 2 kB = 160 MB offered after warm-up; memory stays flat.
    expect(pub.sent + pub.dropped).toBe(100_000);
    expect(pub.dropped).toBeGreaterThan(90_000);
    expect(grown).toBeLessThan(60); // unbounded queues would grow by ~160 MB
    // No send ever waited: a blocking send would hang here for good. The bound leaves
    // room for a garbage-collection pause on a loaded 2-core CI machine.
    expect(worst).toBeLessThan(1000);
    stalled.close();
    await pub.close();
  });
});
