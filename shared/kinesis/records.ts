import type { KinesisStreamRecord } from 'aws-lambda';
import type { Validation } from '../domain/events';
import { controlEntityOf } from './control-records';
import { deaggregate } from './kpl-aggregate';
import type { HashRange } from './shard-ranges';
import { hashKeyOf, holds } from './shard-ranges';

/** What the decoder needs of a validated event: its time, to check against the record's arrival, which it then carries. */
export interface TimedEvent {
  readonly time: number;
  readonly arrival?: number;
}

/** Where a record sits in its stream: enough to find it again, and what Lambda wants back on failure. */
export interface RecordRef {
  readonly sequenceNumber: string;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly eventSourceARN: string;
  /** When Kinesis accepted the record: its `approximateArrivalTimestamp`, epoch seconds with a fraction. */
  readonly arrivalTimestamp: number;
  /**
   * A user record's place in a KPL aggregate (kpl-aggregate.ts), whose partition key is its own; the
   * sequence number stays the enclosing record's: Lambda retries whole Kinesis records.
   */
  readonly subSequenceNumber?: number;
}

export type DecodedRecord<E extends TimedEvent> =
  | { readonly status: 'valid'; readonly ref: RecordRef; readonly envelope: E }
  /** A control record (control-records.ts) for this entity, which the stream took at `arrival` (epoch ms). */
  | { readonly status: 'control'; readonly ref: RecordRef; readonly entity: string; readonly arrival: number }
  | { readonly status: 'rejected'; readonly ref: RecordRef; readonly reason: string; readonly data: string };

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024;
/** How far an event's own time may run ahead of the moment Kinesis accepted it (clock skew). */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 15 * 60_000;
/**
 * How far an event's own time may lie before its arrival: the streams' retention (7 days by
 * default) plus the allowed lateness (10 minutes). Nothing older can be a late delivery, and the
 * idempotency horizon (RELIABILITY: one event, one count) only has to reach this far back.
 */
export const DEFAULT_MAX_EVENT_AGE_MS = 7 * 86_400_000 + 10 * 60_000;

export interface DecodeLimits {
  readonly maxRecordBytes?: number;
  readonly maxFutureSkewMs?: number;
  readonly maxEventAgeMs?: number;
}

