/**
 * The main-thread side of power sampling: starts the sampler worker, exposes
 * the source's name, the energy counter (read at any instant without waiting),
 * window averages and peaks, and forwards samples to a listener (telemetry).
 */
import { Worker } from 'node:worker_threads';
import { SarwatchError } from '../../errors.js';
import { DEFAULT_SOURCE, type SourceConfig } from './probe.js';
import type { PowerSourceKind } from './source.js';

export const SLOT = { seq: 0, t: 1, watts: 2, energy: 3, volts: 4, amps: 5 } as const;

export type SamplerReply =
  | { type: 'ready'; kind: PowerSourceKind; detail: string; measured: boolean; passedOver: string[] }
  | { type: 'sample'; t: number; watts: number; energy: number; volts: number | null; amps: number | null }
  | { type: 'error'; message: string };

export interface PowerSample {
  t: number;
  watts: number;
  energy: number;
  volts: number | null;
  amps: number | null;
}

export interface SamplerOptions {
  source?: Partial<SourceConfig>;
  rateHz?: number;
  /** Samples kept for window averages and peaks. */
  historySeconds?: number;
}

export class PowerSampler {
  readonly kind: PowerSourceKind;
  readonly detail: string;
  readonly measured: boolean;
  readonly passedOver: string[];
  private readonly worker: Worker;
  private readonly f64: Float64Array;
  private readonly history: PowerSample[] = [];
  private readonly historyMs: number;
  private listeners: ((s: PowerSample) => void)[] = [];
  peakW = 0;

  private constructor(worker: Worker, shared: SharedArrayBuffer, ready: Extract<SamplerReply, { type: 'ready' }>, historyMs: number) {
    this.worker = worker;
    this.f64 = new Float64Array(shared);
    this.kind = ready.kind;
    this.detail = ready.detail;
    this.measured = ready.measured;
    this.passedOver = ready.passedOver;
    this.historyMs = historyMs;
    worker.on('message', (m: SamplerReply) => {
      if (m.type !== 'sample') return;
      this.history.push(m);
      while (this.history.length && this.history[0].t < m.t - this.historyMs) this.history.shift();
      this.peakW = Math.max(this.peakW, m.watts);
      for (const l of this.listeners) l(m);
    });
    worker.unref();
  }

  static async start(opts: SamplerOptions = {}): Promise<PowerSampler> {
    const cfg: SourceConfig = { ...DEFAULT_SOURCE, ...opts.source };
    const rateHz = opts.rateHz ?? 10;
    const shared = new SharedArrayBuffer(8 * 8);
    const worker = new Worker(new URL('./sampler-worker.js', import.meta.url), { workerData: { cfg, rateHz, shared, clockOrigin: performance.timeOrigin } });
    const ready = await new Promise<Extract<SamplerReply, { type: 'ready' }>>((resolve, reject) => {
      worker.once('message', (m: SamplerReply) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'error') reject(new SarwatchError('E_ARG', m.message, { param: '--power-source' }));
      });
      worker.once('error', reject);
    });
    return new PowerSampler(worker, shared, ready, (opts.historySeconds ?? 60) * 1000);
  }

  /** Listen to samples; returns the function that stops listening. */
  onSample(l: (s: PowerSample) => void): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  /** The latest published sample, read under the sequence lock. */
  latest(): PowerSample {
    for (;;) {
      const s0 = this.f64[SLOT.seq];
      const s: PowerSample = {
        t: this.f64[SLOT.t],
        watts: this.f64[SLOT.watts],
        energy: this.f64[SLOT.energy],
        volts: Number.isNaN(this.f64[SLOT.volts]) ? null : this.f64[SLOT.volts],
        amps: Number.isNaN(this.f64[SLOT.amps]) ? null : this.f64[SLOT.amps],
      };
      if (s0 % 2 === 0 && this.f64[SLOT.seq] === s0) return s;
    }
  }

  /** Joules since the sampler started, extrapolated from the latest sample to `nowMs`. */
  energyAt(nowMs = performance.now()): number {
    const s = this.latest();
    // No clamp at nowMs < s.t: the worker's clock is mapped onto this thread's through
    // the two timeOrigins, which agree to about a millisecond, and a clamp there made the
    // energy between two reads wrong by watts × that error. Extrapolating a little
    // backwards keeps differences exact.
    return Math.max(0, s.energy + (s.watts * (nowMs - s.t)) / 1000);
  }

  /** Mean watts over the last `seconds` of samples (the latest reading if none). */
  windowAvg(seconds: number): number {
    const now = this.latest().t;
    const xs = this.history.filter((h) => h.t >= now - seconds * 1000);
    return xs.length ? xs.reduce((a, h) => a + h.watts, 0) / xs.length : this.latest().watts;
  }

  /** For the KV260 model: how busy the PL engine has been recently. */
  setAccelBusy(fraction: number): void {
    this.worker.postMessage({ type: 'accel', accelBusy: fraction });
  }

  async stop(): Promise<void> {
    // The worker is unref'd so an idle sampler never keeps the process alive; while we wait for
    // it to exit it must, or Node would exit here with the caller's work unfinished.
    this.worker.ref();
    this.worker.postMessage({ type: 'stop' });
    await new Promise((r) => this.worker.once('exit', r));
  }
}
