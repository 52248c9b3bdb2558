/**
 * `sarwatch record [endpoint] --out file.jsonl`: every telemetry message, one
 * JSON line each (`{topic, received_at, message}`), validated on the way in;
 * malformed messages are recorded as `{error, code, received_at}` and counted.
 */
import { createWriteStream } from 'node:fs';
import { TelemetrySubscriber } from '../src/telemetry/subscriber.js';

export interface RecordOptions {
  endpoint: string;
  out: string;
  /** Stop after this many seconds or messages (whichever first); run until SIGINT otherwise. */
  seconds?: number;
  count?: number;
  /** Stop once a scene's `end` message arrives. */
  untilSceneEnd?: boolean;
}

export interface RecordResult {
  messages: number;
  malformed: number;
  byTopic: Record<string, number>;
}

export async function record(o: RecordOptions, signal?: AbortSignal): Promise<RecordResult> {
  const sub = new TelemetrySubscriber(o.endpoint);
  const file = createWriteStream(o.out, { flags: 'w' });
  const res: RecordResult = { messages: 0, malformed: 0, byTopic: {} };
  const stop = () => sub.close();
  const timer = o.seconds ? setTimeout(stop, o.seconds * 1000) : null;
  signal?.addEventListener('abort', stop);
  try {
    for await (const m of sub) {
      const receivedAt = new Date(m.receivedAt).toISOString();
      if (m.error !== undefined) {
        res.malformed++;
        file.write(JSON.stringify({ error: m.error, code: m.code, received_at: receivedAt }) + '\n');
      } else {
        res.messages++;
        res.byTopic[m.topic] = (res.byTopic[m.topic] ?? 0) + 1;
        file.write(JSON.stringify({ topic: m.topic, received_at: receivedAt, message: m.message }) + '\n');
        if (o.untilSceneEnd && m.topic === 'scene' && m.message.phase === 'end') break;
      }
      if (o.count && res.messages + res.malformed >= o.count) break;
    }
  } finally {
    if (timer) clearTimeout(timer);
    sub.close();
    await new Promise<void>((r) => file.end(r));
  }
  return res;
}
