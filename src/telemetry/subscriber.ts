/**
 * A validating telemetry subscriber: `for await (const m of subscribe(endpoint))`.
 * Malformed messages do not end the stream; they arrive as `{ error }` items,
 * counted, so a monitor can show them and carry on.
 */
import * as zmq from 'zeromq';
import { isSarwatchError } from '../errors.js';
import { decode, type Decoded } from './codec.js';
import type { Topic } from './schema.js';

export type Received = (Decoded & { error?: undefined; receivedAt: number }) | { error: string; code: string; receivedAt: number };

export interface SubscribeOptions {
  topics?: Topic[];
  /** Receive high-water mark (messages). */
  hwm?: number;
}

export class TelemetrySubscriber {
  readonly socket: zmq.Subscriber;
  malformed = 0;
  received = 0;

  constructor(endpoint: string, opts: SubscribeOptions = {}) {
    this.socket = new zmq.Subscriber({ receiveHighWaterMark: opts.hwm ?? 10_000 });
    this.socket.connect(endpoint);
    if (opts.topics?.length) for (const t of opts.topics) this.socket.subscribe(t);
    else this.socket.subscribe();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Received> {
    try {
      for await (const frames of this.socket) {
        const receivedAt = Date.now();
        this.received++;
        if (frames.length !== 2) {
          this.malformed++;
          yield { error: `expected 2 frames [topic, payload], got ${frames.length}`, code: 'E_TELEMETRY', receivedAt };
          continue;
        }
        try {
          yield { ...decode(frames[0], frames[1]), receivedAt };
        } catch (e) {
          this.malformed++;
          yield { error: (e as Error).message, code: isSarwatchError(e) ? e.code : 'E_TELEMETRY', receivedAt };
        }
      }
    } catch (e) {
      // Closing the socket ends iteration cleanly.
      if (!this.socket.closed) throw e;
    }
  }

  close(): void {
    if (!this.socket.closed) this.socket.close();
  }
}
