/**
 * `sarwatch monitor [endpoint]`: a live terminal view of a running scene —
 * tiles/s, MP/s, latency percentiles per stage, watts, joules, the newest
 * detections, dropped and malformed telemetry. Malformed messages are counted
 * and shown; they never stop the monitor.
 */
import { TelemetrySubscriber } from '../src/telemetry/subscriber.js';
import type { DetectionMsg, HealthMsg, PowerMsg, SceneMsg, TileMsg } from '../src/telemetry/schema.js';

const STAGES = ['read', 'normalise', 'infer', 'decode_nms', 'merge'] as const;

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** What the monitor knows; `view()` renders it. Kept apart from the socket so it can be tested. */
export class MonitorState {
  scene: Extract<SceneMsg, { phase: 'start' }> | null = null;
  end: Extract<SceneMsg, { phase: 'end' }> | null = null;
  tiles = 0;
  tileTimes: number[] = [];
  latency: Record<(typeof STAGES)[number], number[]> = { read: [], normalise: [], infer: [], decode_nms: [], merge: [] };
  power: PowerMsg | null = null;
  detections: DetectionMsg[] = [];
  detectionCount = 0;
  health: HealthMsg[] = [];
  dropped = 0;
  malformed = 0;
  lastError = '';

  onScene(m: SceneMsg, now: number): void {
    if (m.phase === 'start') {
      this.scene = m;
      this.end = null;
      this.tiles = 0;
      this.tileTimes = [];
      this.detectionCount = 0;
      for (const s of STAGES) this.latency[s] = [];
    } else this.end = m;
    void now;
  }

  onTile(m: TileMsg, now: number): void {
    this.tiles++;
    this.tileTimes.push(now);
    while (this.tileTimes.length && this.tileTimes[0] < now - 5000) this.tileTimes.shift();
    for (const s of STAGES) {
      this.latency[s].push(m.latency_ms[s]);
      if (this.latency[s].length > 1000) this.latency[s].shift();
    }
  }

  onDet(dets: DetectionMsg[]): void {
    this.detectionCount += dets.length;
    this.detections = [...dets, ...this.detections].slice(0, 6);
  }

  onHealth(m: HealthMsg): void {
    this.dropped = m.dropped_total;
    if (m.event !== 'status') this.health = [m, ...this.health].slice(0, 3);
  }

  view(now: number): string[] {
    const lines: string[] = [];
    const s = this.scene;
    if (!s) return ['waiting for a scene…', `malformed ${this.malformed}${this.lastError ? ` (last: ${this.lastError})` : ''}`];
    const tilesPerS = this.tileTimes.length > 1 ? (this.tileTimes.length - 1) / ((this.tileTimes[this.tileTimes.length - 1] - this.tileTimes[0]) / 1000) : 0;
    const mpPerTile = s.tiles_planned ? s.megapixels / s.tiles_planned : 0;
    lines.push(`scene ${s.scene_id}  ${s.width}×${s.height} (${s.megapixels.toFixed(1)} MP)  backend ${s.backend}  model ${s.model}`);
    lines.push(
      `tiles ${this.tiles}/${s.tiles_planned}  ${tilesPerS.toFixed(2)} tiles/s  ${(tilesPerS * mpPerTile).toFixed(2)} MP/s  detections ${this.detectionCount}` +
        (this.end ? `  DONE in ${this.end.seconds.toFixed(1)} s (${this.end.mp_per_s.toFixed(2)} MP/s, ${this.end.energy_j.toFixed(1)} J)` : ''),
    );
    lines.push('latency ms     p50      p95      p99');
    for (const st of STAGES) {
      const xs = this.latency[st];
      lines.push(`  ${st.padEnd(10)} ${percentile(xs, 50).toFixed(2).padStart(8)} ${percentile(xs, 95).toFixed(2).padStart(8)} ${percentile(xs, 99).toFixed(2).padStart(8)}`);
    }
    const p = this.power;
    lines.push(
      p
        ? `power ${p.watts.toFixed(2)} W (5 s avg ${p.window_avg_w.toFixed(2)} W${p.budget_w ? ` / budget ${p.budget_w} W` : ''})  ${p.energy_j.toFixed(1)} J  ${p.measured ? 'measured' : 'MODELLED'}: ${p.source} ${p.source_detail}`
        : 'power —',
    );
    lines.push('newest detections:');
    for (const d of this.detections) {
      const where = d.lat === null ? `px (${d.col}, ${d.row})` : `${d.lat.toFixed(5)}, ${d.lon!.toFixed(5)}`;
      lines.push(`  ${d.class_name.padEnd(10)} ${d.confidence.toFixed(2)}  ${where}${d.length_m === null ? '' : `  ${d.length_m.toFixed(0)} m`}`);
    }
    for (const h of this.health) lines.push(`health ${h.event}: ${h.message}`);
    lines.push(`telemetry dropped ${this.dropped}, malformed ${this.malformed}${this.lastError ? ` (last: ${this.lastError})` : ''}`);
    void now;
    return lines;
  }
}

export interface MonitorOptions {
  endpoint: string;
  seconds?: number;
  refreshMs?: number;
  /** Exit after the first scene ends. */
  once?: boolean;
  write?: (s: string) => void;
}

export async function monitor(o: MonitorOptions, signal?: AbortSignal): Promise<MonitorState> {
  const sub = new TelemetrySubscriber(o.endpoint);
  const state = new MonitorState();
  const write = o.write ?? ((s: string) => process.stdout.write(s));
  const tty = o.write === undefined && process.stdout.isTTY;
  const render = () => {
    const text = state.view(Date.now()).join('\n');
    write(tty ? `\x1b[2J\x1b[H${text}\n` : `${text}\n\n`);
  };
  const timer = setInterval(render, o.refreshMs ?? (tty ? 500 : 5000));
  const stop = () => sub.close();
  const deadline = o.seconds ? setTimeout(stop, o.seconds * 1000) : null;
  signal?.addEventListener('abort', stop);
  try {
    for await (const m of sub) {
      const now = m.receivedAt;
      if (m.error !== undefined) {
        state.malformed++;
        state.lastError = m.error;
        continue;
      }
      if (m.topic === 'scene') {
        state.onScene(m.message, now);
        if (o.once && m.message.phase === 'end') break;
      } else if (m.topic === 'tile') state.onTile(m.message, now);
      else if (m.topic === 'det') state.onDet(m.message.detections);
      else if (m.topic === 'power') state.power = m.message;
      else if (m.topic === 'health') state.onHealth(m.message);
    }
  } finally {
    clearInterval(timer);
    if (deadline) clearTimeout(deadline);
    sub.close();
    render();
  }
  return state;
}
