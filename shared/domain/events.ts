/**
 * The two event kinds, shaped like the seed's examples, and their validators. Unknown extra fields
 * are kept, so producers can add context without being rejected; a missing or wrong-typed required
 * field is rejected with a message that names the field, and every problem of an event is reported.
 *
 * Written by hand rather than as zod schemas: validation runs for every record of every batch, and
 * zod/mini (the tree-shakable build the bundles need) has no compiled fast path for objects; this
 * takes about a fifth of its time (1.0 µs a record instead of 5.0, BENCHMARKS.md). The config schemas stay on zod.
 */
import { canonicalIsoMillis, isCalendarTime, isoTime } from './iso-time';

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

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
/**
 * Event times are refused outside 2000-01-01 … 9999-12-31: earlier is a clock or a unit gone wrong,
 * and any time in the range has a plain ISO form (a year of four digits), so an alert made from it
 * can always be published. Times relative to arrival (too old, too far ahead) are the decoder's.
 */
const EARLIEST_EVENT_TIME = Date.UTC(2000, 0, 1);
const LATEST_EVENT_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Epoch seconds of any time up to the year 5138 are below this; epoch milliseconds since 1973 are above. */
const EPOCH_SECONDS_BELOW = 1e11;
/**
 * DynamoDB refuses numbers below 1e-130 in magnitude. A little more room than that keeps the sums
 * the windows store above it too: two values of at least 1e-100 differ by 0 or by far more than 1e-130.
 */
const MIN_NONZERO_MAGNITUDE = 1e-100;
/** An unpaired UTF-16 surrogate: it has no UTF-8 form, so it would be stored (and hashed) as U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Bounded so that sums over a window stay exact integers-or-cents far below 2^53. */
const MAX_AMOUNT = 1_000_000_000;
const MAX_ID_LENGTH = 128;

/** What is wrong with one field's value, as the end of a sentence that starts with the field; undefined when nothing is. */
type Check = (value: unknown) => string | undefined;

interface Field {
  readonly name: string;
  readonly required: boolean;
  readonly check: Check;
  /** The value stored for a valid field, when it differs from the input's (trimmed, upper-cased). */
  readonly normalize?: (value: never) => unknown;
}

function wrongType(expected: string, value: unknown): string {
  return `must be a ${expected}, got ${typeName(value)}`;
}

const NOT_WELL_FORMED = 'must be well-formed Unicode (it holds an unpaired surrogate)';

const string: Check = (value) => {
  if (typeof value !== 'string') return wrongType('string', value);
  return LONE_SURROGATE.test(value) ? NOT_WELL_FORMED : undefined;
};

/** C0 and C1 controls and the noncharacters U+FFFE/U+FFFF: invisible in logs, and SNS refuses them in attributes. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/;

const id: Check = (value) => {
  if (typeof value !== 'string') return wrongType('string', value);
  if (LONE_SURROGATE.test(value)) return NOT_WELL_FORMED;
  const trimmed = value.trim();
  if (CONTROL.test(trimmed)) return 'must not hold control characters';
  if (trimmed.length === 0) return 'must not be empty';
  return trimmed.length > MAX_ID_LENGTH ? `must be at most ${MAX_ID_LENGTH} characters` : undefined;
};

function number(min: number, max: number, belowMin = `must be at least ${min}`): Check {
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType('number', value);
    if (value !== 0 && Math.abs(value) < MIN_NONZERO_MAGNITUDE) {
      return `must be 0 or at least ${MIN_NONZERO_MAGNITUDE} in magnitude (DynamoDB cannot store numbers this small)`;
    }
    if (value < min) return belowMin;
    return value > max ? `must be at most ${max}` : undefined;
  };
}

function letters(count: number, what: string): Check {
  const pattern = new RegExp(`^[A-Za-z]{${count}}$`);
  return (value) => {
    if (typeof value !== 'string') return wrongType('string', value);
    return pattern.test(value) ? undefined : `must be a ${count}-letter ${what}`;
  };
}

const timestamp: Check = (value) => {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'must be whole epoch milliseconds';
    if (value > 0 && value < EPOCH_SECONDS_BELOW) return 'looks like epoch seconds: send epoch milliseconds';
    return checkRange(value);
  }
  if (typeof value === 'string') return checkIso(value);
  return `must be an ISO 8601 time or epoch milliseconds, got ${typeName(value)}`;
};

function checkRange(time: number): string | undefined {
  return time >= EARLIEST_EVENT_TIME && time <= LATEST_EVENT_TIME ? undefined : 'must be between 2000-01-01 and 9999-12-31';
}

/** Date.parse rolls impossible dates over (Feb 30 → Mar 2); the calendar fields are checked first, then the range. */
function checkIso(text: string): string | undefined {
  const canonical = canonicalIsoMillis(text);
  if (!Number.isNaN(canonical)) return checkRange(canonical);
  const match = ISO_8601.exec(text);
  if (!match) return 'must be an ISO 8601 time with a zone (e.g. 2026-04-25T12:00:00Z) or epoch milliseconds';
  const field = (group: number) => Number(match[group] ?? 0); // seconds may be left out
  if (!isCalendarTime(field(1), field(2), field(3), field(4), field(5), field(6))) return 'is not a real calendar date and time';
  const time = Date.parse(text);
  return Number.isFinite(time) ? checkRange(time) : 'is not a valid ISO 8601 time';
}

const trim = (value: string): string => value.trim();

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

/** Checks every field, then gives the input with its values normalized (extra fields kept); one sentence per problem. */
function validateFields<T>(fields: readonly Field[], input: unknown): Validation<T> {
  if (!isObject(input)) return { ok: false, reason: `expected a JSON object, got ${typeName(input)}` };
  let problems: string[] | undefined;
  for (const field of fields) {
    const value = input[field.name];
    if (value === undefined) {
      if (field.required) (problems ??= []).push(`missing required field "${field.name}"`);
      continue;
    }
    const problem = field.check(value);
    if (problem !== undefined) (problems ??= []).push(`field "${field.name}" ${problem}`);
  }
  if (problems) return { ok: false, reason: problems.join('; ') };
  // The input itself when normalizing changes nothing (the rule: ids come trimmed, countries upper-cased),
  // else a copy with the normalized values: the input is never changed.
  let event: Record<string, unknown> | undefined;
  for (const field of fields) {
    const value = input[field.name];
    if (!field.normalize || value === undefined) continue;
    const normalized = field.normalize(value as never);
    if (normalized !== value) (event ??= { ...input })[field.name] = normalized;
  }
  return { ok: true, value: (event ?? input) as T };
}

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

export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function toMillis(value: string | number): number {
  if (typeof value === 'number') return value;
  const canonical = canonicalIsoMillis(value);
  return Number.isNaN(canonical) ? Date.parse(value) : canonical;
}

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
