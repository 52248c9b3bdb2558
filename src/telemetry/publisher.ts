/**
 * The telemetry publisher: one ZeroMQ PUB socket, one schema.
 *
 * Sends never wait. The socket runs with ZMQ_XPUB_NODROP and a zero send
 * timeout, so when a subscriber's queue reaches the high-water mark the send
 * fails at once instead of blocking (or of libzmq dropping silently): the
 * message is counted as dropped and reported in `health`. Memory is bounded by
 * the high-water mark; inference never waits on a subscriber, and every
 * detection is in the output files anyway.
 *
 * The socket is an XPUB so that the publisher sees subscriptions arrive. PUB/SUB
 * drops whatever is published before a subscription reaches the publisher (the
 * ZeroMQ "slow joiner"): a listener that was already running when the scene
 * started still needs one reconnect interval (100 ms) after the bind, and
 * without a wait it lost the scene's `start` message. `waitForSubscriber` is
 * that wait, bounded; the CLI calls it once before the scene starts.
 */
import * as zmq from 'zeromq';
import { SarwatchError } from '../errors.js';
import type { SceneDetection } from '../pipeline/detection.js';
import type { PipelineObserver } from '../pipeline/observer.js';
import { encode, type Encoding } from './codec.js';
import type { PowerSampler } from './power/sampler.js';
import { SCHEMA_VERSION, TOPICS, type BaseFields, type MessageOf, type Topic } from './schema.js';

export interface PublisherOptions {
  endpoint: string;
  /** Messages queued per subscriber before sends fail (and are counted as dropped). */
  hwm?: number;
  encoding?: Encoding;
  /** Seconds between `health` status messages. */
  statusEveryS?: number;
}

export type Body<T extends Topic> = Omit<MessageOf[T], BaseFields>;
/** A body with union members kept apart (Omit over a union would merge them). */
type SceneBody = MessageOf['scene'] extends infer U ? (U extends MessageOf['scene'] ? Omit<U, BaseFields> : never) : never;

/** The body of a `det` message for one tile's detections (also what a downlink budget counts). */
export function detBody(tileId: number, dets: SceneDetection[]): Body<'det'> {
  return {
    tile_id: tileId,
    detections: dets.map((d) => ({
      row: d.row,
      col: d.col,
      lat: d.lat,
      lon: d.lon,
      class_name: d.className,
      confidence: Number(d.score.toFixed(4)),
      length_m: d.lengthM === null ? null : Number(d.lengthM.toFixed(1)),
      is_vessel: d.isVessel,
      is_fishing: d.isFishing,
      bbox: [d.x1, d.y1, d.x2, d.y2].map((v) => Number(v.toFixed(1))) as [number, number, number, number],
    })),
  };
}

export class TelemetryPublisher {
  readonly endpoint: string;
  readonly encoding: Encoding;
  sent = 0;
  dropped = 0;
  sceneId = '';
  /** Distinct topic prefixes subscribed to right now (0: nobody is listening). */
  subscriptions = 0;
  private readonly socket: zmq.XPublisher;
  private readonly watching: Promise<void>;
  private subscribed: (() => void) | null = null;
  private readonly seq: Record<Topic, number> = Object.fromEntries(TOPICS.map((t) => [t, 0])) as Record<Topic, number>;
  private readonly t0 = performance.now();
  private readonly statusEveryMs: number;
  private lastStatus = 0;
  private droppedAtLastStatus = 0;
  backendName: string | null = null;

  private constructor(socket: zmq.XPublisher, o: PublisherOptions) {
    this.socket = socket;
    this.endpoint = o.endpoint;
    this.encoding = o.encoding ?? 'json';
    this.statusEveryMs = (o.statusEveryS ?? 2) * 1000;
    this.watching = this.watchSubscriptions();
  }

  /** Reads subscription frames (1 = subscribe, 0 = unsubscribe, then the prefix) until the socket closes. */
  private async watchSubscriptions(): Promise<void> {
    try {
      for await (const [frame] of this.socket) {
        if (frame[0] === 1) this.subscriptions++;
        else if (frame[0] === 0) this.subscriptions = Math.max(0, this.subscriptions - 1);
        if (this.subscriptions > 0) this.subscribed?.();
      }
    } catch (e) {
      if (!this.socket.closed) throw e;
    }
  }

