import type { KinesisStreamRecord } from 'aws-lambda';
import type { AnyEnvelope, Validation } from '../domain/events';

/** Where a record sits in its stream: enough to find it again, and what Lambda wants back on failure. */
export interface RecordRef {
  readonly sequenceNumber: string;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly eventSourceARN: string;
  /** When Kinesis accepted the record, ISO. */
  readonly arrivedAt: string;
}

export type DecodedRecord<E extends AnyEnvelope> =
  | { readonly status: 'valid'; readonly ref: RecordRef; readonly envelope: E }
  | { readonly status: 'rejected'; readonly ref: RecordRef; readonly reason: string; readonly data: string };

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024;

export function recordRef(record: KinesisStreamRecord): RecordRef {
  return {
    sequenceNumber: record.kinesis.sequenceNumber,
    // Lambda's eventID is "<shardId>:<sequenceNumber>".
    shardId: record.eventID.split(':')[0] ?? '',
    partitionKey: record.kinesis.partitionKey,
    eventSourceARN: record.eventSourceARN,
    arrivedAt: new Date(record.kinesis.approximateArrivalTimestamp * 1000).toISOString(),
  };
}

/** base64 → size check → JSON → schema. Every way a record can be bad ends as a reason, never a throw. */
export function decodeRecord<E extends AnyEnvelope>(
  record: KinesisStreamRecord,
  validate: (input: unknown) => Validation<E>,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
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
    return reject(`not JSON: ${(error as Error).message}`);
  }
  const validation = validate(json);
  return validation.ok ? { status: 'valid', ref, envelope: validation.value } : reject(`invalid event: ${validation.reason}`);
}
