/**
 * PUB/SUB loses what is published before a subscription reaches the publisher.
 * A listener that is already running when sarwatch starts must still get the
 * scene's first message: the publisher waits (bounded) for a subscription.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TelemetryPublisher } from '../../dist/src/telemetry/publisher.js';
import { TelemetrySubscriber } from '../../dist/src/telemetry/subscriber.js';
import { rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

const START = { phase: 'start', backend: 'cpu', model: 'm', width: 100, height: 80, megapixels: 0.008, tiles_planned: 1, power_source: 'none' } as const;

/** The first message a subscriber gets within `ms`, or null. */
async function firstMessage(sub: TelemetrySubscriber, ms: number): Promise<unknown> {
  const timer = setTimeout(() => sub.close(), ms);
  try {
    for await (const m of sub) return m.error === undefined ? m.message : m.error;
    return null;
  } finally {
    clearTimeout(timer);
    sub.close();
  }
}

describe('slow joiner', () => {
  it('a subscriber listening before the bind gets the very first message, every time', async () => {
    for (let i = 0; i < 10; i++) {
      const endpoint = `ipc://${path.join(dir, `join-${i}.ipc`)}`;
      const sub = new TelemetrySubscriber(endpoint); // connects first, retries until the bind
      await new Promise((r) => setTimeout(r, 50));
      const pub = await TelemetryPublisher.open({ endpoint, statusEveryS: 3600 });
      expect(await pub.waitForSubscriber(5000)).toBe(true);
      expect(pub.subscriptions).toBe(1);
      pub.sceneId = `scene-${i}`;
      pub.publish('scene', START);
      expect(await firstMessage(sub, 3000)).toMatchObject({ scene_id: `scene-${i}`, seq: 0, phase: 'start' });
      await pub.close();
    }
  });

  it('without a subscriber, the wait ends at its bound and says so', async () => {
    const pub = await TelemetryPublisher.open({ endpoint: `ipc://${path.join(dir, 'nobody.ipc')}`, statusEveryS: 3600 });
    const t = performance.now();
    expect(await pub.waitForSubscriber(200)).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(190);
    expect(await pub.waitForSubscriber(0)).toBe(false);
    await pub.close();
  });
});