  /**
   * Resolves true once a subscriber has subscribed, false after `ms` without one.
   * What is published before then reaches nobody, so call it before the scene starts.
   */
  async waitForSubscriber(ms: number): Promise<boolean> {
    if (this.subscriptions > 0) return true;
    if (ms <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const arrived = await Promise.race([
      new Promise<boolean>((r) => (this.subscribed = () => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
    ]);
    clearTimeout(timer);
    this.subscribed = null;
    return arrived;
  }

  static async open(o: PublisherOptions): Promise<TelemetryPublisher> {
    const socket = new zmq.XPublisher({ sendHighWaterMark: o.hwm ?? 1000, sendTimeout: 0, noDrop: true, linger: 500 });
    try {
      await socket.bind(o.endpoint);
    } catch (e) {
      socket.close();
      throw new SarwatchError('E_TELEMETRY', `cannot bind telemetry endpoint ${o.endpoint}: ${(e as Error).message}`, { param: '--telemetry', cause: e });
    }
    return new TelemetryPublisher(socket, o);
  }

  /** Time since the publisher opened, monotonic. */
  monoMs(): number {
    return performance.now() - this.t0;
  }

  publish<T extends Topic>(topic: T, body: T extends 'scene' ? SceneBody : Body<T>): void {
    const msg = { v: SCHEMA_VERSION, scene_id: this.sceneId, seq: this.seq[topic]++, t_mono_ms: Number(this.monoMs().toFixed(3)), t_wall: new Date().toISOString(), ...body };
    const frames = [topic, encode(msg, this.encoding)];
    try {
      this.socket.send(frames).then(
        () => this.sent++,
        () => this.dropped++,
      );
    } catch {
      this.dropped++;
    }
    if (topic !== 'health') this.maybeStatus();
  }

  private maybeStatus(): void {
    const now = performance.now();
    if (now - this.lastStatus < this.statusEveryMs) return;
    this.lastStatus = now;
    const newly = this.dropped - this.droppedAtLastStatus;
    this.droppedAtLastStatus = this.dropped;
    this.publish('health', {
      event: newly > 0 ? 'dropped' : 'status',
      message: newly > 0 ? `${newly} telemetry messages dropped (slow or missing subscriber)` : 'ok',
      backend: this.backendName,
      dropped_total: this.dropped,
      queue_depth: null,
      details: { sent: this.sent, subscriptions: this.subscriptions },
    });
  }

  /** Maps pipeline events (and power samples, when a sampler is given) onto topics. */
  observer(power?: PowerSampler, budgetW: number | null = null): PipelineObserver & { dispose(): void } {
    let lastEnergy = power?.energyAt() ?? 0;
    let sceneEnergy0 = lastEnergy;
    let windowAvg = 0;
    const unlisten = power?.onSample((s) => {
      windowAvg = power.windowAvg(5);
      this.publish('power', {
        watts: s.watts,
        source: power.kind,
        source_detail: power.detail,
        measured: power.measured,
        energy_j: s.energy,
        window_avg_w: windowAvg,
        budget_w: budgetW,
        volts: s.volts,
        amps: s.amps,
      });
    });
    const sourceName = power ? `${power.kind}: ${power.detail}` : 'none';
    return {
      dispose: () => unlisten?.(),
      sceneStart: (e) => {
        this.sceneId = e.sceneId;
        this.backendName = e.backend;
        sceneEnergy0 = lastEnergy = power?.energyAt() ?? 0;
        this.publish('scene', {
          phase: 'start',
          backend: e.backend,
          model: e.model,
          width: e.width,
          height: e.height,
          megapixels: (e.width * e.height) / 1e6,
          tiles_planned: e.tilesPlanned,
          power_source: sourceName,
        });
      },
      tile: (e) => {
        const now = power?.energyAt() ?? 0;
        this.publish('tile', {
          tile_id: e.tileId,
          row: e.row,
          col: e.col,
          latency_ms: { read: e.readMs, normalise: e.normaliseMs, infer: e.inferMs, decode_nms: e.decodeMs, merge: e.mergeMs },
          detections: e.detections,
          queue_depth: e.queueDepth,
          energy_j: Math.max(0, now - lastEnergy),
        });
        lastEnergy = now;
      },
      detections: (tileId, dets) => {
        this.publish('det', detBody(tileId, dets));
      },
      health: (e) => {
        const details: Record<string, string | number | boolean | null> = {};
        let message: string;
        let event: 'fallback' | 'error' | 'budget';
        if (e.kind === 'fallback') {
          event = 'fallback';
          message = `backend ${e.requested} unavailable (${e.reason}); running on ${e.actual}`;
          Object.assign(details, { requested: e.requested, actual: e.actual });
        } else if (e.kind === 'budget') {
          event = 'budget';
          message = e.message;
          Object.assign(details, { action: e.action, avg_w: Number(e.avgW.toFixed(3)), duty: Number(e.duty.toFixed(3)), threads: e.threads });
        } else if (e.kind === 'error') {
          event = 'error';
          message = e.message;
          details.code = e.code ?? null;
        } else {
          event = 'error';
          message = `tile ${e.tileId} skipped: ${e.reason}`;
        }
        this.publish('health', { event, message, backend: this.backendName, dropped_total: this.dropped, queue_depth: null, details });
      },
      sceneEnd: (s) => {
        // The summary's energy figures when the pipeline had the sampler (one source of
        // truth with summary.json); otherwise what this publisher's sampler saw since the start.
        const energy = s.energy_j ?? Math.max(0, (power?.energyAt() ?? 0) - sceneEnergy0);
        this.publish('scene', {
          phase: 'end',
          backend: s.backend,
          tiles: s.tiles,
          tiles_skipped: s.tiles_skipped,
          megapixels: s.megapixels,
          seconds: s.seconds,
          mp_per_s: s.mp_per_s,
          detections: s.detections,
          energy_j: Number(energy.toFixed(3)),
          avg_w: s.avg_w ?? (s.seconds > 0 ? Number((energy / s.seconds).toFixed(3)) : 0),
          peak_w: s.peak_w ?? Number((power?.peakW ?? 0).toFixed(3)),
          power_source: sourceName,
        });
      },
    };
  }

  async close(): Promise<void> {
    // Let queued messages go (linger), then close.
    await new Promise((r) => setTimeout(r, 50));
    this.socket.close();
    await this.watching;
  }
}
