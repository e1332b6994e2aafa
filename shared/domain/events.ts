import * as z from 'zod/mini';
import { withEnglishMessages } from './zod-messages';

/**
 * The two event kinds, shaped like the seed's examples. Unknown extra fields are kept (`loose`),
 * so producers can add context without being rejected; a missing or wrong-typed required field is
 * rejected with a message that names the field.
 */
const timestamp = z.union([z.string(), z.number()]).check((ctx) => {
  const problem = typeof ctx.value === 'number' ? checkEpoch(ctx.value) : checkIso(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
/** What a JavaScript Date can hold: ±100,000,000 days around 1970. */
const MAX_EPOCH_MS = 8.64e15;

function checkEpoch(millis: number): string | undefined {
  return Number.isInteger(millis) && Math.abs(millis) <= MAX_EPOCH_MS ? undefined : 'must be whole epoch milliseconds within the range of a date';
}

/** Date.parse rolls impossible dates over (Feb 30 → Mar 2); the calendar fields are checked first. */
function checkIso(text: string): string | undefined {
  const match = ISO_8601.exec(text);
  if (!match) return 'must be an ISO 8601 time with a zone (e.g. 2026-04-25T12:00:00Z) or epoch milliseconds';
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    return 'is not a real calendar date and time';
  }
  return Number.isFinite(Date.parse(text)) ? undefined : 'is not a valid ISO 8601 time';
}
/** Bounded so that sums over a window stay exact integers-or-cents far below 2^53. */
const MAX_AMOUNT = 1_000_000_000;
const id = z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(128, 'must be at most 128 characters'));

export const TransactionSchema = z.looseObject({
  transactionId: id,
  userId: id,
  cardId: z.optional(z.string()),
  amount: z.number().check(z.nonnegative('must not be negative'), z.maximum(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)),
  currency: z.optional(z.string().check(z.regex(/^[A-Za-z]{3}$/, 'must be a 3-letter currency code'))),
  country: z.string().check(z.regex(/^[A-Za-z]{2}$/, 'must be a 2-letter country code'), z.toUpperCase()),
  merchantCategory: z.optional(z.string()),
  deviceId: z.optional(z.string()),
  timestamp,
});

export const ReadingSchema = z.looseObject({
  deviceId: id,
  temperature: z.number().check(z.minimum(-273.15, 'must be at least -273.15'), z.maximum(10_000, 'must be at most 10000')),
  humidity: z.optional(z.number().check(z.minimum(0, 'must be at least 0'), z.maximum(100, 'must be at most 100'))),
  pressure: z.optional(z.number().check(z.minimum(0, 'must be at least 0'), z.maximum(100_000, 'must be at most 100000'))),
  timestamp,
});

export type Transaction = z.output<typeof TransactionSchema>;
export type Reading = z.output<typeof ReadingSchema>;

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
  readonly event: T;
}
export type TransactionEnvelope = Envelope<'transaction', Transaction>;
export type ReadingEnvelope = Envelope<'reading', Reading>;
export type AnyEnvelope = TransactionEnvelope | ReadingEnvelope;

export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function toMillis(value: string | number): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

/** Readings carry no id of their own: a device reports one reading per instant. */
export function readingId(deviceId: string, time: number): string {
  return `${deviceId}@${new Date(time).toISOString()}`;
}

export function validateTransaction(input: unknown): Validation<TransactionEnvelope> {
  const parsed = z.safeParse(TransactionSchema, input, withEnglishMessages);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error, input) };
  const txn = parsed.data;
  return {
    ok: true,
    value: { kind: 'transaction', id: txn.transactionId, entity: txn.userId, time: toMillis(txn.timestamp), event: txn },
  };
}

export function validateReading(input: unknown): Validation<ReadingEnvelope> {
  const parsed = z.safeParse(ReadingSchema, input, withEnglishMessages);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error, input) };
  const reading = parsed.data;
  const time = toMillis(reading.timestamp);
  return { ok: true, value: { kind: 'reading', id: readingId(reading.deviceId, time), entity: reading.deviceId, time, event: reading } };
}

/** For mixed input (the CLI): a transaction has a transactionId, a reading a deviceId and a temperature. */
export function validateAnyEvent(input: unknown): Validation<AnyEnvelope> {
  if (!isObject(input)) return { ok: false, reason: `expected a JSON object, got ${typeName(input)}` };
  if ('transactionId' in input) return validateTransaction(input);
  if ('temperature' in input || ('deviceId' in input && !('userId' in input))) return validateReading(input);
  return { ok: false, reason: 'unknown event kind: a transaction needs "transactionId", a reading needs "deviceId" and "temperature"' };
}

export function validatorFor(kind: 'transaction'): (input: unknown) => Validation<TransactionEnvelope>;
export function validatorFor(kind: 'reading'): (input: unknown) => Validation<ReadingEnvelope>;
export function validatorFor(kind: EventKind): (input: unknown) => Validation<AnyEnvelope> {
  return kind === 'transaction' ? validateTransaction : validateReading;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key as string];
  }
  return current;
}

/** One sentence per problem, naming the field; values are not echoed (they may hold card data). */
function describeIssues(error: z.core.$ZodError, input: unknown): string {
  if (!isObject(input)) return `expected a JSON object, got ${typeName(input)}`;
  return error.issues
    .map((issue) => {
      const field = issue.path.map(String).join('.') || '(event)';
      const actual = valueAt(input, issue.path);
      if (issue.code === 'invalid_type') {
        return actual === undefined
          ? `missing required field "${field}"`
          : `field "${field}" must be a ${issue.expected}, got ${typeName(actual)}`;
      }
      if (issue.code === 'invalid_union' && actual !== undefined) {
        return `field "${field}" must be an ISO 8601 time or epoch milliseconds, got ${typeName(actual)}`;
      }
      if (issue.code === 'invalid_union') return `missing required field "${field}"`;
      return `field "${field}" ${issue.message}`;
    })
    .join('; ');
}
