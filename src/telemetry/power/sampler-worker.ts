/**
 * Power sampling off the main thread. Reads the source at the configured
 * rate, integrates energy (trapezoids), and publishes the latest sample into a
 * SharedArrayBuffer under a sequence lock, so the pipeline can read energy at
 * any tile boundary without a message round trip. Each sample is also posted
 * for the `power` telemetry topic.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSource, type SourceConfig } from './probe.js';
import { SLOT, type SamplerReply } from './sampler.js';

const { cfg, rateHz, shared, clockOrigin } = workerData as { cfg: SourceConfig; rateHz: number; shared: SharedArrayBuffer; clockOrigin: number };
// Sample times are on the parent thread's performance.now() clock: each thread's clock
// starts at its own timeOrigin, and energy is extrapolated on the parent from `t`.
const skew = performance.timeOrigin - clockOrigin;
const now = (): number => performance.now() + skew;
const f64 = new Float64Array(shared);
const port = parentPort!;

function publish(t: number, watts: number, energy: number, volts: number | null, amps: number | null): void {
  f64[SLOT.seq] += 1; // odd: writing
  f64[SLOT.t] = t;
  f64[SLOT.watts] = watts;
  f64[SLOT.energy] = energy;
  f64[SLOT.volts] = volts ?? NaN;
  f64[SLOT.amps] = amps ?? NaN;
  f64[SLOT.seq] += 1; // even: consistent
}

try {
  const t0 = now();
  const { source, passedOver } = openSource(cfg, t0);
  let lastT = t0;
  let lastW = source.read(t0).watts;
  let energy = 0;
  // The first sample is in shared memory before `ready`: a reader that starts at once
  // must not see the all-zero buffer (it did, and took 0 W at t = 0 as its baseline).
  publish(t0, lastW, 0, null, null);
  port.postMessage({ type: 'ready', kind: source.kind, detail: source.detail, measured: source.measured, passedOver } satisfies SamplerReply);
  const timer = setInterval(() => {
    const t = now();
    const r = source.read(t);
    if (!Number.isFinite(r.watts)) return;
    energy += ((lastW + r.watts) / 2) * ((t - lastT) / 1000);
    lastT = t;
    lastW = r.watts;
    publish(t, r.watts, energy, r.volts, r.amps);
    port.postMessage({ type: 'sample', t, watts: r.watts, energy, volts: r.volts, amps: r.amps } satisfies SamplerReply);
  }, 1000 / rateHz);
  port.on('message', (m: { type: string; accelBusy?: number }) => {
    if (m.type === 'stop') {
      clearInterval(timer);
      port.close();
    } else if (m.type === 'accel' && 'accelBusy' in source) {
      (source as { accelBusy: number }).accelBusy = m.accelBusy ?? 0;
    }
  });
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message } satisfies SamplerReply);
}
