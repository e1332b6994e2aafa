/**
 * The two event kinds, shaped like the seed's examples, and their validators. Unknown extra fields
 * are kept, so producers can add context without being rejected; a missing or wrong-typed required
 * field is rejected with a message that names the field, and every problem of an event is reported.
 *
 * Written by hand rather than as zod schemas: validation runs for every record of every batch, and
 * zod/mini (the tree-shakable build the bundles need) has no compiled fast path for objects; this
 * takes about a fifth of its time (1.0 µs a record instead of 5.0, BENCHMARKS.md). The config schemas stay on zod.
 */
import type { Field, Validation } from './event-fields';
import { id, letters, MAX_AMOUNT, number, string, timestamp, toMillis, trim, validateFields } from './event-fields';
import { isoTime } from './iso-time';

export type { Validation } from './event-fields';
export { typeName } from './event-fields';

/** Read-only, as `Reading`: a validated event may be the parsed input itself (see `validateFields`). */
export interface Transaction {
  readonly transactionId: string;
  readonly userId: string;
  readonly cardId?: string;
  readonly amount: number;
  readonly currency?: string;
  /** Upper-cased. */
  readonly country: string;
  readonly merchantCategory?: string;
  readonly deviceId?: string;
  readonly timestamp: string | number;
  readonly [extra: string]: unknown;
}

export interface Reading {
  readonly deviceId: string;
  readonly temperature: number;
  readonly humidity?: number;
  readonly pressure?: number;
  readonly timestamp: string | number;
  readonly [extra: string]: unknown;
}

const TRANSACTION_FIELDS: readonly Field[] = [
  { name: 'transactionId', required: true, check: id, normalize: trim },
  { name: 'userId', required: true, check: id, normalize: trim },
  { name: 'cardId', required: false, check: string },
  { name: 'amount', required: true, check: number(0, MAX_AMOUNT, 'must not be negative') },
  { name: 'currency', required: false, check: letters(3, 'currency code') },
  { name: 'country', required: true, check: letters(2, 'country code'), normalize: (value: string) => value.toUpperCase() },
  { name: 'merchantCategory', required: false, check: string },
  { name: 'deviceId', required: false, check: string },
  { name: 'timestamp', required: true, check: timestamp },
];

const READING_FIELDS: readonly Field[] = [
  { name: 'deviceId', required: true, check: id, normalize: trim },
  { name: 'temperature', required: true, check: number(-273.15, 10_000) },
  { name: 'humidity', required: false, check: number(0, 100) },
  { name: 'pressure', required: false, check: number(0, 100_000) },
  { name: 'timestamp', required: true, check: timestamp },
];

export const EventKind = { transaction: 'transaction', reading: 'reading' } as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** A validated event with what the pipeline needs to route it: its id, its entity and its event time. */
interface Envelope<K extends EventKind, T> {
  readonly kind: K;
  /** Idempotency key: the producer's id, never the Kinesis sequence number (a producer retry gets a new one). */
  readonly id: string;
  /** The entity whose windows the event follows (user for transactions, device for readings). */
  readonly entity: string;
  /** Event time in epoch milliseconds. */
  readonly time: number;
  /**
   * When the stream accepted the record (epoch ms), if it came from one: the entity's watermark never
   * passes it, so a clock running ahead cannot make other events late. Absent offline (`score`).
   */
  readonly arrival?: number;
  readonly event: T;
}
export type TransactionEnvelope = Envelope<'transaction', Transaction>;
export type ReadingEnvelope = Envelope<'reading', Reading>;
export type AnyEnvelope = TransactionEnvelope | ReadingEnvelope;

/** Readings carry no id of their own: a device reports one reading per instant. */
export function readingId(deviceId: string, time: number): string {
  return `${deviceId}@${isoTime(time)}`;
}

/**
 * A timestamp written exactly as `toISOString` writes one (UTC, milliseconds). A valid one (its
 * calendar fields and range checked, see `timestamp`) is its own `toISOString()`, so a reading's id can
 * take it as it is: formatting the time again costs more than all of the reading's other checks.
 */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function validateTransaction(input: unknown): Validation<TransactionEnvelope> {
  const parsed = validateFields<Transaction>(TRANSACTION_FIELDS, input);
  if (!parsed.ok) return parsed;
  const txn = parsed.value;
  return {
    ok: true,
    value: { kind: 'transaction', id: txn.transactionId, entity: txn.userId, time: toMillis(txn.timestamp), event: txn },
  };
}

export function validateReading(input: unknown): Validation<ReadingEnvelope> {
  const parsed = validateFields<Reading>(READING_FIELDS, input);
  if (!parsed.ok) return parsed;
  const reading = parsed.value;
  const time = toMillis(reading.timestamp);
  const id =
    typeof reading.timestamp === 'string' && CANONICAL_ISO.test(reading.timestamp)
      ? `${reading.deviceId}@${reading.timestamp}`
      : readingId(reading.deviceId, time);
  return { ok: true, value: { kind: 'reading', id, entity: reading.deviceId, time, event: reading } };
}
