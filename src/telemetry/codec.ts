/**
 * Payload encoding and validation. JSON is the default (readable, every
 * language has it); MessagePack is smaller and faster to build and parse
 * (measured by `npm run bench`). A subscriber tells them apart by the first
 * byte: '{' for JSON, a MessagePack map marker otherwise.
 */
import { Packr, Unpackr } from 'msgpackr';
import { SarwatchError } from '../errors.js';
import { SCHEMA_VERSION, SCHEMAS, TOPICS, type MessageOf, type Topic } from './schema.js';

export type Encoding = 'json' | 'msgpack';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

export function encode(msg: object, encoding: Encoding): Buffer {
  return encoding === 'json' ? Buffer.from(JSON.stringify(msg)) : packr.pack(msg);
}

export type Decoded = { [T in Topic]: { topic: T; message: MessageOf[T] } }[Topic];

/**
 * Decode and validate one multipart message. Throws a SarwatchError saying
 * what is wrong: unknown topic, undecodable payload, another schema version
 * (E_SCHEMA_VERSION), or a schema violation.
 */
export function decode(topicFrame: Buffer, payload: Buffer): Decoded {
  const topic = topicFrame.toString('utf8');
  if (!(TOPICS as readonly string[]).includes(topic)) {
    throw new SarwatchError('E_TELEMETRY', `unknown topic "${topic.slice(0, 40)}"`);
  }
  let raw: unknown;
  try {
    raw = payload[0] === 0x7b ? JSON.parse(payload.toString('utf8')) : unpackr.unpack(payload);
  } catch (e) {
    throw new SarwatchError('E_TELEMETRY', `${topic}: payload is neither JSON nor MessagePack (${(e as Error).message})`);
  }
  const v = (raw as { v?: unknown } | null)?.v;
  if (v !== SCHEMA_VERSION) {
    throw new SarwatchError(
      'E_SCHEMA_VERSION',
      `${topic}: message has schema version ${JSON.stringify(v)}, this subscriber reads version ${SCHEMA_VERSION}` +
        (typeof v === 'number' && v < SCHEMA_VERSION ? ' (an older publisher)' : typeof v === 'number' ? ' (upgrade this subscriber)' : ''),
    );
  }
  const r = SCHEMAS[topic as Topic].safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new SarwatchError('E_TELEMETRY', `${topic}: ${first.path.join('.') || 'payload'}: ${first.message}`);
  }
  return { topic, message: r.data } as Decoded;
}
