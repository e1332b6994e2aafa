import type { Validation } from '../domain/events';
import type { Field } from '../domain/event-fields';
import { id, number, timestamp, toMillis, trim, validateFields } from '../domain/event-fields';
import { ReadingRulesSchema, ReadingStatus } from '../domain/sensor-rules';
import type { DeviceLast } from '../domain/reading-engine';
import { readingId, readingModel } from '../domain/reading-engine';
import type { Reading, ReadingEnvelope, ReadingResult } from '../domain/sensor-rules';
import type { EventKindSpec } from './event-kind';
import { KIND_NAMES } from './names';

const READING_FIELDS: readonly Field[] = [
  { name: 'deviceId', required: true, check: id, normalize: trim },
  { name: 'temperature', required: true, check: number(-273.15, 10_000) },
  { name: 'humidity', required: false, check: number(0, 100) },
  { name: 'pressure', required: false, check: number(0, 100_000) },
  { name: 'timestamp', required: true, check: timestamp },
];

/**
 * A timestamp written exactly as `toISOString` writes one (UTC, milliseconds). A valid one (its
 * calendar fields and range checked, see `timestamp`) is its own `toISOString()`, so a reading's id can
 * take it as it is: formatting the time again costs more than all of the reading's other checks.
 */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Unknown extra fields are kept, so producers can add context without being rejected; a missing or
 * wrong-typed required field is rejected with a message that names the field, and every problem of
 * an event is reported. Written by hand rather than as zod schemas: validation runs for every record
 * of every batch, and zod/mini has no compiled fast path for objects (1.0 µs a record instead of
 * 5.0, BENCHMARKS.md).
 */
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

const statusOf = (result: ReadingResult): string => result.status;

/**
 * Sensor readings: judged ok, warning or critical per device. Each reading's status is stored for as
 * long as its device's item (that is what recognises it when it comes again); the device's window
 * aggregates hold the figures and the outbox holds every non-ok reading.
 */
export const READINGS: EventKindSpec<ReadingEnvelope, DeviceLast, ReadingResult, typeof ReadingRulesSchema> = {
  ...KIND_NAMES.reading,
  rulesSchema: ReadingRulesSchema,
  // A reading has no id of its own: besides a temperature, a device without a user says reading.
  claims: (input) => 'deviceId' in input && !('userId' in input),
  claimedBy: 'a reading needs "deviceId" and "temperature"',
  validate: validateReading,
  scoring: (rules, rulesVersion) => ({
    entityType: KIND_NAMES.reading.entityType,
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
    model: readingModel(rules),
    recordOf: (reading, result) => ({
      readingId: reading.id,
      deviceId: reading.entity,
      eventTime: result.eventTime,
      status: result.status,
    }),
    shadowOf: (_reading, { status }) => ({ status }),
    outcome: statusOf,
  }),
  outcome: statusOf,
  outcomes: [ReadingStatus.ok, ReadingStatus.warning, ReadingStatus.critical],
  judgement: ({ status, findings }) => ({ outcome: status, reasons: findings.map((f) => ({ rule: f.rule, detail: f.message })) }),
  // A reading's record keeps its status only.
  storedJudgement: ({ status }) => ({ outcome: String(status), reasons: [] }),
  present: ({ deviceId, temperature, status, alert }) => ({ deviceId, temperature, status, ...(alert ? { alert } : {}) }),
};