/** Where a record sits in its shard, for people and keys: its sequence number, and a KPL user record's place in it ("…#2"). */
export function recordPlace(ref: { readonly sequenceNumber: string; readonly subSequenceNumber?: number }): string {
  return ref.subSequenceNumber === undefined ? ref.sequenceNumber : `${ref.sequenceNumber}#${ref.subSequenceNumber}`;
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
 * A Kinesis record's events: one, or each user record of a KPL aggregate (kpl-aggregate.ts) in its
 * order, every one decoded alike (decodeData). The user records share the enclosing
 * record's sequence number, so a failure of one is reported as its record's and a retry brings the
 * whole aggregate again (the event ids drop what was applied). An aggregate that cannot be taken
 * apart (a wrong MD5) is refused whole, with its reason.
 */
export function decodeRecords<E extends TimedEvent>(
  record: KinesisStreamRecord,
  validate: (input: unknown) => Validation<E>,
  limits: DecodeLimits = {},
  /**
   * The hash keys of the shard the record came on: a user record of an aggregate whose own key lies
   * outside them is refused (its entity's events are written by the consumer of another shard, and
   * a second writer would lose updates or reorder them). Without it, no user record is checked.
   */
  shardRange?: HashRange,
): Array<DecodedRecord<E>> {
  const ref = recordRef(record);
  const bytes = Buffer.from(record.kinesis.data, 'base64');
  const taken = deaggregate(bytes);
  if (!taken.aggregated) return [decodeData(ref, bytes, record.kinesis.data, validate, limits)];
  const refused = (reason: string): Array<DecodedRecord<E>> => [{ status: 'rejected', ref, reason, data: record.kinesis.data }];
  if (!taken.ok) return refused(taken.reason);
  if (taken.records.length > MAX_USER_RECORDS)
    return refused(`KPL aggregate holds ${taken.records.length} user records (at most ${MAX_USER_RECORDS} are taken)`);
  const decoded = taken.records.map((user, i): DecodedRecord<E> => {
    const userRef = { ...ref, partitionKey: user.partitionKey, subSequenceNumber: i };
    if (shardRange && !holds(shardRange, hashKeyOf(user.partitionKey, user.explicitHashKey)))
      return { status: 'rejected', ref: userRef, reason: OTHER_SHARD, data: user.data.toString('base64') };
    return decodeData(userRef, user.data, user.data.toString('base64'), validate, limits);
  });
  // Each refused user record is a quarantine message of its own; past a few, the aggregate goes once, whole.
  const bad = decoded.filter((d) => d.status === 'rejected');
  if (bad.length <= MAX_REFUSED_USER_RECORDS) return decoded;
  const first = bad[0] as Extract<DecodedRecord<E>, { status: 'rejected' }>;
  return [
    ...decoded.filter((d) => d.status !== 'rejected'),
    ...refused(
      `KPL aggregate: ${bad.length} of its ${decoded.length} user records refused (the first, #${first.ref.subSequenceNumber}: ${first.reason})`,
    ),
  ];
}

const OTHER_SHARD =
  "KPL user record whose partition key belongs to another shard: its entity's events are written by that shard's consumer (put the aggregate on the shard its records hash to, as the KPL does)";

/** A Kinesis record (1 MiB at most) could hold a quarter of a million tiny user records: more than this is refused whole. */
export const MAX_USER_RECORDS = 10_000;
/** Past this many refused user records, an aggregate is quarantined once, whole, instead of one message each. */
export const MAX_REFUSED_USER_RECORDS = 100;

/**
 * base64 → size check → JSON → schema → time checks. Every way a record can be bad ends as a reason,
 * never a throw. The event's time is checked against the moment Kinesis accepted the record: more
 * than the clock skew allowed after it, or older than the horizon before it, is a wrong clock and
 * refused. The arrival time is part of the record, so the checks give the same answer on every
 * retry, and it travels with the event: an entity's watermark never passes it (entity-state.ts).
 */
function decodeData<E extends TimedEvent>(
  ref: RecordRef,
  bytes: Buffer,
  /** The same bytes in base64, as the quarantine keeps them. */
  data: string,
  validate: (input: unknown) => Validation<E>,
  {
    maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
    maxFutureSkewMs = DEFAULT_MAX_FUTURE_SKEW_MS,
    maxEventAgeMs = DEFAULT_MAX_EVENT_AGE_MS,
  }: DecodeLimits,
): DecodedRecord<E> {
  const reject = (reason: string): DecodedRecord<E> => ({ status: 'rejected', ref, reason, data });
  if (bytes.length > maxRecordBytes) return reject(`record too large: ${bytes.length} bytes (limit ${maxRecordBytes})`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return reject(notJson(error));
  }
  const arrival = Math.round(ref.arrivalTimestamp * 1000);
  const control = controlEntityOf(json);
  if (control !== undefined) {
    if (!Number.isFinite(arrival)) return reject('control record has no approximateArrivalTimestamp: it stands for no time');
    // Anywhere else it would reach a second writer of the entity.
    if (ref.partitionKey !== control) return reject(`control record for ${JSON.stringify(control)} put under another partition key`);
    return { status: 'control', ref, entity: control, arrival };
  }
  const validation = validate(json);
  if (!validation.ok) return reject(`invalid event: ${validation.reason}`);
  // Kinesis always sets it; without it no time check could be made, and the watermark would be NaN.
  if (!Number.isFinite(arrival)) return reject('record has no approximateArrivalTimestamp: its event time cannot be checked');
  const ahead = validation.value.time - arrival;
  if (ahead > maxFutureSkewMs) {
    return reject(
      `invalid event: field "timestamp" is ${Math.round(ahead / 60_000)} min after the record arrived (at most ${Math.round(maxFutureSkewMs / 60_000)} min allowed)`,
    );
  }
  if (-ahead > maxEventAgeMs) {
    return reject(
      `invalid event: field "timestamp" is ${describeSpan(-ahead)} before the record arrived (at most ${describeSpan(maxEventAgeMs)} allowed)`,
    );
  }
  return { status: 'valid', ref, envelope: { ...validation.value, arrival } };
}

/** The parser's message quotes the input around the error; only the position is kept, since records may hold card data. */
function notJson(error: unknown): string {
  const position = /position (\d+)/.exec((error as Error).message)?.[1];
  return position === undefined ? 'not JSON' : `not JSON (syntax error at position ${position})`;
}

/** A span for a person: "24 days", "7 days 10 min", "61 min" (rounded to the minute). */
function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days > 0 ? `${days} ${days === 1 ? 'day' : 'days'}` : '', hours > 0 ? `${hours} h` : '', rest > 0 ? `${rest} min` : ''];
  return parts.filter(Boolean).join(' ') || '0 min';
}
