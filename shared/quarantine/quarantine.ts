import { createHash } from 'node:crypto';
import type { RecordRef } from '../kinesis/records';

/** A record that cannot be scored as it is: its raw bytes, where it came from and why it was refused. */
export interface RejectedRecord {
  readonly ref: RecordRef;
  readonly reason: string;
  /** The record's data exactly as Kinesis delivered it (base64). */
  readonly data: string;
}

/** The quarantine port. Resolves with the records it could NOT accept, so they can be retried. */
export interface Quarantine {
  quarantine(records: readonly RejectedRecord[], source: string): Promise<RejectedRecord[]>;
}

export interface QuarantineMessage extends Omit<RecordRef, 'arrivalTimestamp'> {
  /** When Kinesis accepted the record, ISO. */
  readonly arrivedAt: string;
  readonly reason: string;
  readonly source: string;
  readonly quarantinedAt: string;
  readonly dataBytes: number;
  readonly sha256: string;
  readonly data: string;
  /** True when `data` was cut to fit a queue message; the whole record is still in the stream at its sequence number. */
  readonly dataTruncated: boolean;
}

/** Room for the raw data in one SQS message (256 KiB), leaving space for the other fields. */
export const MAX_QUARANTINED_DATA_CHARS = 200 * 1024;

export function quarantineMessage(record: RejectedRecord, source: string, now: Date): QuarantineMessage {
  const raw = Buffer.from(record.data, 'base64');
  const truncated = record.data.length > MAX_QUARANTINED_DATA_CHARS;
  const { arrivalTimestamp, ...where } = record.ref;
  return {
    ...where,
    arrivedAt: new Date(arrivalTimestamp * 1000).toISOString(),
    reason: record.reason,
    source,
    quarantinedAt: now.toISOString(),
    dataBytes: raw.length,
    sha256: createHash('sha256').update(raw).digest('hex'),
    data: truncated ? record.data.slice(0, MAX_QUARANTINED_DATA_CHARS) : record.data,
    dataTruncated: truncated,
  };
}
