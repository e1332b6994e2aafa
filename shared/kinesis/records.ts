import type { KinesisStreamRecord } from 'aws-lambda';
import type { AnyEnvelope, Validation } from '../domain/events';

/** Where a record sits in its stream: enough to find it again, and what Lambda wants back on failure. */
export interface RecordRef {
  readonly sequenceNumber: string;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly eventSourceARN: string;
  /** When Kinesis accepted the record: its `approximateArrivalTimestamp`, epoch seconds with a fraction. */
  readonly arrivalTimestamp: number;
}

export type DecodedRecord<E extends AnyEnvelope> =
  | { readonly status: 'valid'; readonly ref: RecordRef; readonly envelope: E }
  | { readonly status: 'rejected'; readonly ref: RecordRef; readonly reason: string; readonly data: string };

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024;
/** How far an event's own time may run ahead of the moment Kinesis accepted it (clock skew). */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 15 * 60_000;

export interface DecodeLimits {
  readonly maxRecordBytes?: number;
  readonly maxFutureSkewMs?: number;
}

/** Built for every record of every batch, so it stays plain data: the ISO arrival time is the quarantine message's to build. */
export function recordRef(record: KinesisStreamRecord): RecordRef {
  // Lambda's eventID is "<shardId>:<sequenceNumber>".
  const colon = record.eventID.indexOf(':');
  return {
    sequenceNumber: record.kinesis.sequenceNumber,
    shardId: colon < 0 ? record.eventID : record.eventID.slice(0, colon),
    partitionKey: record.kinesis.partitionKey,
    eventSourceARN: record.eventSourceARN,
    arrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
  };
}

/**
 * base64 → size check → JSON → schema → time check. Every way a record can be bad ends as a reason,
 * never a throw. An event dated after its own arrival (beyond the clock skew allowed) is refused:
 * accepted, it would move its entity's event-time watermark into the future, close every open
 * window and make every correct event after it late. The arrival time is part of the record, so
 * the check gives the same answer on every retry.
 */
export function decodeRecord<E extends AnyEnvelope>(
  record: KinesisStreamRecord,
  validate: (input: unknown) => Validation<E>,
  { maxRecordBytes = DEFAULT_MAX_RECORD_BYTES, maxFutureSkewMs = DEFAULT_MAX_FUTURE_SKEW_MS }: DecodeLimits = {},
): DecodedRecord<E> {
  const ref = recordRef(record);
  const data = record.kinesis.data;
  const reject = (reason: string): DecodedRecord<E> => ({ status: 'rejected', ref, reason, data });
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > maxRecordBytes) return reject(`record too large: ${bytes.length} bytes (limit ${maxRecordBytes})`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return reject(notJson(error));
  }
  const validation = validate(json);
  if (!validation.ok) return reject(`invalid event: ${validation.reason}`);
  const ahead = validation.value.time - record.kinesis.approximateArrivalTimestamp * 1000;
  if (ahead > maxFutureSkewMs) {
    return reject(
      `invalid event: field "timestamp" is ${Math.round(ahead / 60_000)} min after the record arrived (at most ${Math.round(maxFutureSkewMs / 60_000)} min allowed)`,
    );
  }
  return { status: 'valid', ref, envelope: validation.value };
}

/** The parser's message quotes the input around the error; only the position is kept, since records may hold card data. */
function notJson(error: unknown): string {
  const position = /position (\d+)/.exec((error as Error).message)?.[1];
  return position === undefined ? 'not JSON' : `not JSON (syntax error at position ${position})`;
}
