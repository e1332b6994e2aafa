/**
 * The checks every event kind's hand-written validator is made of (shared/kinds/<kind>.ts): a field's type and
 * range, ids, event times, and `validateFields`, which runs them and names every field that is wrong.
 */
import { canonicalIsoMillis, isCalendarTime } from './iso-time';

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
const MAX_ID_LENGTH = 128;
/** Bounded so that sums over a window stay exact integers-or-cents far below 2^53. */
export const MAX_AMOUNT = 1_000_000_000;

/** What is wrong with one field's value, as the end of a sentence that starts with the field; undefined when nothing is. */
export type Check = (value: unknown) => string | undefined;

export interface Field {
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

export const string: Check = (value) => {
  if (typeof value !== 'string') return wrongType('string', value);
  return LONE_SURROGATE.test(value) ? NOT_WELL_FORMED : undefined;
};

/** C0 and C1 controls and the noncharacters U+FFFE/U+FFFF: invisible in logs, and SNS refuses them in attributes. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/;

export const id: Check = (value) => {
  if (typeof value !== 'string') return wrongType('string', value);
  if (LONE_SURROGATE.test(value)) return NOT_WELL_FORMED;
  const trimmed = value.trim();
  if (CONTROL.test(trimmed)) return 'must not hold control characters';
  if (trimmed.length === 0) return 'must not be empty';
  return trimmed.length > MAX_ID_LENGTH ? `must be at most ${MAX_ID_LENGTH} characters` : undefined;
};

export function number(min: number, max: number, belowMin = `must be at least ${min}`): Check {
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType('number', value);
    if (value !== 0 && Math.abs(value) < MIN_NONZERO_MAGNITUDE) {
      return `must be 0 or at least ${MIN_NONZERO_MAGNITUDE} in magnitude (DynamoDB cannot store numbers this small)`;
    }
    if (value < min) return belowMin;
    return value > max ? `must be at most ${max}` : undefined;
  };
}

export function letters(count: number, what: string): Check {
  const pattern = new RegExp(`^[A-Za-z]{${count}}$`);
  return (value) => {
    if (typeof value !== 'string') return wrongType('string', value);
    return pattern.test(value) ? undefined : `must be a ${count}-letter ${what}`;
  };
}

export const timestamp: Check = (value) => {
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

export const trim = (value: string): string => value.trim();

/** Checks every field, then gives the input with its values normalized (extra fields kept); one sentence per problem. */
export function validateFields<T>(fields: readonly Field[], input: unknown): Validation<T> {
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

export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export function toMillis(value: string | number): number {
  if (typeof value === 'number') return value;
  const canonical = canonicalIsoMillis(value);
  return Number.isNaN(canonical) ? Date.parse(value) : canonical;
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
